// ByteRange: the Range header, its forms, clamps and coalescing.
#include <gtest/gtest.h>

#include "seeder/http/byte_range.hpp"

namespace seeder::http {
namespace {

using Kind = RangeRequest::Kind;

TEST(ByteRange, ParsesTheThreeFormsOfASingleRange) {
  EXPECT_EQ(parse_range("bytes=0-99", 1000).range, (ByteRange{0, 99}));
  EXPECT_EQ(parse_range("bytes=500-", 1000).range, (ByteRange{500, 999}));
  EXPECT_EQ(parse_range("bytes=-100", 1000).range, (ByteRange{900, 999}));
  EXPECT_EQ(parse_range("bytes=999-999", 1000).range, (ByteRange{999, 999}));
  EXPECT_EQ(parse_range("bytes=0-99", 1000).kind, Kind::single);
}

TEST(ByteRange, ClampsRangesThatRunPastTheEnd) {
  EXPECT_EQ(parse_range("bytes=900-5000", 1000).range, (ByteRange{900, 999}));
  EXPECT_EQ(parse_range("bytes=-5000", 1000).range, (ByteRange{0, 999}));
}

TEST(ByteRange, RangesStartingPastTheEndAreUnsatisfiable) {
  EXPECT_EQ(parse_range("bytes=1000-", 1000).kind, Kind::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=1000-2000", 1000).kind, Kind::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 1000).kind, Kind::unsatisfiable);
}

TEST(ByteRange, NumbersTooLongForSixtyFourBitsAreTheLargestNotMalformed) {
  EXPECT_EQ(parse_range("bytes=99999999999999999999999-", 1000).kind, Kind::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-18446744073709551617", 1000).range, (ByteRange{0, 999}));
  EXPECT_EQ(parse_range("bytes=10-99999999999999999999999", 1000).range, (ByteRange{10, 999}));
}

TEST(ByteRange, MalformedHeadersAreIgnored) {
  for (const char* header :
       {"", "bytes", "bytes=", "bytes=a-b", "bytes=5-2", "items=0-1", "bytes=--1", "bytes=1"}) {
    EXPECT_EQ(parse_range(header, 1000).kind, Kind::none) << header;
  }
}

TEST(ByteRange, SeveralSatisfiableRangesAreMultipleInOrder) {
  const auto request = parse_range("bytes=500-599, 0-99, -10", 1000);
  EXPECT_EQ(request.kind, Kind::multiple);
  EXPECT_EQ(request.ranges, (std::vector<ByteRange>{{0, 99}, {500, 599}, {990, 999}}));
  EXPECT_EQ(parse_range("bytes=0-1,2000-3000", 1000).kind, Kind::single);
}

TEST(ByteRange, OverlappingTouchingAndNearRangesAreCoalesced) {
  // Overlapping, touching, and within kCoalesceGap: one range, answered as a plain 206.
  const auto one = parse_range("bytes=0-99,50-149,150-199,260-299", 1000);
  EXPECT_EQ(one.kind, Kind::single);
  EXPECT_EQ(one.range, (ByteRange{0, 299}));
  // Just over the gap: two parts.
  const auto two = parse_range("bytes=0-99,181-199", 1000);
  EXPECT_EQ(two.kind, Kind::multiple);
  EXPECT_EQ(two.ranges, (std::vector<ByteRange>{{0, 99}, {181, 199}}));
  // A range inside another disappears into it.
  EXPECT_EQ(parse_range("bytes=0-999,10-20", 1000).range, (ByteRange{0, 999}));
}

TEST(ByteRange, AnEmptyFileIgnoresRange) {
  EXPECT_EQ(parse_range("bytes=0-0", 0).kind, Kind::none);
}

TEST(ByteRange, FirstRangeOnlyForWarmup) {
  EXPECT_EQ(parse_first_range("bytes=10-19,30-39", 100).range, (ByteRange{10, 19}));
  EXPECT_EQ(parse_first_range("", 100).kind, Kind::none);
  EXPECT_EQ(parse_first_range("bytes=x", 100).kind, Kind::unsatisfiable);
  EXPECT_EQ(parse_first_range("bytes=200-", 100).kind, Kind::unsatisfiable);
}

}  // namespace
}  // namespace seeder::http
