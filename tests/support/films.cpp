#include "films.hpp"

#include <fstream>

#include <fmt/format.h>

#include "content.hpp"
#include "process.hpp"

namespace seeder::test {

namespace {

using Args = std::vector<std::string>;

// H.264 as film torrents carry it (a keyframe every 2 s: run_ffmpeg's -g 50 at 25 fps).
const Args kH264 = {"-c:v", "libx264", "-preset", "veryfast"};

Args operator+(Args args, const Args& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// ffmpeg reading the test picture (input 0), a 440 Hz tone at 48 kHz (input 1) and `inputs`,
// writing `seconds` of them (a keyframe every 50 frames, 4:2:0) with `outputs` into `path`.
bool run_ffmpeg(const std::filesystem::path& path, const Args& inputs, int seconds,
                const Args& outputs) {
  const Args argv = Args{kFfmpeg, "-nostdin", "-loglevel", "error",
                         "-f",    "lavfi",    "-i",        "testsrc2=size=160x120:rate=25",
                         "-f",    "lavfi",    "-i",        "sine=frequency=440:sample_rate=48000"} +
                    inputs +
                    Args{"-t", std::to_string(seconds), "-g", "50", "-pix_fmt", "yuv420p"} +
                    outputs + Args{path.string()};
  ChildProcess ffmpeg(argv, path.string() + ".log");
  const auto exit = ffmpeg.wait_exit(std::chrono::seconds(120));
  return exit.has_value() && *exit == 0;
}

}  // namespace

bool make_ac3_film(const std::filesystem::path& path, int seconds) {
  const auto srt = path.parent_path() / (path.stem().string() + ".track.srt");
  // A cue every 4 s: "Hello", then "<i>Line <k></i>", each 2 s long (within a 3 s film).
  std::ofstream out(srt);
  for (int k = 0; 4 * k < seconds; ++k) {
    out << k + 1 << "\n"
        << fmt::format("00:{:02}:{:02},500 --> 00:{:02}:{:02},500\n", 4 * k / 60, 4 * k % 60,
                       (4 * k + 2) / 60, (4 * k + 2) % 60)
        << (k == 0 ? std::string("Hello") : fmt::format("<i>Line {}</i>", k)) << "\n\n";
  }
  out.close();
  const bool made = run_ffmpeg(path, {"-i", srt.string()}, seconds,
                               Args{"-map", "0:v", "-map", "1:a", "-map", "2:s"} + kH264 +
                                   Args{"-c:a", "ac3", "-ac", "6", "-c:s", "srt", "-metadata:s:a:0",
                                        "language=eng", "-metadata:s:s:0", "language=eng"});
  std::filesystem::remove(srt);
  return made;
}

bool make_dubbed_film(const std::filesystem::path& path, int seconds) {
  return run_ffmpeg(path, {"-f", "lavfi", "-i", "sine=frequency=880:sample_rate=44100"}, seconds,
                    Args{"-map", "0:v", "-map", "1:a", "-map", "2:a"} + kH264 +
                        Args{"-c:a:0", "aac", "-ac:a:0", "2", "-c:a:1", "ac3", "-ac:a:1", "1",
                             "-metadata:s:a:0", "language=eng", "-metadata:s:a:1", "language=fre"});
}

bool make_film(const std::filesystem::path& path, const std::vector<std::string>& codec_args,
               int seconds) {
  return run_ffmpeg(path, {}, seconds, codec_args);
}

void SuiteFilm::make(const std::string& dir_prefix,
                     const std::function<bool(const std::filesystem::path&)>& maker) {
  dir_ = std::make_unique<TempDir>(dir_prefix);
  bytes_.clear();
  if (maker(dir_->path() / "film.mkv")) bytes_ = read_file(dir_->path() / "film.mkv");
}

void SuiteFilm::release() {
  bytes_.clear();
  dir_.reset();
}

std::string SuiteFilm::why_missing() const {
  if (!dir_) return "the suite made no film (SuiteFilm::make was not called)";
  return "ffmpeg could not make the film; see " + (dir_->path() / "film.mkv.log").string();
}

}  // namespace seeder::test
