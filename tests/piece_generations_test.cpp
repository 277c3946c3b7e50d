#include "seeder/storage/piece_generations.hpp"

#include <gtest/gtest.h>

namespace seeder::storage {
namespace {

TEST(PieceGenerations, APieceNeverHashedHereIsTrusted) {
  PieceGenerations generations(4);
  EXPECT_TRUE(generations.pass_is_current(0));
  generations.changed(0);
  EXPECT_TRUE(generations.pass_is_current(0)) << "bytes trusted from elsewhere (resume data)";
}

TEST(PieceGenerations, AHashWithNothingChangedSinceIsCurrent) {
  PieceGenerations generations(4);
  generations.changed(1);  // downloaded
  generations.hashed(1, generations.begin_hash(1));
  EXPECT_TRUE(generations.pass_is_current(1));
  EXPECT_TRUE(generations.pass_is_current(2)) << "other pieces are untouched";
}

TEST(PieceGenerations, AChangeAfterTheHashMakesItsPassStale) {
  PieceGenerations generations(4);
  generations.hashed(1, generations.begin_hash(1));
  generations.changed(1);  // evicted
  EXPECT_FALSE(generations.pass_is_current(1));
  generations.changed(1);  // written again
  EXPECT_FALSE(generations.pass_is_current(1)) << "until it is hashed again";
  generations.hashed(1, generations.begin_hash(1));
  EXPECT_TRUE(generations.pass_is_current(1));
}

TEST(PieceGenerations, AChangeDuringTheHashMakesItsPassStale) {
  PieceGenerations generations(4);
  const auto token = generations.begin_hash(3);
  generations.changed(3);
  generations.hashed(3, token);
  EXPECT_FALSE(generations.pass_is_current(3));
  generations.changed(3);
  EXPECT_FALSE(generations.pass_is_current(3)) << "a raced hash never becomes current again";
}

}  // namespace
}  // namespace seeder::storage
