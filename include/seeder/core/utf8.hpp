#pragma once
// UTF-8 validation, for text that comes from torrents and URLs and goes into JSON and URLs.

#include <cstddef>
#include <string>
#include <string_view>

namespace seeder {

// Length of the valid UTF-8 sequence starting at `text[at]` (1 to 4), or 0 when the bytes there
// are not valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);

// `text` as valid UTF-8 of at most `max_bytes` (and "…" after it when cut, on a character's
// boundary): each byte that is not valid UTF-8 becomes U+FFFD. For text a client sent that goes
// back to it (an error message naming the path asked for).
std::string utf8_for_display(std::string_view text, std::size_t max_bytes);

}  // namespace seeder
