// Text: number and hex parsing that never throws.
#include <gtest/gtest.h>

#include "seeder/core/text.hpp"

namespace seeder {
namespace {

TEST(Text, ParsesUnsignedDecimalsWithoutThrowing) {
  EXPECT_EQ(parse_unsigned("0"), 0u);
  EXPECT_EQ(parse_unsigned("65535"), 65535u);
  EXPECT_EQ(parse_unsigned("18446744073709551615"), 18446744073709551615ull);
  for (const char* junk : {"", "-1", "+1", " 1", "1 ", "1x", "0x10", "18446744073709551616"})
    EXPECT_FALSE(parse_unsigned(junk)) << junk;
}

TEST(Text, HexDigits) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  EXPECT_EQ(hex_digit_value('g'), -1);
  EXPECT_EQ(hex_digit_value('%'), -1);
}

}  // namespace
}  // namespace seeder
