#include "seeder/metrics/http_metrics.hpp"

namespace seeder::metrics {

HttpMetrics::HttpMetrics(MetricSet& metrics)
    : requests_(metrics.counter_family("seeder_http_requests_total",
                                       "HTTP responses by route and status", {"route", "status"})),
      bytes_(metrics.counter_family("seeder_http_response_bytes_total",
                                    "HTTP response body bytes sent, by route", {"route"})),
      first_byte_seconds_(
          metrics.histogram("seeder_http_time_to_first_byte_seconds",
                            "time from a file request to its first verified byte",
                            {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60})),
      first_byte_ms_(metrics.histogram("torrent_web_seeder_time_to_first_byte_ms",
                                       "time to first byte in milliseconds (reference name)",
                                       Histogram::exponential(50, 1.5, 20))) {}

void HttpMetrics::on_response(const std::string& route, unsigned status, std::uint64_t body_bytes) {
  requests_.with({route, std::to_string(status)}).increment();
  bytes_.with({route}).add(static_cast<double>(body_bytes));
}

void HttpMetrics::on_first_byte(std::chrono::steady_clock::duration elapsed) {
  const auto seconds = std::chrono::duration<double>(elapsed).count();
  first_byte_seconds_.observe(seconds);
  first_byte_ms_.observe(seconds * 1000);
}

}  // namespace seeder::metrics
