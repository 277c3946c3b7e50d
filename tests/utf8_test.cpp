#include "seeder/core/utf8.hpp"

#include <gtest/gtest.h>

namespace seeder {
namespace {

std::size_t length_at_0(std::string_view text) {
  return utf8_sequence_length(text, 0);
}

TEST(Utf8Test, ValidSequencesOfEachLength) {
  EXPECT_EQ(length_at_0("a"), 1u);
  EXPECT_EQ(length_at_0("\xC3\xA9"), 2u);          // é
  EXPECT_EQ(length_at_0("\xE2\x82\xAC"), 3u);      // €
  EXPECT_EQ(length_at_0("\xF0\x9F\x8E\xAC"), 4u);  // 🎬
  EXPECT_EQ(utf8_sequence_length("x\xC3\xA9", 1), 2u);
}

TEST(Utf8Test, OverlongSurrogatesTruncatedAndOutOfRangeAreRefused) {
  EXPECT_EQ(length_at_0("\xC0\xAF"), 0u) << "overlong '/'";
  EXPECT_EQ(length_at_0("\xE0\x80\xAF"), 0u) << "overlong, three bytes";
  EXPECT_EQ(length_at_0("\xED\xA0\x80"), 0u) << "a UTF-16 surrogate";
  EXPECT_EQ(length_at_0("\xF4\x90\x80\x80"), 0u) << "above U+10FFFF";
  EXPECT_EQ(length_at_0("\xE2\x82"), 0u) << "cut short";
  EXPECT_EQ(length_at_0("\x80"), 0u) << "a lone continuation byte";
  EXPECT_EQ(length_at_0("\xC3\x28"), 0u) << "a continuation byte missing";
}

TEST(Utf8Test, TextForDisplayIsValidAndCutOnACharactersBoundary) {
  EXPECT_EQ(utf8_for_display("caf\xC3\xA9", 100), "caf\xC3\xA9");
  EXPECT_EQ(utf8_for_display("a\xC0\xAE"
                             "b",
                             100),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b")
      << "each invalid byte is U+FFFD";
  EXPECT_EQ(utf8_for_display("ab\xC3\xA9", 3), "ab\xE2\x80\xA6") << "never half a character";
  EXPECT_EQ(utf8_for_display(std::string(20'000, 'x'), 1024).size(), 1024u + 3);
}

}  // namespace
}  // namespace seeder
