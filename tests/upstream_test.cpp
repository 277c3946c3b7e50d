// The gateway's upstreams over real sockets: the remote torrent store (.torrent by hash,
// verified, cached) and the vault (redirect when it has the file, cached answers, local
// fallback on errors and timeouts). Each upstream is a small HTTP server inside the test.
#include <gtest/gtest.h>

#include "http_client.hpp"
#include "mini_http_server.hpp"
#include "seeder/storage/content_path.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/registry.hpp"
#include "swarm.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

using UpstreamTest = GatewaySuite;

// ---- torrent store ----

TEST_F(UpstreamTest, TheTorrentStoreSuppliesUnknownTorrentsOnceAndTheyAreKept) {
  const auto& torrent = swarm().big_v1();
  MiniHttpServer store([&](const std::string&, const std::string& target) {
    if (target == "/t/" + torrent.hash.hex() + ".torrent")
      return MiniResponse{200, {}, torrent.torrent_file};
    return MiniResponse{404, {}, "no"};
  });
  config_.input = empty_input();
  config_.torrent_store_url = store.url() + "/t/{hash}.torrent";
  start();
  const auto first = http_get(port_, torrent.url(torrent.name));
  ASSERT_EQ(first.status, 200u) << first.body;
  EXPECT_TRUE(first.body == torrent.files.at(torrent.name));
  EXPECT_EQ(http_get(port_, torrent.url(torrent.name) + "?done").status, 200u);
  EXPECT_EQ(store.requests().size(), 1u) << "fetched once, then known";
  EXPECT_TRUE(std::filesystem::exists(storage::metadata_path(config_.data_dir, torrent.hash)));
}

TEST_F(UpstreamTest, TorrentStoreErrorsAreClear) {
  const auto& wanted = swarm().big_v1();
  const auto& other = swarm().multi_v1();
  const std::string missing(40, 'f');
  const std::string broken(40, 'b');
  const std::string slow(40, 'c');
  MiniHttpServer store([&](const std::string&, const std::string& target) {
    if (target == "/" + wanted.hash.hex()) return MiniResponse{200, {}, other.torrent_file};
    if (target == "/" + broken) return MiniResponse{200, {}, "not bencode"};
    if (target == "/" + slow) return MiniResponse{200, {}, other.torrent_file, 3s};
    if (target == "/" + std::string(40, 'a')) return MiniResponse{500, {}, "boom"};
    return MiniResponse{404, {}, ""};
  });
  config_.input = empty_input();
  config_.torrent_store_url = store.url() + "/{hash}";
  config_.torrent_store_timeout = 1s;
  start();
  const auto mismatch = http_get(port_, wanted.url(""));
  EXPECT_EQ(mismatch.status, 502u);
  EXPECT_NE(mismatch.body.find("when asked for"), std::string::npos) << mismatch.body;
  const auto bad = http_get(port_, "/" + broken + "/");
  EXPECT_EQ(bad.status, 502u);
  EXPECT_NE(bad.body.find("not a torrent"), std::string::npos) << bad.body;
  const auto none = http_get(port_, "/" + missing + "/");
  EXPECT_EQ(none.status, 404u);
  EXPECT_NE(none.body.find("torrent store has no"), std::string::npos) << none.body;
  EXPECT_EQ(http_get(port_, "/" + missing + "/").status, 404u);
  EXPECT_EQ(store.requests().size(), 3u) << "a 404 is believed for a while";
  EXPECT_EQ(http_get(port_, "/" + std::string(40, 'a') + "/").status, 502u);
  const auto started = std::chrono::steady_clock::now();
  const auto timed_out = http_get(port_, "/" + slow + "/");
  EXPECT_EQ(timed_out.status, 504u) << timed_out.body;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms);
  EXPECT_EQ(gateway_->catalog().find(wanted.hash), nullptr) << "wrong bytes were kept";
}

// ---- vault ----

TEST_F(UpstreamTest, TheVaultRedirectsWhenItHasTheFile) {
  const auto& torrent = swarm().multi_v1();
  const auto base = "/webseed/" + torrent.hash.hex() + "/";
  MiniHttpServer vault([&](const std::string&, const std::string& target) {
    if (target == base + "Multi%20Folder/video.mkv")
      return MiniResponse{307, {{"Location", "http://s3.example/video.mkv?sig=1"}}, ""};
    if (target == base + "Multi%20Folder/a.bin") return MiniResponse{200, {}, ""};
    return MiniResponse{404, {}, ""};
  });
  config_.vault_url = vault.url();
  start();
  const auto passed = http_get(port_, torrent.url("Multi Folder/video.mkv"));
  EXPECT_EQ(passed.status, 307u);
  EXPECT_EQ(passed.header("location"), "http://s3.example/video.mkv?sig=1");
  const auto head = http_request(port_, "HEAD", torrent.url("Multi Folder/video.mkv"));
  EXPECT_EQ(head.status, 307u);
  const auto held = http_get(port_, torrent.url("Multi Folder/a.bin"));
  EXPECT_EQ(held.status, 302u);
  EXPECT_EQ(held.header("location"), vault.url() + base + "Multi%20Folder/a.bin");
  EXPECT_EQ(vault.requests().size(), 2u) << "answers are cached";
  for (const auto& request : vault.requests())
    EXPECT_EQ(request.rfind("HEAD ", 0), 0u) << request;
  EXPECT_EQ(gateway_->registry().size(), 0u) << "a redirected request started the torrent";
  // In the vault counts as available: ?done 200, ?stats 404, still without starting anything.
  EXPECT_EQ(http_get(port_, torrent.url("Multi Folder/a.bin") + "?done").status, 200u);
  const auto stats = http_get(port_, torrent.url("Multi Folder/a.bin") + "?stats");
  EXPECT_EQ(stats.status, 404u);
  EXPECT_NE(stats.body.find("vault"), std::string::npos) << stats.body;
  EXPECT_EQ(gateway_->registry().size(), 0u);
}

TEST_F(UpstreamTest, FilesTheVaultLacksOrCannotAnswerForAreServedLocally) {
  const auto& torrent = swarm().multi_v1();
  MiniHttpServer vault([&](const std::string&, const std::string& target) {
    if (target.find("video.mkv") != std::string::npos) return MiniResponse{500, {}, "down"};
    if (target.find("a.bin") != std::string::npos) return MiniResponse{200, {}, "", 3s};
    return MiniResponse{404, {}, ""};
  });
  config_.vault_url = vault.url();
  config_.vault_timeout = 500ms;
  start();
  for (const std::string path :
       {"Multi Folder/video.mkv", "Multi Folder/a.bin", "Multi Folder/sub dir/ünïcødé fïlé.txt"}) {
    const auto response = http_get(port_, torrent.url(path));
    ASSERT_EQ(response.status, 200u) << path;
    EXPECT_TRUE(response.body == torrent.files.at(path)) << path;
  }
  const auto asked = vault.requests().size();
  EXPECT_EQ(asked, 3u);
  // Cached: the same files again do not ask the vault.
  EXPECT_EQ(http_get(port_, torrent.url("Multi Folder/sub dir/ünïcødé fïlé.txt")).status, 200u);
  EXPECT_EQ(vault.requests().size(), asked);
}

}  // namespace
}  // namespace seeder::test
