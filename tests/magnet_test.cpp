// Torrents beyond --input: a hash resolved through a magnet link (x.pe=127.0.0.1:<port>, the
// metadata fetched from an in-process seeder over loopback), kept across restarts; timeouts and
// the switch that turns it off.
#include <gtest/gtest.h>

#include <thread>

#include "http_client.hpp"
#include "seeder/storage/content_path.hpp"
#include "seeder/torrent/metadata_resolver.hpp"
#include "swarm.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

class MagnetTest : public GatewaySuite {
 protected:
  void SetUp() override {
    GatewaySuite::SetUp();
    config_.input = empty_input();  // nothing known up front
    config_.peers.clear();          // the magnet's x.pe is the only way to the seeder
    config_.allow_magnets = true;
    config_.metadata_timeout = 20s;
  }
  std::string magnet(const TestTorrent& torrent) const {
    return "magnet:?xt=urn:btih:" + torrent.hash.hex() + "&dn=" + torrent.name +
           "&x.pe=127.0.0.1:" + std::to_string(swarm().seeder().port());
  }
  static std::string encode(const std::string& text) {
    std::string out;
    for (const unsigned char c : text) {
      if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_') {
        out += static_cast<char>(c);
      } else {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", c);
        out += hex;
      }
    }
    return out;
  }
};

TEST_F(MagnetTest, AMagnetLinkIsResolvedThroughItsPeerAndServed) {
  start();
  const auto& torrent = swarm().multi_v1();
  const auto redirect = http_get(port_, "/magnet?uri=" + encode(magnet(torrent)));
  ASSERT_EQ(redirect.status, 302u) << redirect.body;
  EXPECT_EQ(redirect.header("location"), "/" + torrent.hash.hex() + "/");

  const auto index = http_get(port_, redirect.header("location"), {{"Accept", "application/json"}});
  ASSERT_EQ(index.status, 200u) << index.body;
  for (const auto& [path, bytes] : torrent.files) {
    const auto file = http_get(port_, torrent.url(path));
    ASSERT_EQ(file.status, 200u) << path;
    EXPECT_TRUE(file.body == bytes) << path;
  }
  // The metadata is kept: a restart without magnets still knows the torrent.
  EXPECT_TRUE(std::filesystem::exists(storage::metadata_path(config_.data_dir, torrent.hash)));
  gateway_.reset();
  config_.allow_magnets = false;
  start();
  const auto again = http_get(port_, torrent.url("Multi Folder/a.bin"));
  ASSERT_EQ(again.status, 200u);
  EXPECT_TRUE(again.body == torrent.files.at("Multi Folder/a.bin"));
}

TEST_F(MagnetTest, AHashNobodyHasTimesOutWithAReasonAndDelaysNoOne) {
  config_.metadata_timeout = 3s;
  config_.input = swarm().input_dir();  // a known torrent to ask for meanwhile
  config_.peers = {"127.0.0.1:" + std::to_string(swarm().seeder().port())};
  start();
  std::optional<HttpResponse> stuck;
  std::chrono::steady_clock::time_point stuck_done;
  const auto started = std::chrono::steady_clock::now();
  std::thread waiting([&] {
    stuck = http_get(port_, "/" + std::string(40, 'e') + "/");
    stuck_done = std::chrono::steady_clock::now();
  });
  // Asked for the other torrent once the resolution is really pending.
  ASSERT_NE(gateway_->resolver(), nullptr);
  const bool pending = wait_until([&] { return gateway_->resolver()->resolving() == 1; }, 2s);
  if (!pending) waiting.join();  // never leave a test with the client thread running
  ASSERT_TRUE(pending) << "the resolution never started";
  const auto other_started = std::chrono::steady_clock::now();
  const auto& known = swarm().big_v1();
  const auto other = http_get(port_, known.url(known.name));
  const auto other_done = std::chrono::steady_clock::now();
  const auto other_took = other_done - other_started;
  waiting.join();
  const auto took = std::chrono::steady_clock::now() - started;

  EXPECT_TRUE(other.body == known.files.at(known.name));
  // Served while the resolution was still waiting (in ~50 ms; bounds leave room for TSan).
  EXPECT_LT(other_done, stuck_done) << "a pending resolution delayed another torrent";
  EXPECT_LT(other_took, 2s);
  ASSERT_TRUE(stuck.has_value());
  EXPECT_EQ(stuck->status, 504u);
  EXPECT_NE(stuck->body.find("no metadata"), std::string::npos) << stuck->body;
  EXPECT_NE(stuck->body.find("connected"), std::string::npos) << stuck->body;
  EXPECT_GE(took, 3s);
  EXPECT_LT(took, 8s);
}

// A browser is not left with a blank screen while the swarm is asked for the metadata: a page
// that shows the wait and reloads itself, then the torrent's page, or the reason it failed.
TEST_F(MagnetTest, ABrowserSeesTheWaitForMetadataThenThePageOrWhyNot) {
  config_.metadata_timeout = 2s;
  start();
  const Headers browser = {{"Accept", "text/html,application/xhtml+xml,*/*;q=0.8"}};
  const auto nobody = "/" + std::string(40, 'e') + "/";
  const auto asked = std::chrono::steady_clock::now();
  const auto waiting = http_get(port_, nobody, browser);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s) << "the wait page comes at once";
  ASSERT_EQ(waiting.status, 202u) << waiting.body;
  EXPECT_NE(waiting.body.find("http-equiv=\"refresh\""), std::string::npos);
  EXPECT_NE(waiting.body.find("Fetching the torrent"), std::string::npos);
  // After the timeout, the reloaded page says why, with a link that tries again.
  HttpResponse failed;
  ASSERT_TRUE(wait_until(
      [&] {
        failed = http_get(port_, nobody, browser);
        return failed.status == 504u;
      },
      6s))
      << failed.status << " " << failed.body;
  EXPECT_NE(failed.body.find("no metadata for " + std::string(40, 'e') + " within 2s"),
            std::string::npos)
      << failed.body;
  EXPECT_NE(failed.body.find("?retry"), std::string::npos);
  const auto retried = http_get(port_, nobody + "?retry", browser);
  EXPECT_EQ(retried.status, 202u) << "a new try";
  // It reloads the plain page, which shows this try's failure in its turn (no endless retry).
  EXPECT_NE(retried.body.find("content=\"2; url=" + nobody + "\""), std::string::npos)
      << retried.body;
  ASSERT_TRUE(wait_until([&] { return http_get(port_, nobody, browser).status == 504u; }, 6s));

  // A hash its magnet's peer has: the wait, then the torrent's page.
  const auto& torrent = swarm().multi_v1();
  ASSERT_EQ(http_get(port_, "/magnet?uri=" + encode(magnet(torrent))).status, 302u);
  HttpResponse page;
  ASSERT_TRUE(wait_until(
      [&] {
        page = http_get(port_, "/" + torrent.hash.hex() + "/", browser);
        return page.status == 200u;
      },
      10s))
      << page.status;
  EXPECT_NE(page.body.find(torrent.name), std::string::npos);
}

// A torrent uploaded while its magnet waits for the swarm ends the wait: whoever waited gets it.
TEST_F(MagnetTest, AnUploadEndsTheWaitOfItsMagnet) {
  config_.allow_uploads = true;
  start();
  const auto& torrent = swarm().big_v1();  // its magnet names no peer: nobody will send it
  ASSERT_EQ(
      http_get(port_, "/magnet?uri=" + encode("magnet:?xt=urn:btih:" + torrent.hash.hex())).status,
      302u);
  std::optional<HttpResponse> waited;
  std::chrono::steady_clock::duration took{};
  std::thread waiting([&] {
    const auto asked = std::chrono::steady_clock::now();
    waited = http_get(port_, "/" + torrent.hash.hex() + "/", {{"Accept", "application/json"}});
    took = std::chrono::steady_clock::now() - asked;
  });
  const bool pending = wait_until([&] { return gateway_->resolver()->resolving() == 1; }, 5s);
  HttpConnection upload(port_);
  const auto added = upload.request("POST", "/", {{"Content-Type", "application/x-bittorrent"}},
                                    30s, torrent.torrent_file);
  waiting.join();
  ASSERT_TRUE(pending) << "the resolution never started";
  EXPECT_EQ(added.status, 303u) << added.body;
  ASSERT_TRUE(waited.has_value());
  EXPECT_EQ(waited->status, 200u) << waited->body;
  EXPECT_LT(took, 10s) << "waited for the metadata timeout (20 s) instead";
  EXPECT_EQ(gateway_->resolver()->resolving(), 0u);
}

TEST_F(MagnetTest, MagnetsAreOffByDefaultAndBadLinksAreRefused) {
  config_.allow_magnets = false;
  start();
  const auto& torrent = swarm().big_v1();
  EXPECT_EQ(http_get(port_, torrent.url(torrent.name)).status, 404u);
  const auto off = http_get(port_, "/magnet?uri=" + encode(magnet(torrent)));
  EXPECT_EQ(off.status, 404u);
  EXPECT_NE(off.body.find("--allow-magnets"), std::string::npos) << off.body;
  EXPECT_EQ(http_get(port_, "/magnet").status, 400u);
  EXPECT_EQ(http_get(port_, "/magnet?uri=" + encode("magnet:?dn=nothing")).status, 400u);
  EXPECT_EQ(http_get(port_, "/magnet?uri=http%3A%2F%2Fexample").status, 400u);
}

}  // namespace
}  // namespace seeder::test
