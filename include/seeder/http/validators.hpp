#pragma once
// Entity tags and the conditional-request checks built on them (RFC 9110 §8.8.3, §13.1).

#include <cstdint>
#include <string>
#include <string_view>

namespace seeder::http {

// A strong ETag for a file of a torrent. The content under an info-hash never changes, so
// (info-hash, path, size) identifies the bytes exactly.
std::string make_etag(std::string_view info_hash_hex, std::string_view path, std::uint64_t size);

// True when the comma-separated If-None-Match / If-Match list names `etag` or is "*".
// Weak comparison for If-None-Match (§13.1.2), strong for If-Match (§13.1.1).
bool etag_list_matches(std::string_view header, std::string_view etag, bool weak);

// If-Range (§13.1.5): the range applies only when the header is our strong ETag.
// A date never matches: seeder sends no Last-Modified.
bool if_range_allows(std::string_view header, std::string_view etag);

}  // namespace seeder::http
