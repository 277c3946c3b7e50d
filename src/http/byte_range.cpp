#include "seeder/http/byte_range.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>
#include <vector>

#include "seeder/core/text.hpp"

namespace seeder::http {
namespace {

// Digits too many for 64 bits are still a number (RFC 9110's 1*DIGIT): the largest one, so a
// first byte past any file is unsatisfiable (416) and a suffix longer than any file takes all of
// it, rather than the whole header being ignored as malformed.
std::optional<std::uint64_t> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ptr != text.data() + text.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) return std::numeric_limits<std::uint64_t>::max();
  if (ec != std::errc()) return std::nullopt;
  return value;
}

using Spec = RangeSpec;

// nullopt when malformed.
std::optional<Spec> parse_spec(std::string_view text) {
  text = trim_ows(text);
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const auto left = text.substr(0, dash);
  const auto right = text.substr(dash + 1);
  Spec spec;
  if (!left.empty()) {
    spec.first = parse_number(left);
    if (!spec.first) return std::nullopt;
  }
  if (!right.empty()) {
    spec.last_or_suffix = parse_number(right);
    if (!spec.last_or_suffix) return std::nullopt;
  }
  if (!spec.first && !spec.last_or_suffix) return std::nullopt;
  if (spec.first && spec.last_or_suffix && *spec.last_or_suffix < *spec.first) return std::nullopt;
  return spec;
}

// The satisfiable part of a spec for a file of `size` > 0 bytes, or nullopt.
std::optional<ByteRange> resolve(const Spec& spec, std::uint64_t size) {
  if (!spec.first) {  // suffix: the last n bytes
    if (*spec.last_or_suffix == 0) return std::nullopt;
    const auto n = std::min(*spec.last_or_suffix, size);
    return ByteRange{size - n, size - 1};
  }
  if (*spec.first >= size) return std::nullopt;
  const auto last = spec.last_or_suffix ? std::min(*spec.last_or_suffix, size - 1) : size - 1;
  return ByteRange{*spec.first, last};
}

}  // namespace

// The specs after "bytes=", or nullopt when the header is not a well-formed byte range set.
std::optional<RangeSpecs> parse_range_specs(std::string_view header) {
  header = trim_ows(header);
  constexpr std::string_view unit = "bytes=";
  if (header.size() < unit.size()) return std::nullopt;
  for (std::size_t i = 0; i < unit.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != unit[i]) return std::nullopt;
  }
  header.remove_prefix(unit.size());
  std::vector<Spec> specs;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto part = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (trim_ows(part).empty()) continue;  // RFC 9110 allows empty list elements
    auto spec = parse_spec(part);
    if (!spec) return std::nullopt;
    specs.push_back(*spec);
  }
  if (specs.empty()) return std::nullopt;
  return specs;
}

namespace {

// Ascending and merged where two overlap or lie within kCoalesceGap.
std::vector<ByteRange> coalesce(std::vector<ByteRange> ranges) {
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.first < b.first; });
  std::vector<ByteRange> merged;
  for (const auto& range : ranges) {
    // Written without last + gap, which wraps for a range at the end of a 2^64-byte file.
    if (!merged.empty() && (range.first <= merged.back().last ||
                            range.first - merged.back().last <= kCoalesceGap + 1)) {
      merged.back().last = std::max(merged.back().last, range.last);
    } else {
      merged.push_back(range);
    }
  }
  return merged;
}

}  // namespace

RangeRequest parse_range(std::string_view header, std::uint64_t size) {
  return resolve_ranges(parse_range_specs(header), size);
}

RangeRequest resolve_ranges(const std::optional<RangeSpecs>& specs, std::uint64_t size) {
  if (!specs || size == 0) return {};
  std::vector<ByteRange> satisfiable;
  for (const auto& spec : *specs) {
    if (auto range = resolve(spec, size)) satisfiable.push_back(*range);
  }
  if (satisfiable.empty()) return {RangeRequest::Kind::unsatisfiable, {}, {}};
  auto merged = coalesce(std::move(satisfiable));
  if (merged.size() > 1) return {RangeRequest::Kind::multiple, {}, std::move(merged)};
  return {RangeRequest::Kind::single, merged.front(), {}};
}

RangeRequest parse_first_range(std::string_view header, std::uint64_t size) {
  if (trim_ows(header).empty()) return {};
  const auto specs = parse_range_specs(header);
  if (!specs || size == 0) return {RangeRequest::Kind::unsatisfiable, {}, {}};
  const auto range = resolve(specs->front(), size);
  if (!range) return {RangeRequest::Kind::unsatisfiable, {}, {}};
  return {RangeRequest::Kind::single, *range, {}};
}

}  // namespace seeder::http
