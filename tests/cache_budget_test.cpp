// CacheBudget: when a torrent is over its budget, which pieces go (least recently used, not
// pinned, down to the low watermark), and that an unlimited budget never evicts. No disk.
#include <gtest/gtest.h>

#include <vector>

#include "seeder/storage/cache_budget.hpp"

namespace seeder::storage {
namespace {

// Ten pieces of 10 bytes, a budget of 50: the low watermark is 40.
CacheBudget fifty_of_ten_pieces() {
  return CacheBudget(50, std::vector<std::uint32_t>(10, 10));
}

TEST(CacheBudgetTest, NothingIsPickedWithinTheBudget) {
  auto budget = fifty_of_ten_pieces();
  for (int piece = 0; piece < 5; ++piece)
    budget.add(piece);
  EXPECT_FALSE(budget.over());
  EXPECT_TRUE(budget.victims().empty());
  EXPECT_TRUE(budget.over(1)) << "one more byte would not fit";
}

TEST(CacheBudgetTest, OverTheBudgetTheOldestGoDownToTheLowWatermark) {
  auto budget = fifty_of_ten_pieces();
  for (int piece = 0; piece < 6; ++piece)
    budget.add(piece);
  budget.touch(0);                                        // piece 0 is now the most recently used
  EXPECT_EQ(budget.victims(), (std::vector<int>{1, 2}));  // 60 -> 40 bytes
}

TEST(CacheBudgetTest, IncomingBytesMakeRoomForThemselves) {
  auto budget = fifty_of_ten_pieces();
  for (int piece = 0; piece < 5; ++piece)
    budget.add(piece);
  EXPECT_EQ(budget.victims(10), (std::vector<int>{0, 1})) << "50 + 10 incoming -> 30 + 10";
}

TEST(CacheBudgetTest, PinnedPiecesAreNeverPickedUntilUnpinned) {
  auto budget = fifty_of_ten_pieces();
  for (int piece = 0; piece < 6; ++piece)
    budget.add(piece);
  budget.pin(0);
  budget.pin(1);
  budget.pin(1);
  EXPECT_EQ(budget.victims(), (std::vector<int>{2, 3}));
  budget.unpin(0);
  budget.unpin(1);
  EXPECT_TRUE(budget.pinned(1)) << "pins are counted";
  EXPECT_EQ(budget.victims(), (std::vector<int>{0, 2}));
}

TEST(CacheBudgetTest, AnUnlimitedBudgetNeverEvicts) {
  CacheBudget unlimited(0, std::vector<std::uint32_t>(4, 1u << 30));
  for (int piece = 0; piece < 4; ++piece)
    unlimited.add(piece);
  EXPECT_FALSE(unlimited.over(1ull << 40));
  EXPECT_TRUE(unlimited.victims().empty());
  EXPECT_EQ(unlimited.bytes(), 4ull << 30);
}

}  // namespace
}  // namespace seeder::storage
