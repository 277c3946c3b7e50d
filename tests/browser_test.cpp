// The player page in a real browser: headless Chromium (over WebDriver) opens
// /<hash>/<film>.mp4?play against a loopback swarm seeding a real H.264/AAC MP4 and an SRT, and
// checks that the video plays 2 s, seeks, shows the subtitle's cue, and that the piece bar fills;
// and a Matroska film with AC-3 sound plays with sound through the HLS remux.
//
// Runs where Chromium, chromedriver and ffmpeg are installed (scripts/install-deps.sh --browser);
// skipped elsewhere, unless SEEDER_REQUIRE_BROWSER=1 makes their absence a failure.
// SEEDER_SCREENSHOT=<file.png> keeps a screenshot of the page (docs/player.png is one).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "browser_suite.hpp"
#include "films.hpp"
#include "process.hpp"
#include "seeder/media/probe.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

// A real 8 s H.264/AAC MP4 (320x240, moov at the end, as ffmpeg writes by default).
void make_mp4_film(const std::filesystem::path& path, const std::filesystem::path& log) {
  ChildProcess ffmpeg(
      {kFfmpeg,     "-nostdin",   "-loglevel", "error",
       "-f",        "lavfi",      "-i",        "testsrc2=size=320x240:rate=25",
       "-f",        "lavfi",      "-i",        "sine=frequency=440:sample_rate=44100",
       "-t",        "8",          "-c:v",      "libx264",
       "-preset",   "veryfast",   "-pix_fmt",  "yuv420p",
       "-c:a",      "aac",        "-b:a",      "64k",
       "-shortest", path.string()},
      log.string());
  const auto exit = ffmpeg.wait_exit(60s);
  ASSERT_TRUE(exit.has_value() && *exit == 0) << "ffmpeg failed; see " << log;
}

using BrowserTest = BrowserSuite;

// Plays the page's film (muted: autoplay rules; muted sound is still decoded) until it has
// played 2 s of picture and sound through the remux (hls.js' blob: source), or 40 s have passed:
// {ok, status (the page's words), asked (segments asked with the picture converted), why}.
constexpr const char* kPlaysThroughHls = R"js(
  const done = arguments[arguments.length - 1];
  const v = document.getElementById("media");
  const status = document.getElementById("status");
  const notice = document.getElementById("notice");
  v.muted = true;
  const start = performance.now();
  let asked = false;
  const check = () => {
    if (!notice.hidden) { done({ok: false, why: notice.textContent}); return; }
    if (!asked && v.src.startsWith("blob:")) { asked = true; v.play().catch(() => {}); }
    if (v.currentTime >= 2 && v.webkitVideoDecodedByteCount > 0 && v.webkitAudioDecodedByteCount > 0)
      done({ok: true, status: status.textContent,
            asked: performance.getEntriesByType("resource").map((e) => e.name)
                       .filter((name) => name.includes("video=h264")).length});
    else if (performance.now() - start > 40000)
      done({ok: false, why: "time " + v.currentTime + ", audio bytes " +
            v.webkitAudioDecodedByteCount + ", video bytes " + v.webkitVideoDecodedByteCount +
            ", src " + v.src + ", status " + status.textContent});
    else setTimeout(check, 100);
  };
  check();
)js";

constexpr const char* kSrt = "1\r\n00:00:00,200 --> 00:00:07,800\r\nHello from seeder\r\n\r\n";

TEST_F(BrowserTest, ThePlayerPagePlaysSeeksShowsTheSubtitleAndFillsTheBar) {
  const auto folder = extra_content() / "Film";
  std::filesystem::create_directories(folder);
  make_mp4_film(folder / "film.mp4", extra_content() / "ffmpeg.log");
  write_file(folder / "film.en.srt", kSrt);
  const auto film = seed_extra(folder, "film");
  config_.stats_interval = 200ms;  // the bar's frames come quickly
  start();

  Browser browser(extra_content());
  const auto page =
      "http://127.0.0.1:" + std::to_string(port_) + film.url("Film/film.mp4") + "?play";
  browser.open(page);

  // Plays 2 s of video (muted: autoplay rules).
  const auto played = browser.run_async(R"js(
    const done = arguments[arguments.length - 1];
    const v = document.getElementById("media");
    v.muted = true;
    const start = performance.now();
    v.play().then(() => {
      const check = () => {
        if (v.currentTime >= 2) done({ok: true, time: v.currentTime});
        else if (performance.now() - start > 20000)
          done({ok: false, time: v.currentTime, error: v.error ? v.error.code : 0});
        else setTimeout(check, 50);
      };
      check();
    }, (e) => done({ok: false, error: String(e)}));
  )js",
                                        30s);
  ASSERT_TRUE(played.at("ok").boolean) << "did not play 2 s";

  // Seeks to 5 s and plays on from there; the cue (0.2-7.8 s) is showing.
  const auto seeked = browser.run_async(R"js(
    const done = arguments[arguments.length - 1];
    const v = document.getElementById("media");
    const track = v.textTracks[0];
    track.mode = "showing";
    v.addEventListener("seeked", () => {
      const start = performance.now();
      const check = () => {
        const cues = track.activeCues;
        if (v.currentTime >= 5.3 && cues && cues.length > 0)
          done({ok: true, time: v.currentTime, cue: cues[0].text, label: track.label});
        else if (performance.now() - start > 20000)
          done({ok: false, time: v.currentTime, cues: cues ? cues.length : -1});
        else setTimeout(check, 50);
      };
      check();
    }, {once: true});
    v.currentTime = 5;
  )js",
                                        30s);
  ASSERT_TRUE(seeked.at("ok").boolean) << "did not seek to 5 s and show the cue";
  EXPECT_EQ(seeked.at("cue").string, "Hello from seeder");
  EXPECT_EQ(seeked.at("label").string, "en");

  // The bar fills: the whole file is on disk after playing (finished behind the reader).
  const auto filled = browser.run_async(R"js(
    const done = arguments[arguments.length - 1];
    const bar = document.getElementById("pieces");
    const start = performance.now();
    const check = () => {
      const fraction = parseFloat(bar.dataset.onDisk || "0");
      if (fraction >= 1) done({ok: true, fraction, text: document.getElementById("figures").textContent});
      else if (performance.now() - start > 20000) done({ok: false, fraction});
      else setTimeout(check, 100);
    };
    check();
  )js",
                                        30s);
  EXPECT_TRUE(filled.at("ok").boolean) << "the bar stopped at " << filled.at("fraction").number;

  if (const char* keep = std::getenv("SEEDER_SCREENSHOT")) {
    browser.run("document.getElementById('media').pause();");
    std::ofstream(keep, std::ios::binary) << browser.screenshot_png();
  }
}

// A film with AC-3 5.1 sound (most film torrents): Chromium decodes the picture but not the
// sound. The page plays it through the gateway's HLS remux (hls.js, the sound made AAC) with
// picture and sound, says so, seeks into a later segment, and offers the subtitle track inside
// the film.
TEST_F(BrowserTest, AFilmWithSoundTheBrowserCannotDecodePlaysWithSoundThroughHls) {
  if (!media::available()) GTEST_SKIP() << "built without media support";
  const auto folder = extra_content() / "Ac3";
  std::filesystem::create_directories(folder);
  ASSERT_TRUE(make_ac3_film(folder / "film.mkv", 20)) << "ffmpeg failed";
  // A subtitle file beside it too: one caption at a time shows.
  write_file(folder / "film.srt", "1\n00:00:00,200 --> 00:00:19,000\nBeside the film\n\n");
  const auto film = seed_extra(folder, "ac3");
  start();

  Browser browser(extra_content());
  browser.open("http://127.0.0.1:" + std::to_string(port_) + film.url("Ac3/film.mkv") + "?play");
  const auto played = browser.run_async(kPlaysThroughHls, 50s);
  ASSERT_TRUE(played.at("ok").boolean) << played.at("why").string;
  EXPECT_NE(played.at("status").string.find("AC-3"), std::string::npos)
      << played.at("status").string;
  // A seek past the first segment (they are at least 6 s) plays on from there.
  const auto seeked = browser.run_async(R"js(
    const done = arguments[arguments.length - 1];
    const v = document.getElementById("media");
    const start = performance.now();
    v.addEventListener("seeked", () => {
      const check = () => {
        if (v.currentTime >= 15.5) done({ok: true, time: v.currentTime});
        else if (performance.now() - start > 30000) done({ok: false, time: v.currentTime});
        else setTimeout(check, 100);
      };
      check();
    }, {once: true});
    v.currentTime = 14.5;
  )js",
                                        40s);
  EXPECT_TRUE(seeked.at("ok").boolean) << "stopped at " << seeked.at("time").number;
  // Its SRT track inside (films.hpp: "<i>Line 4</i>" from 16.5 s) is offered as a text track,
  // its cues at their frames' time.
  const auto cue = browser.run_async(R"js(
    const done = arguments[arguments.length - 1];
    const v = document.getElementById("media");
    const start = performance.now();
    const check = () => {
      const tracks = Array.from(v.textTracks);
      const track = tracks.find((t) => t.label === "English");
      if (track && track.mode !== "showing") track.mode = "showing";
      const cue = track && track.cues ? Array.from(track.cues).find((c) => c.text === "<i>Line 4</i>")
                                      : null;
      const showing = () => tracks.filter((t) => t.mode === "showing").map((t) => t.label);
      // The page hides the file beside the film's once the track inside is shown (a tick later).
      if (cue && showing().length === 1) done({ok: true, start: cue.startTime, showing: showing()});
      else if (performance.now() - start > 30000)
        done({ok: false, why: "cue " + !!cue + ", text tracks: " + tracks.map((t) => t.label + " (" + t.mode + ", " +
            (t.cues ? t.cues.length : 0) + " cues)").join(", ")});
      else setTimeout(check, 100);
    };
    check();
  )js",
                                     40s);
  ASSERT_TRUE(cue.at("ok").boolean) << cue.at("why").string;
  EXPECT_NEAR(cue.at("start").number, 16.5, 0.1);
  EXPECT_EQ(cue.at("showing").array.at(0).string, "English");
}

// With --transcode-video, an HEVC film (Chromium does not decode HEVC) plays with picture and
// sound through the remux, its picture converted to H.264, and the page says so; its torrent
// page marks it as playing here converted.
TEST_F(BrowserTest, AnHevcFilmPlaysConvertedToH264WhereTheGatewayConvertsVideo) {
  if (!media::available()) GTEST_SKIP() << "built without media support";
  const auto folder = extra_content() / "Hevc";
  std::filesystem::create_directories(folder);
  ASSERT_TRUE(make_film(folder / "film.mkv",
                        {"-c:v", "libx265", "-preset", "ultrafast", "-c:a", "aac"}, 14))
      << "ffmpeg failed";
  const auto film = seed_extra(folder, "hevc");
  config_.transcode_video = true;
  start();

  Browser browser(extra_content());
  browser.open("http://127.0.0.1:" + std::to_string(port_) + film.url("Hevc/film.mkv") + "?play");
  const auto played = browser.run_async(kPlaysThroughHls, 50s);
  ASSERT_TRUE(played.at("ok").boolean) << played.at("why").string;
  EXPECT_NE(played.at("status").string.find("converts it to H.264"), std::string::npos)
      << played.at("status").string;
  EXPECT_GT(played.at("asked").number, 0) << "the remux was asked to convert the picture";
  browser.open("http://127.0.0.1:" + std::to_string(port_) + film.url(""));
  const auto mark = browser.run_async(R"js(
    const done = arguments[arguments.length - 1];
    const start = performance.now();
    const read = () => {
      const m = document.querySelector("[data-probe]");
      if (m && m.dataset.verdict) done(m.dataset.verdict + ":" + m.textContent);
      else if (performance.now() - start > 30000) done("none");
      else setTimeout(read, 100);
    };
    read();
  )js",
                                      40s);
  EXPECT_EQ(mark.string.rfind("converted:", 0), 0u) << mark.string;
}

// A dubbed film (English AAC, the default, and French AC-3): it plays as it is, the page offers
// both sound tracks, and the French one chosen plays on through the conversion, from where the
// film was, with that track's sound.
TEST_F(BrowserTest, AFilmWithTwoSoundTracksOffersThemAndPlaysTheOneChosen) {
  if (!media::available()) GTEST_SKIP() << "built without media support";
  const auto folder = extra_content() / "Dubbed";
  std::filesystem::create_directories(folder);
  ASSERT_TRUE(make_dubbed_film(folder / "film.mkv", 20)) << "ffmpeg failed";
  const auto film = seed_extra(folder, "dubbed");
  start();

  Browser browser(extra_content());
  browser.open("http://127.0.0.1:" + std::to_string(port_) + film.url("Dubbed/film.mkv") + "?play");
  const auto chosen = browser.run_async(R"js(
    const done = arguments[arguments.length - 1];
    const v = document.getElementById("media");
    const choice = document.getElementById("audio");
    v.muted = true;  // autoplay rules; muted sound is still decoded
    v.play().catch(() => {});
    const start = performance.now();
    let switched = null;
    const check = () => {
      const waited = performance.now() - start;
      if (switched === null && choice.options.length === 2 && v.currentTime >= 2) {
        switched = {time: v.currentTime, direct: !v.src.startsWith("blob:"),
                    offered: Array.from(choice.options).map((o) => o.textContent).join(" | "),
                    selected: choice.value};
        choice.value = "2";
        choice.dispatchEvent(new Event("change"));
      }
      const asked = performance.getEntriesByType("resource").map((e) => e.name)
                        .filter((name) => name.includes("audio=2&hls="));
      if (switched && v.src.startsWith("blob:") && v.currentTime >= switched.time + 2 &&
          asked.some((name) => name.includes(".mp4")) && v.webkitAudioDecodedByteCount > 0)
        done(Object.assign(switched, {ok: true, after: v.currentTime, asked: asked.length}));
      else if (waited > 40000)
        done({ok: false, why: "time " + v.currentTime + ", options " + choice.options.length +
              ", switched " + JSON.stringify(switched) + ", asked " + asked.join(" ")});
      else setTimeout(check, 100);
    };
    check();
  )js",
                                        50s);
  ASSERT_TRUE(chosen.at("ok").boolean) << chosen.at("why").string;
  EXPECT_TRUE(chosen.at("direct").boolean) << "English AAC in Matroska plays as it is";
  EXPECT_EQ(chosen.at("selected").string, "1") << "the default track is the one selected";
  EXPECT_NE(chosen.at("offered").string.find("French (AC-3"), std::string::npos)
      << chosen.at("offered").string;
  EXPECT_GE(chosen.at("after").number, chosen.at("time").number + 2)
      << "it played on from where it was";
}

}  // namespace
}  // namespace seeder::test
