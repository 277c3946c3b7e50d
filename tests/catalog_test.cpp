#include "seeder/torrent/catalog.hpp"

#include <gtest/gtest.h>

#include <libtorrent/torrent_info.hpp>

#include "content.hpp"
#include "raw_torrent.hpp"
#include "seeder/storage/content_path.hpp"
#include "temp_dir.hpp"

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
  ASSERT_EQ(test::info_of(*stranger)->web_seeds().size(), 1u);
  EXPECT_EQ(test::info_of(*stranger)->web_seeds().front().url, "http://seed.example.org/");
  const auto operators = parse_torrent(bytes, Origin::operator_given);
  ASSERT_TRUE(operators);
  EXPECT_EQ(test::info_of(*operators)->web_seeds().size(), 3u);

  test::TempDir data("seeder-catalog");
  const auto saved = save_entry(data.path(), *stranger);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_EQ(test::info_of(*saved)->web_seeds().size(), 1u) << "screened again when loaded";
}

// Known torrents cost little memory: a saved entry holds no .torrent bytes, and reads its file
// when it is started; a file that is no longer that torrent is an error, not another torrent.
TEST(Catalog, ASavedEntryReadsItsFileWhenLoadedAndNoticesItReplaced) {
  test::TempDir data("seeder-catalog");
  const auto bytes = test::make_raw_torrent({{{"f"}, "bytes"}}, {});
  const auto parsed = parse_torrent(bytes);
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_TRUE((*parsed)->held_bytes);
  const auto saved = save_entry(data.path(), *parsed);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_FALSE((*saved)->held_bytes);
  EXPECT_EQ((*saved)->torrent_path, storage::metadata_path(data.path(), (*saved)->meta->hash()));
  EXPECT_EQ(*(*saved)->torrent_file(), bytes);
  EXPECT_EQ(test::info_of(*saved)->num_files(), 1);

  test::write_file((*saved)->torrent_path, test::make_raw_torrent({{{"g"}, "other"}}, {}));
  const auto replaced = (*saved)->load_info();
  ASSERT_FALSE(replaced);
  EXPECT_EQ(replaced.error().code, Errc::unavailable);
  std::filesystem::remove((*saved)->torrent_path);
  EXPECT_FALSE((*saved)->load_info());
}

}  // namespace
}  // namespace seeder::torrent
