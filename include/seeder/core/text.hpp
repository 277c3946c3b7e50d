#pragma once
// Small text helpers shared by the parsers (HTTP headers, sizes and durations, tests' clients).

#include <string>
#include <string_view>

namespace seeder {

// Without leading and trailing spaces and tabs: HTTP's optional whitespace (RFC 9110 §5.6.3).
std::string_view trim_ows(std::string_view text);
// Without leading and trailing white space of any kind (std::isspace).
std::string_view trim_space(std::string_view text);
// ASCII lower case.
std::string to_lower(std::string_view text);

}  // namespace seeder
