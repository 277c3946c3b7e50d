// The formats real torrents carry, in a real browser: one torrent of eleven short films (made here
// with ffmpeg) seeded on loopback, each opened on the player page (?play) in headless Chromium.
// A film whose picture the browser decodes plays with picture and sound (currentTime advances,
// decoded audio bytes > 0), directly or through the HLS remux; the others say why in a sentence.
// A film with a text subtitle track inside offers it as a text track of the player.
// The matrix is printed whatever happens.
//
// Runs where Chromium, chromedriver and ffmpeg are installed (scripts/install-deps.sh --browser);
// skipped elsewhere, unless SEEDER_REQUIRE_BROWSER=1 makes their absence a failure.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "browser_suite.hpp"
#include "films.hpp"
#include "process.hpp"
#include "seeder/media/probe.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

struct Format {
  const char* file;
  std::vector<std::string> codec_args;
  const char* expected;          // "plays", "plays via HLS", or a word the sentence must hold
  bool inner_subtitles = false;  // an English SRT track muxed in: offered as a text track
};

const std::vector<Format>& formats() {
  static const std::vector<Format> kFormats = {
      {"h264-aac.mp4", {"-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac"}, "plays"},
      {"h264-aac.mkv", {"-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac"}, "plays"},
      {"vp9-opus.webm",
       {"-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-c:a", "libopus"},
       "plays"},
      {"h264-ac3.mkv",
       {"-c:v", "libx264", "-preset", "veryfast", "-c:a", "ac3", "-ac", "6"},
       "plays via HLS"},
      {"h264-eac3.mkv",
       {"-c:v", "libx264", "-preset", "veryfast", "-c:a", "eac3"},
       "plays via HLS"},
      {"h264-dts.mkv",
       {"-c:v", "libx264", "-preset", "veryfast", "-c:a", "dca", "-strict", "-2"},
       "plays via HLS"},
      {"h264-mp3.avi",
       {"-c:v", "libx264", "-preset", "veryfast", "-c:a", "libmp3lame"},
       "plays via HLS"},
      {"hevc-aac.mkv", {"-c:v", "libx265", "-preset", "ultrafast", "-c:a", "aac"}, "HEVC"},
      {"hevc-aac.mp4",
       {"-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1", "-c:a", "aac"},
       "HEVC"},
      {"mpeg4-mp3.avi", {"-c:v", "mpeg4", "-c:a", "libmp3lame"}, "MPEG-4 Part 2"},
      {"h264-aac-srt.mkv",
       {"-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac"},
       "plays via HLS",
       true},
  };
  return kFormats;
}

// `film` with an English SRT track muxed in, as `into`.
bool add_srt_track(const std::filesystem::path& film, const std::filesystem::path& into) {
  const auto srt = film.string() + ".srt";
  write_file(srt, "1\n00:00:00,500 --> 00:00:03,000\nInside the film\n\n");
  ChildProcess ffmpeg(
      {kFfmpeg, "-nostdin", "-loglevel", "error", "-i", film.string(), "-i", srt, "-map", "0",
       "-map", "1", "-c", "copy", "-c:s", "srt", "-metadata:s:s:0", "language=eng", into.string()},
      into.string() + ".log");
  return ffmpeg.wait_exit(std::chrono::seconds(60)) == 0;
}

class FormatMatrixTest : public BrowserSuite {
 protected:
  void SetUp() override {
    BrowserSuite::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!media::available()) GTEST_SKIP() << "built without media support";
  }
};

// What the page did within 40 s (a loaded CI machine makes segments slowly): {"how": "plays" |
// "plays via HLS" | "said" | "nothing", ...}.
constexpr const char* kWatch = R"js(
  const done = arguments[arguments.length - 1];
  const v = document.getElementById("media");
  const notice = document.getElementById("notice");
  v.muted = true;  // autoplay rules; muted sound is still decoded
  const start = performance.now();
  let asked = 0;
  const check = () => {
    if (!notice.hidden) { done({how: "said", text: notice.textContent, tracks: ""}); return; }
    if (v.src && asked !== v.src) { asked = v.src; v.play().catch(() => {}); }
    const hls = v.src.startsWith("blob:");
    if (v.currentTime >= 1.5 && v.webkitAudioDecodedByteCount > 0 &&
        v.webkitVideoDecodedByteCount > 0)
      done({how: hls ? "plays via HLS" : "plays", text: "",
            tracks: Array.from(v.textTracks).map((t) => t.label).join(", ")});
    else if (performance.now() - start > 40000)
      done({how: "nothing", tracks: "", text: "time " + v.currentTime + ", audio bytes " +
            v.webkitAudioDecodedByteCount + ", video bytes " + v.webkitVideoDecodedByteCount});
    else setTimeout(check, 100);
  };
  check();
)js";

// The torrent page's marks, once every film has one (or after 60 s): "\n<file>=<verdict>:<text>"
// a film. The page probes the first 8 films at once, the others when their row is pointed at.
constexpr const char* kReadMarks = R"js(
  const done = arguments[arguments.length - 1];
  const start = performance.now();
  document.querySelectorAll("tr").forEach((row) => row.dispatchEvent(new MouseEvent("mouseenter")));
  const read = () => {
    const marks = Array.from(document.querySelectorAll("[data-probe]"));
    if (marks.some((m) => !m.dataset.verdict) && performance.now() - start < 60000) {
      setTimeout(read, 200);
      return;
    }
    done(marks.map((m) => "\n" + m.parentElement.querySelector("a").textContent.split("/").pop() +
                          "=" + (m.dataset.verdict || "none") + ":" + m.textContent).join(""));
  };
  read();
)js";

TEST_F(FormatMatrixTest, EveryFilmWhosePictureTheBrowserDecodesPlaysAndTheRestSayWhy) {
  const auto folder = extra_content() / "Films";
  std::filesystem::create_directories(folder);
  for (const auto& format : formats()) {
    const auto path = folder / format.file;
    ASSERT_TRUE(
        make_film(format.inner_subtitles ? extra_content() / format.file : path, format.codec_args))
        << "ffmpeg: " << format.file;
    if (format.inner_subtitles) {
      ASSERT_TRUE(add_srt_track(extra_content() / format.file, path));
    }
  }
  const auto films = seed_extra(folder, "films");
  start();
  Browser browser(extra_content());
  std::string matrix = "\nformat           | expected        | on the player page\n";
  int right = 0;
  for (const auto& format : formats()) {
    browser.open("http://127.0.0.1:" + std::to_string(port_) +
                 films.url(std::string("Films/") + format.file) + "?play");
    const auto seen = browser.run_async(kWatch, 60s);
    const auto how = seen.at("how").string;
    const auto text = seen.at("text").string;
    const std::string expected = format.expected;
    const auto tracks = seen.at("tracks").string;
    const bool ok = expected.starts_with("plays")
                        ? how == expected && (!format.inner_subtitles ||
                                              tracks.find("English") != std::string::npos)
                        : how == "said" && text.find(expected) != std::string::npos;
    right += ok ? 1 : 0;
    char line[512];
    std::snprintf(line, sizeof line, "%-16s | %-15s | %s%s%s%s%s\n", format.file, format.expected,
                  how.c_str(), text.empty() ? "" : ": ", text.substr(0, 120).c_str(),
                  tracks.empty() ? "" : ", text tracks: ", tracks.c_str());
    matrix += line;
    EXPECT_TRUE(ok) << format.file << ": " << how << " " << text;
  }
  std::printf("%s%d of %zu as expected\n", matrix.c_str(), right, formats().size());

  // The torrent page says the same of each film before it is opened: plays, plays converted,
  // or VLC/mpv.
  browser.open("http://127.0.0.1:" + std::to_string(port_) + films.url(""));
  const auto marks = browser.run_async(kReadMarks, 75s).string;
  for (const auto& format : formats()) {
    const std::string expected = format.expected;
    const char* where = expected == "plays" || format.inner_subtitles ? "plays"
                        : expected == "plays via HLS"                 ? "converted"
                                                                      : "elsewhere";
    EXPECT_NE(marks.find(std::string("\n") + format.file + "=" + where + ":"), std::string::npos)
        << format.file << " should be marked " << where << "; the page says:\n"
        << marks;
  }
}

}  // namespace
}  // namespace seeder::test
