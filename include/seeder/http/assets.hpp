#pragma once
// Assets: files built into the binary and served under /assets/, named with their version so
// that they can be cached for good: hls.js (third_party/hls.js), which the player page loads
// when a film plays through the gateway's HLS remux. Builds never download it.
//
// Pure lookups over constant bytes; any thread.

#include <optional>
#include <string_view>

namespace seeder::http {

struct Asset {
  std::string_view name;  // as in /assets/<name>
  std::string_view content_type;
  std::string_view bytes;
};

// The asset named `name` (the path after /assets/), or nullopt.
[[nodiscard]] std::optional<Asset> find_asset(std::string_view name);
// Where the page finds hls.js: "/assets/hls-<version>.min.js".
[[nodiscard]] std::string_view hls_js_url();

}  // namespace seeder::http
