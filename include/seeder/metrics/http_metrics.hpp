#pragma once
// HttpMetrics: what the HTTP server reports about each response.

#include <chrono>
#include <cstdint>
#include <string>

#include "seeder/metrics/metrics.hpp"

namespace seeder::metrics {

class HttpMetrics {
 public:
  explicit HttpMetrics(MetricSet& metrics);

  // `route`: root, torrent, source, file, stats, warmup, done, invalid.
  void on_response(const std::string& route, unsigned status, std::uint64_t body_bytes);
  // A file response's first verified byte is about to leave, `elapsed` after its request.
  void on_first_byte(std::chrono::steady_clock::duration elapsed);

 private:
  CounterFamily& requests_;
  CounterFamily& bytes_;
  Histogram& first_byte_seconds_;
  Histogram& first_byte_ms_;  // the reference gateway's name and unit, for its dashboards
};

}  // namespace seeder::metrics
