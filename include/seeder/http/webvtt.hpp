#pragma once
// SubRip (.srt) to WebVTT, for a browser's <track>, which takes WebVTT only. Pure text in, text
// out; any thread.
//
// Encoding, in this order: a UTF-8 byte-order mark is dropped; UTF-16 with a byte-order mark is
// converted; valid UTF-8 is taken as it is; anything else is a legacy 8-bit code page: Windows-
// 1251 (Cyrillic) when most of its letters are bytes above 0x7F, as in Russian or Bulgarian
// text, else Windows-1252 (Western European, a superset of Latin-1), where accented letters are
// a few among ASCII ones. The conversion is glibc's iconv.
//
// Text: CRLF and lone CR become LF; the "WEBVTT" header is added; each cue keeps its number as
// its identifier; timings "1:02:03,5 --> ..." become "01:02:03.500 --> ..."; SRT's position
// hints after the timing (X1:... Y2:...) are dropped; blocks without a timing line are skipped;
// a cue that follows the previous one without a blank line is split from it; a "-->" inside cue
// text (which would end a WebVTT cue) is written "--&gt;".

#include <string>
#include <string_view>

namespace seeder::http {

[[nodiscard]] std::string srt_to_webvtt(std::string_view srt);

// The text of `bytes` as UTF-8, by the encoding rules above (exposed for tests).
[[nodiscard]] std::string subtitle_text_as_utf8(std::string_view bytes);

}  // namespace seeder::http
