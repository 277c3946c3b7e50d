#pragma once
// Small text helpers shared by the parsers (HTTP headers, sizes and durations, tests' clients).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seeder {

// Without leading and trailing spaces and tabs: HTTP's optional whitespace (RFC 9110 §5.6.3).
std::string_view trim_ows(std::string_view text);
// Without leading and trailing white space of any kind (std::isspace).
std::string_view trim_space(std::string_view text);
// ASCII lower case.
std::string to_lower(std::string_view text);
// The value of one hexadecimal digit (either case), or -1.
int hex_digit_value(char c);
// A decimal number made of digits only (no sign, no spaces) that fits, or nullopt. Never throws,
// unlike std::stoi: for parsers that return Result.
std::optional<std::uint64_t> parse_unsigned(std::string_view text);
// A WebVTT cue timestamp, "HH:MM:SS.mmm" (hours grow past two digits).
std::string webvtt_timestamp(std::uint64_t millis);

}  // namespace seeder
