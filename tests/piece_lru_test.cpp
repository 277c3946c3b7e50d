#include "seeder/storage/piece_lru.hpp"

#include <gtest/gtest.h>

namespace seeder::storage {
namespace {

TEST(PieceLruTest, EvictsLeastRecentlyUsedFirstAndSkipsKeptPieces) {
  PieceLru lru({10, 10, 10, 10, 5});
  for (int piece = 0; piece < 5; ++piece)
    lru.add(piece);
  EXPECT_EQ(lru.bytes(), 45u);
  lru.touch(0);  // 0 is now the most recent; 1 the oldest
  EXPECT_EQ(lru.victims(25, [](int) { return false; }), (std::vector<int>{1, 2}));
  EXPECT_EQ(lru.victims(25, [](int piece) { return piece == 1; }), (std::vector<int>{2, 3}));
  EXPECT_TRUE(lru.victims(100, [](int) { return false; }).empty());
  lru.remove(1);
  lru.remove(1);  // twice is harmless
  EXPECT_EQ(lru.bytes(), 35u);
  EXPECT_FALSE(lru.contains(1));
  EXPECT_EQ(lru.victims(0, [](int) { return true; }), std::vector<int>{});
}

TEST(PieceLruTest, KeptPiecesAreSkippedAndTooFewMayCome) {
  PieceLru lru({100, 100, 100});
  for (const int piece : {0, 1, 2})
    lru.add(piece);
  const auto keep_first_two = [](int piece) { return piece < 2; };
  EXPECT_EQ(lru.victims(0, keep_first_two), std::vector<int>{2});
}

TEST(PieceLruTest, RemovingAndTouchingUntrackedPiecesChangeNothing) {
  PieceLru lru({10, 20});
  lru.touch(1);
  lru.remove(1);
  EXPECT_EQ(lru.size(), 0u);
  lru.add(1);
  lru.add(1);  // twice: counted once
  EXPECT_EQ(lru.bytes(), 20u);
  EXPECT_TRUE(lru.contains(1));
  lru.remove(1);
  EXPECT_FALSE(lru.contains(1));
  EXPECT_EQ(lru.bytes(), 0u);
}

}  // namespace
}  // namespace seeder::storage
