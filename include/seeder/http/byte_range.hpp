#pragma once
// Parsing of the Range request header (RFC 9110 §14.1.2) against a file size.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace seeder::http {

// An inclusive byte range [first, last] inside a file.
struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  [[nodiscard]] std::uint64_t length() const { return last - first + 1; }
  bool operator==(const ByteRange&) const = default;
};

struct RangeRequest {
  enum class Kind {
    none,           // no usable Range header (absent, other unit, or malformed): send it all
    single,         // exactly one satisfiable range: 206
    multiple,       // several ranges left after coalescing: multipart/byteranges (or the whole)
    unsatisfiable,  // no range overlaps the file: 416
  };
  Kind kind = Kind::none;
  ByteRange range;                // valid when kind == single
  std::vector<ByteRange> ranges;  // when kind == multiple: ascending, disjoint, two or more
};

// One range-spec of a Range header: "a-b", "a-" (no last) or "-n" (no first: the last n bytes).
struct RangeSpec {
  std::optional<std::uint64_t> first;
  std::optional<std::uint64_t> last_or_suffix;
};
using RangeSpecs = std::vector<RangeSpec>;

// The specs of a Range header, read before the file (and its size) is known; nullopt when the
// header is absent, of another unit or malformed (RFC 9110 §14.2 lets a server ignore it).
std::optional<RangeSpecs> parse_range_specs(std::string_view header);

// Ranges closer than this are sent as one part: a part's own head costs about as much.
inline constexpr std::uint64_t kCoalesceGap = 80;

// A malformed header is ignored (RFC 9110 §14.2 lets a server ignore Range), so the client gets
// the full 200 rather than an error. A zero-length file ignores Range too. Satisfiable ranges
// are sorted and coalesced when they overlap, touch or lie within kCoalesceGap of each other
// (RFC 9110 §14.3): what is left is one range (single) or several (multiple).
RangeRequest resolve_ranges(const std::optional<RangeSpecs>& specs, std::uint64_t size);
// parse_range_specs then resolve_ranges.
RangeRequest parse_range(std::string_view header, std::uint64_t size);

// Only the first range of the header, as ?warmup needs (forms a-b, a-, -n).
// Returns kind none for an absent header, unsatisfiable for anything it cannot use.
RangeRequest parse_first_range(std::string_view header, std::uint64_t size);

}  // namespace seeder::http
