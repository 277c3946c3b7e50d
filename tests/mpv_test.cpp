// mpv, a player that knows nothing of tokens, opens a signed link as a plain URL and its HLS
// playlist through FFmpeg's HLS reader. In the Release build only, beside the browser tests (the
// work here is mpv's, not the gateway's).
#include <gtest/gtest.h>

#include <unistd.h>

#include "films.hpp"
#include "http_client.hpp"
#include "process.hpp"
#include "seeder/http/signed_link.hpp"
#include "seeder/media/probe.hpp"
#include "swarm.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

class MpvTest : public GatewaySuite {
 protected:
  // Returns the link key's file.
  std::filesystem::path with_auth_and_link_key() {
    const auto auth = extra_content() / "auth";
    write_file(auth, "view-token-0123456789 view\n");
    config_.auth_file = auth;
    const auto key = extra_content() / "link.key";
    write_file(key, std::string(40, 'k'));
    config_.link_key_file = key;
    return key;
  }
};

// A player that knows nothing of tokens opens a signed link as a plain URL (mpv seeks into the
// film with Range requests), and the link covers the film's HLS playlist and its segments.
TEST_F(MpvTest, PlaysASignedLinkAndItsHlsSegmentsOpenWithoutAToken) {
  if (::access("/usr/bin/mpv", X_OK) != 0 || ::access(kFfmpeg, X_OK) != 0)
    GTEST_SKIP() << "needs mpv and ffmpeg (scripts/install-deps.sh)";
  const auto key_file = with_auth_and_link_key();
  const auto folder = extra_content() / "Film";
  std::filesystem::create_directories(folder);
  ASSERT_TRUE(make_ac3_film(folder / "film.mkv", 14)) << "ffmpeg failed";
  const auto film = seed_extra(folder, "film");
  start();
  const auto key = *http::LinkKey::load(key_file);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto link = *key.sign_target(film.url("Film/film.mkv"), http::LinkScope::file, now + 600);
  EXPECT_EQ(http_get(port_, film.url("Film/film.mkv")).status, 401u) << "no token, no link";
  ChildProcess mpv({"/usr/bin/mpv", "--no-config", "--really-quiet", "--vo=null", "--ao=null",
                    "--start=8", "--length=2", "http://127.0.0.1:" + std::to_string(port_) + link},
                   (extra_content() / "mpv.log").string());
  EXPECT_EQ(mpv.wait_exit(60s), 0) << read_file(extra_content() / "mpv.log");
  if (!media::available()) return;
  // The master playlist (the film has an SRT track), the video's and the subtitles' carry it.
  const auto master = http_get(port_, link + "&hls");
  ASSERT_EQ(master.status, 200u) << master.body;
  for (const char* uri : {"&hls=media.m3u8\n", "&hls=sub2.m3u8\""})
    EXPECT_NE(master.body.find(uri), std::string::npos) << master.body;
  const auto playlist = http_get(port_, link + "&hls=media");
  ASSERT_EQ(playlist.status, 200u) << playlist.body;
  const auto line = playlist.body.rfind('\n', playlist.body.find("&hls=1.mp4")) + 1;
  const auto segment = playlist.body.substr(line, playlist.body.find('\n', line) - line);
  EXPECT_NE(segment.find("&sig="), std::string::npos) << segment;
  const auto base = film.url("Film/");
  EXPECT_EQ(http_get(port_, base + segment).status, 200u) << segment;
  // And mpv (FFmpeg's HLS reader) plays the film through the signed master playlist. From its
  // start: Debian's FFmpeg 5.1 cannot seek in any fMP4 HLS, ffmpeg's own `-f hls` output too.
  ChildProcess hls_mpv({"/usr/bin/mpv", "--no-config", "--really-quiet", "--vo=null", "--ao=null",
                        "--length=2", "http://127.0.0.1:" + std::to_string(port_) + link + "&hls"},
                       (extra_content() / "mpv-hls.log").string());
  EXPECT_EQ(hls_mpv.wait_exit(60s), 0) << read_file(extra_content() / "mpv-hls.log");
}

}  // namespace
}  // namespace seeder::test
