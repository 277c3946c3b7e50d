#include "films.hpp"

#include <fstream>

#include <fmt/format.h>

#include "process.hpp"

namespace seeder::test {

namespace {

// ffmpeg reading the test picture (input 0) and a 440 Hz tone at 48 kHz (input 1), then `more`.
bool run_ffmpeg(const std::filesystem::path& path, std::vector<std::string> more) {
  std::vector<std::string> argv = {
      kFfmpeg, "-nostdin", "-loglevel", "error",
      "-f",    "lavfi",    "-i",        "testsrc2=size=160x120:rate=25",
      "-f",    "lavfi",    "-i",        "sine=frequency=440:sample_rate=48000"};
  argv.insert(argv.end(), more.begin(), more.end());
  argv.push_back(path.string());
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
  const bool made = run_ffmpeg(path, {"-i",
                                      srt.string(),
                                      "-t",
                                      std::to_string(seconds),
                                      "-map",
                                      "0:v",
                                      "-map",
                                      "1:a",
                                      "-map",
                                      "2:s",
                                      "-c:v",
                                      "libx264",
                                      "-preset",
                                      "veryfast",
                                      "-g",
                                      "50",
                                      "-pix_fmt",
                                      "yuv420p",
                                      "-c:a",
                                      "ac3",
                                      "-ac",
                                      "6",
                                      "-c:s",
                                      "srt",
                                      "-metadata:s:a:0",
                                      "language=eng",
                                      "-metadata:s:s:0",
                                      "language=eng"});
  std::filesystem::remove(srt);
  return made;
}

bool make_dubbed_film(const std::filesystem::path& path, int seconds) {
  return run_ffmpeg(path, {"-f",
                           "lavfi",
                           "-i",
                           "sine=frequency=880:sample_rate=44100",
                           "-t",
                           std::to_string(seconds),
                           "-map",
                           "0:v",
                           "-map",
                           "1:a",
                           "-map",
                           "2:a",
                           "-c:v",
                           "libx264",
                           "-preset",
                           "veryfast",
                           "-g",
                           "50",
                           "-pix_fmt",
                           "yuv420p",
                           "-c:a:0",
                           "aac",
                           "-ac:a:0",
                           "2",
                           "-c:a:1",
                           "ac3",
                           "-ac:a:1",
                           "1",
                           "-metadata:s:a:0",
                           "language=eng",
                           "-metadata:s:a:1",
                           "language=fre"});
}

bool make_film(const std::filesystem::path& path, const std::vector<std::string>& codec_args,
               int seconds) {
  std::vector<std::string> more = {"-t",     std::to_string(seconds), "-g", "50", "-pix_fmt",
                                   "yuv420p"};
  more.insert(more.end(), codec_args.begin(), codec_args.end());
  return run_ffmpeg(path, std::move(more));
}

}  // namespace seeder::test
