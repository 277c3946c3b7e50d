// SRT -> WebVTT: the shapes real .srt files come in (CRLF, a BOM, legacy code pages, UTF-16,
// missing or extra blank lines, loose timestamps, position hints).
#include <gtest/gtest.h>

#include "seeder/http/webvtt.hpp"

namespace seeder::http {
namespace {

TEST(WebVtt, ATypicalSrtBecomesWebVtt) {
  const std::string srt =
      "1\n00:00:01,000 --> 00:00:02,500\nHello there.\n\n"
      "2\n00:00:03,000 --> 00:00:04,000\nTwo\nlines\n";
  EXPECT_EQ(srt_to_webvtt(srt),
            "WEBVTT\n\n"
            "1\n00:00:01.000 --> 00:00:02.500\nHello there.\n\n"
            "2\n00:00:03.000 --> 00:00:04.000\nTwo\nlines\n\n");
}

TEST(WebVtt, CrlfAndAByteOrderMarkAreUndone) {
  const std::string srt =
      "\xEF\xBB\xBF"
      "1\r\n00:00:01,000 --> 00:00:02,000\r\nCaf\xC3\xA9\r\n\r\n";
  EXPECT_EQ(srt_to_webvtt(srt), "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nCaf\xC3\xA9\n\n");
}

TEST(WebVtt, LooseTimestampsAreWrittenInFullAndPositionHintsDropped) {
  const std::string srt = "7\n1:02:03,5 --> 1:02:04.25  X1:100 X2:200 Y1:10 Y2:20\nText\n";
  EXPECT_EQ(srt_to_webvtt(srt), "WEBVTT\n\n7\n01:02:03.500 --> 01:02:04.250\nText\n\n");
}

TEST(WebVtt, NumberingOdditiesDoNotLoseCues) {
  // No number; extra blank lines; a cue right after the previous one with no blank line; a
  // stray block with no timing; an arrow inside the text.
  const std::string srt =
      "\n\n00:00:01,000 --> 00:00:02,000\nfirst\n"
      "2\n00:00:03,000 --> 00:00:04,000\nsecond --> third\n\n\n\n"
      "garbage line\n\n"
      "4\n00:00:05,000 --> 00:00:06,000\nlast";
  EXPECT_EQ(srt_to_webvtt(srt),
            "WEBVTT\n\n"
            "00:00:01.000 --> 00:00:02.000\nfirst\n\n"
            "2\n00:00:03.000 --> 00:00:04.000\nsecond --&gt; third\n\n"
            "4\n00:00:05.000 --> 00:00:06.000\nlast\n\n");
}

TEST(WebVtt, LegacyCodePagesAreReadAsCyrillicOrWestern) {
  // "Привет" in Windows-1251; "Café" in Latin-1: neither is valid UTF-8.
  EXPECT_EQ(subtitle_text_as_utf8("\xCF\xF0\xE8\xE2\xE5\xF2"),
            "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
  EXPECT_EQ(subtitle_text_as_utf8("Caf\xE9 au lait"), "Caf\xC3\xA9 au lait");
  // Windows-1252's quotes at 0x93/0x94.
  EXPECT_EQ(subtitle_text_as_utf8("\x93quoted\x94"), "\xE2\x80\x9Cquoted\xE2\x80\x9D");
}

TEST(WebVtt, Utf16WithAByteOrderMarkIsConverted) {
  const std::string utf16le(
      "\xFF\xFE"
      "A\0\xE9\0",
      6);
  EXPECT_EQ(subtitle_text_as_utf8(utf16le), "A\xC3\xA9");
  const std::string utf16be("\xFE\xFF\0A\0\xE9", 6);
  EXPECT_EQ(subtitle_text_as_utf8(utf16be), "A\xC3\xA9");
  // An unpaired surrogate is one replacement character; what follows stays aligned.
  const std::string lone(
      "\xFF\xFE"
      "A\0\0\xD8"
      "B\0",
      8);
  EXPECT_EQ(subtitle_text_as_utf8(lone),
            "A\xEF\xBF\xBD"
            "B");
}

// Seen as a 200 with an empty WebVTT: NUL bytes in every other position, no mark.
TEST(WebVtt, Utf16WithoutAByteOrderMarkIsRecognisedAndConverted) {
  const auto widen = [](std::string_view text, bool little_endian) {
    std::string out;
    for (const char c : text) {
      out.push_back(little_endian ? c : '\0');
      out.push_back(little_endian ? '\0' : c);
    }
    return out;
  };
  const std::string srt = "1\r\n00:00:01,000 --> 00:00:02,000\r\nHello\r\n";
  for (const bool little_endian : {true, false}) {
    EXPECT_EQ(subtitle_text_as_utf8(widen(srt, little_endian)), srt) << little_endian;
    EXPECT_NE(srt_to_webvtt(widen(srt, little_endian)).find("Hello"), std::string::npos);
  }
  // Latin-1 text with a stray NUL is not UTF-16.
  EXPECT_EQ(subtitle_text_as_utf8(std::string("Caf\xE9 au\0 lait", 13)).rfind("Caf\xC3\xA9", 0),
            0u);
}

TEST(WebVtt, InvalidBytesAfterAUtf8MarkBecomeReplacementCharacters) {
  EXPECT_EQ(subtitle_text_as_utf8("\xEF\xBB\xBF"
                                  "a\xFF"
                                  "b"),
            "a\xEF\xBF\xBD"
            "b");
}

}  // namespace
}  // namespace seeder::http
