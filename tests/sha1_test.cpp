// Sha1: the digest against a known vector.
#include <gtest/gtest.h>

#include "seeder/core/sha1.hpp"

namespace seeder {
namespace {

TEST(Sha1, MatchesKnownVector) {
  EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

}  // namespace
}  // namespace seeder
