#pragma once
// Decoding of the request target: percent-decoded path segments and query parameters.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace seeder::http {

using QueryPairs = std::vector<std::pair<std::string, std::string>>;

// The value of `key`'s last occurrence in `pairs` (a later one overrides), or nullopt.
std::optional<std::string_view> query_value(const QueryPairs& pairs, std::string_view key);

struct Target {
  std::string path;       // decoded, without the leading '/'; may contain '/'
  QueryPairs query;       // decoded, in order
  std::string raw_query;  // as sent, without '?'

  [[nodiscard]] bool has_query(std::string_view key) const;
  [[nodiscard]] std::optional<std::string_view> query_value(std::string_view key) const {
    return http::query_value(query, key);
  }
};

// Origin-form ("/...") or absolute-form ("http://host/..."); nullopt for any other form, a
// malformed escape, or a path that decodes to a NUL byte.
std::optional<Target> parse_target(std::string_view target);

// "a=1&b=x+y" as decoded pairs in order (a query, or an application/x-www-form-urlencoded
// body: '+' is a space); nullopt on a malformed escape.
std::optional<QueryPairs> parse_query(std::string_view query);

// Percent-decoding (RFC 3986 §2.1). '+' stays '+' unless plus_is_space.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

// Percent-encoding for URL path segments, keeping '/' (for links in the index pages).
std::string percent_encode_path(std::string_view path);

// Content-Disposition with an ASCII fallback and an RFC 6266 / RFC 8187 filename*.
std::string content_disposition(std::string_view file_name, bool attachment);

}  // namespace seeder::http
