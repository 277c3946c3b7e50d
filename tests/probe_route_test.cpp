// ?probe and ?hls through the whole gateway: a Matroska film with AC-3 sound, fetched from a
// loopback swarm through the gateway's own range reader, answered as JSON, and as an HLS
// playlist of fMP4 segments with AAC sound; and the clear errors around them.
#include <gtest/gtest.h>

#include <unistd.h>

#include "films.hpp"
#include "http_client.hpp"
#include "json_value.hpp"
#include "seeder/http/assets.hpp"
#include "seeder/media/probe.hpp"
#include "swarm.hpp"

namespace seeder::test {
namespace {

class ProbeRouteTest : public GatewaySuite {
 protected:
  void SetUp() override {
    GatewaySuite::SetUp();
    if (!media::available()) GTEST_SKIP() << "built without media support";
    ASSERT_EQ(::access(kFfmpeg, X_OK), 0) << "ffmpeg is missing (scripts/install-deps.sh)";
    const auto folder = extra_content() / "Film";
    std::filesystem::create_directories(folder);
    ASSERT_TRUE(make_ac3_film(folder / "film.mkv", 14)) << "ffmpeg failed";
    write_file(folder / "notes.txt", "not a film");
    write_file(folder / "broken.mkv", std::string(300'000, '\x5a'));
    film_ = seed_extra(folder, "film");
    start();
  }
  TestTorrent film_;
};

TEST_F(ProbeRouteTest, AFilmFromTheSwarmIsProbedThroughTheGatewaysOwnReader) {
  const auto response = http_get(port_, film_.url("Film/film.mkv") + "?probe");
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(response.header("content-type"), "application/json");
  const auto json = parse_json(response.body);
  EXPECT_EQ(json.at("container").string, "matroska,webm");
  EXPECT_EQ(json.at("browser").string, "picture without sound");
  const auto& streams = json.at("streams").array;
  ASSERT_EQ(streams.size(), 3u);
  EXPECT_EQ(streams[0].at("codec").string, "h264");
  EXPECT_EQ(streams[1].at("codec").string, "ac3");
  EXPECT_EQ(streams[1].at("channels").integer(), 6);
  EXPECT_FALSE(streams[1].at("browser_decodes").boolean);
  EXPECT_TRUE(streams[2].at("text").boolean);
  // Asked again: the same answer, from memory.
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?probe").body, response.body);
}

TEST_F(ProbeRouteTest, WhatIsNoFilmGetsAClearStatus) {
  const auto broken = http_get(port_, film_.url("Film/broken.mkv") + "?probe");
  EXPECT_EQ(broken.status, 502u) << broken.body;
  EXPECT_NE(broken.body.find("not a media file"), std::string::npos) << broken.body;
  EXPECT_EQ(http_get(port_, film_.url("Film/notes.txt") + "?probe").status, 400u);
  EXPECT_EQ(http_get(port_, film_.url("Film/missing.mkv") + "?probe").status, 404u);
}

TEST_F(ProbeRouteTest, AFilmWithAc3SoundIsAnHlsPlaylistOfFmp4Segments) {
  const auto url = film_.url("Film/film.mkv");
  // Its SRT track makes ?hls a master playlist: the video's playlist and a subtitle rendition.
  const auto master = http_get(port_, url + "?hls");
  ASSERT_EQ(master.status, 200u) << master.body;
  EXPECT_EQ(master.header("content-type"), "application/vnd.apple.mpegurl");
  EXPECT_NE(
      master.body.find("#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"text\",NAME=\"English\","
                       "LANGUAGE=\"eng\",DEFAULT=NO,AUTOSELECT=YES,URI=\"film.mkv?hls=sub2.m3u8\""),
      std::string::npos)
      << master.body;
  EXPECT_NE(master.body.find(",SUBTITLES=\"text\"\nfilm.mkv?hls=media.m3u8\n"), std::string::npos);
  const auto playlist = http_get(port_, url + "?hls=media");
  ASSERT_EQ(playlist.status, 200u) << playlist.body;
  EXPECT_EQ(playlist.header("content-type"), "application/vnd.apple.mpegurl");
  EXPECT_NE(playlist.body.find("#EXT-X-MAP:URI=\"film.mkv?hls=init.mp4\""), std::string::npos)
      << playlist.body;
  EXPECT_NE(playlist.body.find("\nfilm.mkv?hls=1.mp4\n"), std::string::npos) << playlist.body;
  EXPECT_NE(playlist.body.find("#EXT-X-ENDLIST"), std::string::npos);
  const auto init = http_get(port_, url + "?hls=init");
  ASSERT_EQ(init.status, 200u) << init.body;
  EXPECT_EQ(init.header("content-type"), "video/mp4");
  EXPECT_EQ(init.body.substr(4, 4), "ftyp");
  EXPECT_NE(init.body.find("mp4a"), std::string::npos) << "AC-3 became AAC";
  const auto segment = http_get(port_, url + "?hls=1");
  ASSERT_EQ(segment.status, 200u) << segment.body;
  EXPECT_EQ(segment.body.substr(4, 4), "moof");
  EXPECT_EQ(http_get(port_, url + "?hls=1.mp4").body, segment.body)
      << "asked again, by the name the playlist gives: the same bytes";
  // The sound track asked for is carried into every URI.
  const auto with_sound = http_get(port_, url + "?hls=media&audio=1");
  EXPECT_NE(with_sound.body.find("\nfilm.mkv?audio=1&hls=1.mp4\n"), std::string::npos)
      << with_sound.body;
  EXPECT_EQ(http_get(port_, url + "?hls=1.mp4&audio=1").body, segment.body)
      << "stream 1 is the default sound";
  // So is 5.1, for the AC-3 5.1 film: another sound, another segment.
  const auto surround = http_get(port_, url + "?hls=media&channels=6");
  EXPECT_NE(surround.body.find("\nfilm.mkv?channels=6&hls=1.mp4\n"), std::string::npos)
      << surround.body;
  const auto surround_segment = http_get(port_, url + "?hls=1.mp4&channels=6");
  ASSERT_EQ(surround_segment.status, 200u) << surround_segment.body;
  EXPECT_NE(surround_segment.body, segment.body);
  EXPECT_EQ(http_get(port_, url + "?hls=1.mp4&channels=2").body, segment.body);
  const auto subtitles = http_get(port_, url + "?hls=sub2");
  ASSERT_EQ(subtitles.status, 200u) << subtitles.body;
  EXPECT_NE(subtitles.body.find("\nfilm.mkv?hls=sub2-1.vtt\n"), std::string::npos)
      << subtitles.body;
  const auto cues = http_get(port_, url + "?hls=sub2-0.vtt");
  ASSERT_EQ(cues.status, 200u) << cues.body;
  EXPECT_EQ(cues.header("content-type"), "text/vtt; charset=utf-8");
  EXPECT_NE(cues.body.find("\nHello\n"), std::string::npos) << cues.body;
  // What the conversion cost is counted.
  const auto metrics = http_get(gateway_->metrics_port(), "/metrics").body;
  const auto at = metrics.find("\nseeder_hls_cpu_seconds_total ");
  ASSERT_NE(at, std::string::npos) << metrics;
  EXPECT_GT(std::stod(metrics.substr(at + 31)), 0.0);
}

TEST_F(ProbeRouteTest, WhatHlsCannotServeGetsAClearStatus) {
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls=99").status, 404u);
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls=x").status, 400u);
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls=sub").status, 400u);
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls=sub2-").status, 400u);
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls=1.vtt").status, 400u);
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls=.m3u8").status, 400u);
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls=sub1").status, 404u)
      << "stream 1 is the sound";
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls=sub1-0").status, 404u);
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls=sub2-99").status, 404u);
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls=init.mp4&audio=0").status, 404u)
      << "stream 0 is the picture";
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls=init.mp4&audio=x").status, 400u);
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls=init.mp4&channels=5").status, 400u);
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls&video=h264").status, 400u)
      << "this gateway runs without --transcode-video";
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls&video=vp9").status, 400u);
  EXPECT_EQ(http_get(port_, film_.url("Film/film.mkv") + "?hls&audio=0").status, 404u)
      << "a playlist whose every segment would be 404 is 404 itself";
  const auto broken = http_get(port_, film_.url("Film/broken.mkv") + "?hls");
  EXPECT_EQ(broken.status, 502u) << broken.body;
  EXPECT_EQ(http_get(port_, film_.url("Film/notes.txt") + "?hls").status, 400u);
}

TEST_F(ProbeRouteTest, HlsJsIsServedFromTheBinaryAndCachedForGood) {
  const auto script = http_get(port_, std::string(http::hls_js_url()));
  ASSERT_EQ(script.status, 200u);
  EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_NE(script.header("cache-control").find("immutable"), std::string::npos);
  EXPECT_GT(script.body.size(), 100'000u);
  EXPECT_NE(script.body.find("Hls"), std::string::npos);
  EXPECT_EQ(http_get(port_, "/assets/nothing.js").status, 404u);
}

}  // namespace
}  // namespace seeder::test
