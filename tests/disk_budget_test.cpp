// DiskBudget and StoreRegistry::enforce_disk_budget: one budget for every torrent of a data dir
// (--cache-budget), over real stores, content files and SQLite: the least recently used pieces
// of any torrent go first, protected pieces stay, and a torrent left on disk by an earlier run
// counts and goes first. The evictor's own passes run as pieces complete, at moments the test
// does not choose: what is asserted holds whenever they ran.
#include "seeder/storage/disk_budget.hpp"

#include <gtest/gtest.h>

#include "content.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/storage/torrent_store.hpp"
#include "seeder/torrent/catalog.hpp"
#include "temp_dir.hpp"

namespace seeder::storage {
namespace {

constexpr int kPiece = 16 * 1024;
constexpr int kPieces = 32;

TEST(DiskBudgetTest, CountsOpenAndClosedBytesAndSaysWhatToFree) {
  DiskBudget budget(100);
  EXPECT_FALSE(budget.over());
  budget.add(60);
  const auto key = *InfoHash::parse(std::string(40, 'a'));
  budget.add_closed(key, 50, 7);
  EXPECT_EQ(budget.used(), 110u);
  EXPECT_TRUE(budget.over());
  EXPECT_EQ(budget.excess(), 30u) << "down to 80";
  budget.add_closed(key, 40, 9);
  EXPECT_EQ(budget.used(), 100u) << "told twice, counted once";
  EXPECT_EQ(budget.oldest_closed(10), key);
  EXPECT_EQ(budget.oldest_closed(9), std::nullopt) << "used as recently as the open pieces";
  budget.take_closed(key);
  EXPECT_EQ(budget.used(), 60u);
  EXPECT_EQ(budget.closed_count(), 0u);
  budget.store_closed(key, 60, 12);  // a store closed: its bytes, counted open, stay counted
  EXPECT_EQ(budget.used(), 60u);
  EXPECT_EQ(budget.oldest_closed(13), key);
  budget.add_closed(*InfoHash::parse(std::string(40, 'b')), 0, 0);
  EXPECT_EQ(budget.closed_count(), 1u) << "nothing on disk: nothing to evict, not listed";
  EXPECT_FALSE(DiskBudget(0).limited());
}

class DiskBudgetStoreTest : public ::testing::Test {
 protected:
  struct Film {
    torrent::EntryPtr entry;
    StoreSpec spec;
    std::string bytes;
  };
  void SetUp() override {
    for (int i = 0; i < 2; ++i) {
      const auto name = "film" + std::to_string(i) + ".bin";
      Film film;
      film.bytes = test::random_bytes(kPieces * kPiece, 30 + i);
      test::write_file(content_ / name, film.bytes);
      film.entry = *torrent::parse_torrent(
          test::make_torrent(content_ / name, {test::TorrentSpec::Kind::v1_only, kPiece}));
      film.spec = spec_for(film.entry->meta->hash(), *test::info_of(film.entry),
                           *film.entry->torrent_file());
      films_.push_back(std::move(film));
    }
  }
  StoreOptions options(std::uint64_t pieces) {
    StoreOptions options;
    options.disk = std::make_shared<DiskBudget>(pieces * kPiece);
    return options;
  }
  void complete(TorrentStore& store, int film, int piece) {
    const auto bytes = films_[static_cast<std::size_t>(film)].bytes.substr(
        static_cast<std::size_t>(piece) * kPiece, kPiece);
    ASSERT_TRUE(store.files().write(piece, 0, bytes));
    store.on_piece_passed(piece);
  }
  // Pieces [first, last] were used in that order: what is left of them is the newest.
  static bool oldest_went_first(const TorrentStore& store, int first, int last) {
    for (int piece = first; piece < last; ++piece)
      if (store.piece_complete(piece) && !store.piece_complete(piece + 1)) return false;
    return true;
  }
  int complete_count(const TorrentStore& store, int first, int last) {
    int count = 0;
    for (int piece = first; piece <= last; ++piece)
      count += store.piece_complete(piece) ? 1 : 0;
    return count;
  }

  test::TempDir content_{"seeder-content"};
  test::TempDir data_{"seeder-data"};
  std::vector<Film> films_;
};

TEST_F(DiskBudgetStoreTest, TheLeastRecentlyUsedPiecesOfAnyTorrentGoFirst) {
  StoreRegistry stores(data_.path(), options(20));
  auto first = *stores.open(films_[0].spec);
  auto second = *stores.open(films_[1].spec);
  for (int piece = 0; piece < 12; ++piece)
    complete(*first, 0, piece);
  first->touch(11);  // read since: more recent than the first torrent's others
  for (int piece = 0; piece < 12; ++piece)
    complete(*second, 1, piece);
  stores.enforce_disk_budget();
  const auto& disk = *stores.options().disk;
  EXPECT_LE(disk.used(), 20u * kPiece) << "within the budget";
  EXPECT_EQ(complete_count(*second, 0, 11), 12) << "the second torrent was used last";
  EXPECT_LE(complete_count(*first, 0, 10), 8) << "the first torrent's oldest went";
  EXPECT_TRUE(oldest_went_first(*first, 0, 10));
  EXPECT_TRUE(first->piece_complete(11)) << "read more recently than the rest";
}

TEST_F(DiskBudgetStoreTest, ProtectedPiecesStayAndTheOthersGoInstead) {
  StoreRegistry stores(data_.path(), options(20));
  auto first = *stores.open(films_[0].spec);
  auto second = *stores.open(films_[1].spec);
  for (int piece = 0; piece < 12; ++piece)
    complete(*first, 0, piece);
  ASSERT_TRUE(first->protect_if_complete(0, 11));  // a reader sends them
  for (int piece = 0; piece < 12; ++piece)
    complete(*second, 1, piece);
  stores.enforce_disk_budget();
  EXPECT_EQ(complete_count(*first, 0, 11), 12);
  EXPECT_LE(complete_count(*second, 0, 11), 8) << "the unprotected went instead";
  EXPECT_TRUE(oldest_went_first(*second, 0, 11));
  EXPECT_LE(stores.options().disk->used(), 20u * kPiece);
  first->unprotect(0, 11);
}

TEST_F(DiskBudgetStoreTest, ATorrentLeftOnDiskCountsAndGoesFirst) {
  {
    StoreRegistry earlier(data_.path());
    auto store = *earlier.open(films_[0].spec);
    for (int piece = 0; piece < 12; ++piece)
      complete(*store, 0, piece);
    earlier.flush();
  }
  StoreRegistry stores(data_.path(), options(20));
  const auto& disk = *stores.options().disk;
  EXPECT_GE(disk.used(), 12u * kPiece) << "counted at start-up, though no store is open";
  EXPECT_EQ(disk.closed_count(), 1u);
  auto second = *stores.open(films_[1].spec);
  for (int piece = 0; piece < 12; ++piece)
    complete(*second, 1, piece);
  stores.enforce_disk_budget();
  EXPECT_LE(disk.used(), 20u * kPiece);
  EXPECT_EQ(complete_count(*second, 0, 11), 12) << "used in this run: kept";
  auto first = *stores.open(films_[0].spec);  // opened by the pass, and kept open
  EXPECT_LE(complete_count(*first, 0, 11), 8) << "left by an earlier run: evicted first";
  EXPECT_EQ(disk.closed_count(), 0u);
}

TEST_F(DiskBudgetStoreTest, AStoreThatClosesStillCounts) {
  StoreRegistry stores(data_.path(), options(100), 0);  // keeps no store open by itself
  {
    auto first = *stores.open(films_[0].spec);
    for (int piece = 0; piece < 10; ++piece)
      complete(*first, 0, piece);
    stores.flush();
  }
  const auto& disk = *stores.options().disk;
  EXPECT_EQ(disk.used(), 10u * kPiece) << "closed, its pieces are still on disk";
  EXPECT_EQ(disk.closed_count(), 1u);
  auto again = *stores.open(films_[0].spec);
  EXPECT_EQ(disk.used(), 10u * kPiece) << "counted once when it opens again";
  EXPECT_EQ(disk.closed_count(), 0u);
}

}  // namespace
}  // namespace seeder::storage
