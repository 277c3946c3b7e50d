#pragma once
// Shared helpers for the benchmarks: timing an HTTP fetch over a raw socket, a raw libtorrent
// client as baseline, statistics, and figure printing.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace seeder::bench {

using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

struct FetchTiming {
  unsigned status = 0;
  double first_byte_s = 0;  // request sent -> first body byte received
  double total_s = 0;       // request sent -> last body byte received
  std::uint64_t body_bytes = 0;
};

// GETs `target` with an optional Range over a fresh loopback connection and times it. The body
// is read and counted, not kept; when `expect` is given (the bytes the body must be), every byte
// is compared as it arrives and a difference throws. Throws after `timeout`.
FetchTiming timed_get(std::uint16_t port, const std::string& target, const std::string& range,
                      std::chrono::seconds timeout = std::chrono::seconds(300),
                      std::string_view expect = {});
// bytes[first, first + length), clamped to the end.
std::string_view slice_of(std::string_view bytes, std::uint64_t first, std::uint64_t length);

// Runs the plain libtorrent client (bench_client) in its own process for one job and returns
// the numbers it printed: "first-piece" and "finish" give one time in seconds; "seeks" gives
// "<seconds> <1 if any piece was missing when asked>" per offset.
std::vector<std::vector<double>> run_raw_client(const std::string& job,
                                                const std::string& torrent_path,
                                                std::uint16_t peer_port, bool tuned,
                                                const std::vector<std::uint64_t>& offsets = {},
                                                std::uint64_t span = 0);

// Numeric "--flag value" pairs: each known flag sets its variable; an unknown flag throws.
using NumericFlags = std::map<std::string, std::function<void(long)>>;
void parse_numeric_flags(int argc, char** argv, const NumericFlags& flags);

double median(std::vector<double> values);
double mib_per_s(std::uint64_t bytes, double seconds);
// Peak resident set size of this process so far (VmHWM), in bytes.
std::uint64_t peak_rss_bytes();

// "name ........ value unit" lines, one figure each.
void print_figure(const std::string& name, double value, const std::string& unit);
// "  <what> (ms): a b c ...", every sample in milliseconds.
void print_samples(const std::string& what, const std::vector<double>& seconds);
double max_of(const std::vector<double>& values);  // 0 for none

// Indexes 0..count-1 starting `run` further each run: a capped seeder banks upload quota while
// idle, so whoever came first after a pause would always be favoured.
std::vector<std::size_t> turn_order(std::size_t count, int run);

// A benchmark's main: runs `bench`; an error ends the run with "<name>: <message>" and exit code
// 1, after every process it started has been ended (by the destructors an uncaught exception
// would skip).
int run_main(const char* name, int (*bench)(int, char**), int argc, char** argv);

}  // namespace seeder::bench
