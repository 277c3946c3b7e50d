// Fuzzes the Range header parser (seeder/http/byte_range.hpp).
// Input: "<file size>\n<Range header value>"; without a numeric first line, the whole input is
// the header. Each header is also tried against sizes at the edges (0, 1, 2^64 - 1).

#include <charconv>
#include <cstdint>
#include <limits>
#include <string_view>

#include "seeder/http/byte_range.hpp"
#include "support.hpp"

namespace {

using seeder::http::RangeRequest;

bool within(const seeder::http::ByteRange& range, std::uint64_t size) {
  return range.first <= range.last && range.last < size && range.length() >= 1 &&
         range.length() <= size;
}

void check(std::string_view header, std::uint64_t size) {
  const auto all = seeder::http::parse_range(header, size);
  const auto first = seeder::http::parse_first_range(header, size);

  if (size == 0 || header.empty()) SEEDER_FUZZ_CHECK(all.kind == RangeRequest::Kind::none);
  if (all.kind == RangeRequest::Kind::single) SEEDER_FUZZ_CHECK(within(all.range, size));
  if (first.kind == RangeRequest::Kind::single) SEEDER_FUZZ_CHECK(within(first.range, size));
  if (first.kind == RangeRequest::Kind::single) SEEDER_FUZZ_CHECK(size > 0);
  SEEDER_FUZZ_CHECK(first.kind != RangeRequest::Kind::multiple);
  // Several ranges come sorted and coalesced: ascending, each inside the file, and further
  // apart than the gap that merges them.
  if (all.kind == RangeRequest::Kind::multiple) {
    SEEDER_FUZZ_CHECK(all.ranges.size() >= 2);
    for (std::size_t i = 0; i < all.ranges.size(); ++i) {
      SEEDER_FUZZ_CHECK(within(all.ranges[i], size));
      if (i > 0) {
        const auto& before = all.ranges[i - 1];
        SEEDER_FUZZ_CHECK(all.ranges[i].first > before.last &&
                          all.ranges[i].first - before.last > seeder::http::kCoalesceGap + 1);
      }
    }
  } else {
    SEEDER_FUZZ_CHECK(all.ranges.empty());
  }

  // Both read the same range set: when it is well formed for a non-empty file (parse_range says
  // anything but none), ?warmup's parser must not call the header absent or malformed.
  if (all.kind != RangeRequest::Kind::none)
    SEEDER_FUZZ_CHECK(first.kind != RangeRequest::Kind::none);
  // One satisfiable range among several specs need not be the first, but a first satisfiable
  // spec is a satisfiable range for parse_range too.
  if (first.kind == RangeRequest::Kind::single) {
    SEEDER_FUZZ_CHECK(all.kind == RangeRequest::Kind::single ||
                      all.kind == RangeRequest::Kind::multiple);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::uint64_t file_size = 1000;
  if (const auto newline = input.find('\n'); newline != std::string_view::npos) {
    const auto line = input.substr(0, newline);
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), file_size);
    if (ec == std::errc() && end == line.data() + line.size())
      input.remove_prefix(newline + 1);
    else
      file_size = 1000;
  }
  check(input, file_size);
  check(input, 0);
  check(input, 1);
  check(input, std::numeric_limits<std::uint64_t>::max());
  return 0;
}
