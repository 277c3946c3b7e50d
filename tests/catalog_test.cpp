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

// An --input file deleted, or overwritten with another torrent, after its torrent started
// (which copied it to the data dir): the torrent is still served, from the copy, as itself.
TEST(Catalog, AnInputTorrentFallsBackToItsCopyWhenItsFileIsGoneOrReplaced) {
  test::TempDir input("seeder-input");
  test::TempDir data("seeder-catalog");
  const auto bytes = test::make_raw_torrent({{{"f"}, "bytes"}}, {});
  test::write_file(input.path() / "a.torrent", bytes);
  Catalog catalog(data.path());
  const auto entry = catalog.load_file(input.path() / "a.torrent");
  ASSERT_TRUE(entry) << entry.error().message;
  const auto& hash = (*entry)->meta->hash();
  EXPECT_EQ((*entry)->copy_path, storage::metadata_path(data.path(), hash));
  ASSERT_TRUE(storage::save_metadata(data.path(), hash, bytes));  // as the torrent's store does

  test::write_file(input.path() / "a.torrent", test::make_raw_torrent({{{"g"}, "other"}}, {}));
  EXPECT_EQ(*(*entry)->torrent_file(), bytes) << "source.torrent never serves another torrent";
  EXPECT_EQ(test::info_of(*entry)->num_files(), 1);
  std::filesystem::remove(input.path() / "a.torrent");
  EXPECT_EQ(*(*entry)->torrent_file(), bytes);
  std::filesystem::remove((*entry)->copy_path);
  const auto gone = (*entry)->load_info();
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::unavailable);
}

// Whose a saved torrent was is not on disk: after a restart it is taken for a stranger's (its
// private web seeds dropped, libtorrent's IP filter on), unless strangers may name them anyway.
TEST(Catalog, SavedTorrentsComeBackAsTheOriginTheyAreTakenFor) {
  test::TempDir data("seeder-catalog");
  const auto bytes = with_web_seeds(test::make_raw_torrent({{{"f"}, "bytes"}}, {}));
  ASSERT_TRUE(save_entry(data.path(), *parse_torrent(bytes, Origin::stranger)));
  Catalog strangers;
  EXPECT_EQ(strangers.load_saved(data.path(), Origin::stranger).loaded.size(), 1u);
  const auto entry = strangers.list().front();
  const auto loaded = strangers.find(entry->hash());
  EXPECT_EQ(loaded->origin, Origin::stranger);
  EXPECT_EQ(test::info_of(loaded)->web_seeds().size(), 1u);
  Catalog trusting;
  trusting.load_saved(data.path(), Origin::operator_given);
  EXPECT_EQ(test::info_of(trusting.find(entry->hash()))->web_seeds().size(), 3u);
}

}  // namespace
}  // namespace seeder::torrent
