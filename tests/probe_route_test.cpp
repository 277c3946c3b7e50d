// ?probe through the whole gateway: a Matroska film with AC-3 sound, fetched from a loopback
// swarm through the gateway's own range reader, answered as JSON; and the clear errors around it.
#include <gtest/gtest.h>

#include <unistd.h>

#include "films.hpp"
#include "http_client.hpp"
#include "json_value.hpp"
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
    ASSERT_TRUE(make_ac3_film(folder / "film.mkv")) << "ffmpeg failed";
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

}  // namespace
}  // namespace seeder::test
