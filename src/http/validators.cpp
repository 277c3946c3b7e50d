#include "seeder/http/validators.hpp"

#include "seeder/core/sha1.hpp"

#include "seeder/core/text.hpp"

namespace seeder::http {

std::string make_etag(std::string_view info_hash_hex, std::string_view path, std::uint64_t size) {
  std::string key;
  key.reserve(info_hash_hex.size() + path.size() + 24);
  key.append(info_hash_hex)
      .append(1, '\0')
      .append(path)
      .append(1, '\0')
      .append(std::to_string(size));
  return "\"" + sha1_hex(key).substr(0, 32) + "\"";
}

bool etag_list_matches(std::string_view header, std::string_view etag, bool weak) {
  header = trim_ows(header);
  if (header == "*") return true;
  while (!header.empty()) {
    const auto comma = header.find(',');
    auto candidate = trim_ows(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    const bool candidate_weak = candidate.starts_with("W/");
    if (candidate_weak) {
      if (!weak) continue;  // strong comparison never matches a weak tag
      candidate.remove_prefix(2);
    }
    if (candidate == etag) return true;
  }
  return false;
}

bool if_range_allows(std::string_view header, std::string_view etag) {
  header = trim_ows(header);
  return !header.starts_with("W/") && header == etag;
}

}  // namespace seeder::http
