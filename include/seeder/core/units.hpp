#pragma once
// Parsing and printing of the human units used by flags and logs: sizes and durations.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace seeder {

// "512KiB", "20MB", "10GB", "1.5G", "4096" (bytes). Units are 1024-based whatever their
// spelling (K, KB, KiB, ... up to T), as in the reference gateway's flags.
std::optional<std::uint64_t> parse_size(std::string_view text);

// "500ms", "30s", "10m", "2h", "1d", "45" (seconds).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

std::string format_size(std::uint64_t bytes);            // "20.0 MiB"
std::string format_duration(std::chrono::milliseconds);  // "600s", "1500ms"

}  // namespace seeder
