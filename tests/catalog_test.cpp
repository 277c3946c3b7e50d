#include "seeder/torrent/catalog.hpp"

#include <gtest/gtest.h>

#include <libtorrent/torrent_info.hpp>

#include "raw_torrent.hpp"

namespace seeder::torrent {
namespace {

// An uploaded torrent's url-list web seed at 127.0.0.1:2224 got 9 HTTP requests from the
// gateway. A stranger's web seeds on the gateway's side of the network are dropped.
std::string with_web_seeds(std::string torrent) {
  std::string list = "8:url-listl";
  for (const std::string url :
       {"http://127.0.0.1:2224/f", "http://[::1]:80/f", "http://seed.example.org/"})
    list += std::to_string(url.size()) + ":" + url;
  list += "e";
  torrent.insert(torrent.size() - 1, list);  // into the top dictionary, before its end
  return torrent;
}

TEST(Catalog, AStrangersTorrentKeepsOnlyItsPublicWebSeeds) {
  const auto bytes = with_web_seeds(test::make_raw_torrent({{{"f"}, "bytes"}}, {}));
  const auto stranger = parse_torrent(bytes, Origin::stranger);
  ASSERT_TRUE(stranger) << stranger.error().message;
  ASSERT_EQ((*stranger)->info->web_seeds().size(), 1u);
  EXPECT_EQ((*stranger)->info->web_seeds().front().url, "http://seed.example.org/");
  const auto operators = parse_torrent(bytes, Origin::operator_given);
  ASSERT_TRUE(operators);
  EXPECT_EQ((*operators)->info->web_seeds().size(), 3u);
}

}  // namespace
}  // namespace seeder::torrent
