// Units: sizes and durations as flags spell them, and as pages print them.
#include <gtest/gtest.h>

#include "seeder/core/units.hpp"

namespace seeder {
namespace {

using namespace std::chrono_literals;

TEST(Units, SizesAcceptBinaryAndDecimalSpellingsAllAs1024Based) {
  EXPECT_EQ(parse_size("512KiB"), 512u * 1024);
  EXPECT_EQ(parse_size("20MB"), 20u * 1024 * 1024);
  EXPECT_EQ(parse_size("10GB"), 10ull * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_size("1.5G"), 3ull * 512 * 1024 * 1024);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size(" 7 mib "), 7u * 1024 * 1024);
}

TEST(Units, SizesRejectJunk) {
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("MB"));
  EXPECT_FALSE(parse_size("-5MB"));
  EXPECT_FALSE(parse_size("20XB"));
  EXPECT_FALSE(parse_size("1e3"));
  EXPECT_FALSE(parse_size("99999999999TB"));
}

TEST(Units, DurationsAcceptCommonUnits) {
  EXPECT_EQ(parse_duration("500ms"), 500ms);
  EXPECT_EQ(parse_duration("30s"), 30s);
  EXPECT_EQ(parse_duration("10m"), 10min);
  EXPECT_EQ(parse_duration("2h"), 2h);
  EXPECT_EQ(parse_duration("45"), 45s);
  EXPECT_FALSE(parse_duration("10y"));
  EXPECT_FALSE(parse_duration("soon"));
}

TEST(Units, FormatsSizesAndDurations) {
  EXPECT_EQ(format_size(512), "512 B");
  EXPECT_EQ(format_size(20ull << 20), "20.0 MiB");
  EXPECT_EQ(format_duration(600s), "600s");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
}

}  // namespace
}  // namespace seeder
