#include "seeder/http/assets.hpp"

// The bytes go in with the assembler's .incbin: no generated source, no size limit of a string
// literal. CMake passes the file's path and version (string literals), and rebuilds this file
// when it changes.

// NOLINTNEXTLINE(hicpp-no-assembler): the one way to embed a file without a generated source
asm(".section .rodata\n"
    ".balign 16\n"
    "seeder_hls_js_begin:\n"
    ".incbin \"" SEEDER_HLS_JS_PATH
    "\"\n"
    "seeder_hls_js_end:\n"
    ".byte 0\n"
    ".previous\n");
extern "C" const char seeder_hls_js_begin[];
extern "C" const char seeder_hls_js_end[];

namespace seeder::http {
namespace {

constexpr std::string_view kPrefix = "/assets/";
constexpr std::string_view kHlsJsUrl = "/assets/hls-" SEEDER_HLS_JS_VERSION ".min.js";

}  // namespace

std::optional<Asset> find_asset(std::string_view name) {
  if (name != kHlsJsUrl.substr(kPrefix.size())) return std::nullopt;
  return Asset{name, "text/javascript; charset=utf-8",
               std::string_view(seeder_hls_js_begin,
                                static_cast<std::size_t>(seeder_hls_js_end - seeder_hls_js_begin))};
}

std::string_view hls_js_url() {
  return kHlsJsUrl;
}

}  // namespace seeder::http
