#pragma once
// What a request's head says about the client, as the Router's parts read it (internal to the
// http module).

#include <string_view>

#include "seeder/http/request_fields.hpp"

namespace seeder::http {

// The methods served (POST too, with --allow-uploads, to "/").
inline constexpr std::string_view kAllow = "GET, HEAD, OPTIONS";

inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// A browser's navigation: it gets pages (errors, waits) rather than a line of text.
inline bool wants_html(const RequestHead& head) {
  return contains(head.accept, "text/html");
}

}  // namespace seeder::http
