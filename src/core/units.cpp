#include "seeder/core/units.hpp"

#include "seeder/core/text.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

namespace seeder {
namespace {

// Splits "12.5MiB" into 12.5 and "mib". Rejects negatives, empty numbers and junk.
std::optional<std::pair<double, std::string>> split_number(std::string_view text) {
  text = trim_space(text);
  std::size_t end = 0;
  while (end < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) {
    ++end;
  }
  if (end == 0) return std::nullopt;
  double number = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, number);
  if (ec != std::errc() || ptr != text.data() + end || !std::isfinite(number)) return std::nullopt;
  return std::pair{number, to_lower(trim_space(text.substr(end)))};
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) {
  const auto parts = split_number(text);
  if (!parts) return std::nullopt;
  const auto& [number, unit] = *parts;
  static constexpr std::array<std::pair<std::string_view, int>, 17> units{{
      {"", 0},
      {"b", 0},
      {"k", 1},
      {"kb", 1},
      {"kib", 1},
      {"m", 2},
      {"mb", 2},
      {"mib", 2},
      {"g", 3},
      {"gb", 3},
      {"gib", 3},
      {"t", 4},
      {"tb", 4},
      {"tib", 4},
      {"bytes", 0},
      {"byte", 0},
      {"kbytes", 1},
  }};
  for (const auto& [name, power] : units) {
    if (unit != name) continue;
    const double bytes = number * std::pow(1024.0, power);
    if (bytes >= 9.0e18) return std::nullopt;
    return static_cast<std::uint64_t>(std::llround(bytes));
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  const auto parts = split_number(text);
  if (!parts) return std::nullopt;
  const auto& [number, unit] = *parts;
  static constexpr std::array<std::pair<std::string_view, double>, 6> units{{
      {"ms", 1.0},
      {"", 1000.0},
      {"s", 1000.0},
      {"m", 60'000.0},
      {"h", 3'600'000.0},
      {"d", 86'400'000.0},
  }};
  for (const auto& [name, scale] : units) {
    if (unit != name) continue;
    const double ms = number * scale;
    if (ms >= 9.0e15) return std::nullopt;
    return std::chrono::milliseconds(std::llround(ms));
  }
  return std::nullopt;
}

std::string format_size(std::uint64_t bytes) {
  static constexpr std::array<const char*, 5> names{"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < names.size()) {
    value /= 1024.0;
    ++unit;
  }
  char out[32];
  if (unit == 0) {
    std::snprintf(out, sizeof out, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(out, sizeof out, "%.1f %s", value, names[unit]);
  }
  return out;
}

std::string format_duration(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

}  // namespace seeder
