// Validators: ETags and the conditional headers that compare them.
#include <gtest/gtest.h>

#include "seeder/http/validators.hpp"

namespace seeder::http {
namespace {

TEST(Validators, EtagDependsOnHashPathAndSize) {
  const auto etag = make_etag("aa", "x/y", 10);
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(etag.back(), '"');
  EXPECT_NE(etag, make_etag("ab", "x/y", 10));
  EXPECT_NE(etag, make_etag("aa", "x/z", 10));
  EXPECT_NE(etag, make_etag("aa", "x/y", 11));
  EXPECT_EQ(etag, make_etag("aa", "x/y", 10));
}

TEST(Validators, IfNoneMatchUsesWeakComparisonOverAList) {
  EXPECT_TRUE(etag_list_matches("\"a\", \"b\"", "\"b\"", true));
  EXPECT_TRUE(etag_list_matches("W/\"b\"", "\"b\"", true));
  EXPECT_TRUE(etag_list_matches("*", "\"b\"", true));
  EXPECT_FALSE(etag_list_matches("\"a\"", "\"b\"", true));
}

TEST(Validators, IfMatchAndIfRangeUseStrongComparison) {
  EXPECT_FALSE(etag_list_matches("W/\"b\"", "\"b\"", false));
  EXPECT_TRUE(etag_list_matches("\"b\"", "\"b\"", false));
  EXPECT_TRUE(if_range_allows("\"b\"", "\"b\""));
  EXPECT_FALSE(if_range_allows("W/\"b\"", "\"b\""));
  EXPECT_FALSE(if_range_allows("Thu, 01 Jan 1970 00:00:00 GMT", "\"b\""));
}

}  // namespace
}  // namespace seeder::http
