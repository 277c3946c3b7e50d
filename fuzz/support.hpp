#pragma once
// Helpers shared by the libFuzzer targets: an invariant check that crashes (so libFuzzer keeps
// the input), a strict UTF-8 + JSON validator, and a small torrent made in memory.
// Single-threaded: each fuzzer calls these from LLVMFuzzerTestOneInput only.

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "seeder/torrent/catalog.hpp"

// NDEBUG is on in RelWithDebInfo, so assert() would check nothing: trap instead.
#define SEEDER_FUZZ_CHECK(condition)                                                         \
  do {                                                                                       \
    if (!(condition)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #condition); \
      __builtin_trap();                                                                      \
    }                                                                                        \
  } while (false)

namespace seeder::fuzz {

// RFC 3629 §4: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text);

// RFC 8259 JSON text, which must also be valid UTF-8 (§8.1). On success, the decoded strings
// (keys and values) in document order; nullopt when `text` is not JSON.
std::optional<std::vector<std::string>> parse_json_strings(std::string_view text);

// A v1 torrent of `files` ("Name/path", size), piece hashes all alike (nothing is ever verified
// in a fuzzer), parsed the way the catalog parses .torrent files.
torrent::EntryPtr make_entry(const std::vector<std::pair<std::string, std::int64_t>>& files,
                             int piece_length);

}  // namespace seeder::fuzz
