// InfoHash: hex and base32 spellings of a v1 info-hash.
#include <gtest/gtest.h>

#include "seeder/core/info_hash.hpp"

namespace seeder {
namespace {

TEST(InfoHash, ParsesHexInAnyCaseAndPrintsLowercase) {
  const auto hash = InfoHash::parse("C334138EF5BFC2D568EA7324E0E2A3A7EC229BDD");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->hex(), "c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd");
}

TEST(InfoHash, ParsesBase32AsInMagnetLinks) {
  // base32 of the same 20 bytes as the hex above.
  const auto hex = InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd");
  const auto b32 = InfoHash::parse("YM2BHDXVX7BNK2HKOMSOBYVDU7WCFG65");
  ASSERT_TRUE(hex && b32);
  EXPECT_EQ(*hex, *b32);
}

TEST(InfoHash, RejectsWrongLengthsAndCharacters) {
  EXPECT_FALSE(InfoHash::parse(""));
  EXPECT_FALSE(InfoHash::parse("abc"));
  EXPECT_FALSE(InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdz"));
  EXPECT_FALSE(InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd0"));
  EXPECT_FALSE(InfoHash::parse("YM2BHDXVX7BNM2HKOMSOBYVDU7WCFG61"));  // '1' is not base32
}

}  // namespace
}  // namespace seeder
