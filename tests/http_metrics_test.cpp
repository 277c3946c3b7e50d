// HttpMetrics: the response counters and first-byte histograms a scrape shows.
#include "seeder/metrics/http_metrics.hpp"

#include <gtest/gtest.h>

namespace seeder::metrics {
namespace {

bool http_metrics_has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(HttpMetricsTest, ResponsesAreCountedByRouteAndStatusAndTheirBytesByRoute) {
  MetricSet set;
  HttpMetrics http(set);
  http.on_response("file", 206, 1000);
  http.on_response("file", 206, 1000);
  http.on_response("file", 404, 10);
  http.on_response("torrent", 200, 5);
  const auto text = set.render();
  EXPECT_TRUE(
      http_metrics_has_line(text, R"(seeder_http_requests_total{route="file",status="206"} 2)"))
      << text;
  EXPECT_TRUE(
      http_metrics_has_line(text, R"(seeder_http_requests_total{route="file",status="404"} 1)"))
      << text;
  EXPECT_TRUE(
      http_metrics_has_line(text, R"(seeder_http_requests_total{route="torrent",status="200"} 1)"))
      << text;
  EXPECT_TRUE(http_metrics_has_line(text, R"(seeder_http_response_bytes_total{route="file"} 2010)"))
      << text;
  EXPECT_TRUE(http_metrics_has_line(text, R"(seeder_http_response_bytes_total{route="torrent"} 5)"))
      << text;
}

TEST(HttpMetricsTest, TheTimeToFirstByteIsObservedInSecondsAndInMilliseconds) {
  MetricSet set;
  HttpMetrics http(set);
  http.on_first_byte(std::chrono::milliseconds(40));
  const auto text = set.render();
  EXPECT_TRUE(
      http_metrics_has_line(text, R"(seeder_http_time_to_first_byte_seconds_bucket{le="0.025"} 0)"))
      << text;
  EXPECT_TRUE(
      http_metrics_has_line(text, R"(seeder_http_time_to_first_byte_seconds_bucket{le="0.05"} 1)"))
      << text;
  EXPECT_TRUE(http_metrics_has_line(text, "seeder_http_time_to_first_byte_seconds_count 1"))
      << text;
  // The reference gateway's histogram, in milliseconds from 50 ms up.
  EXPECT_TRUE(
      http_metrics_has_line(text, R"(torrent_web_seeder_time_to_first_byte_ms_bucket{le="50"} 1)"))
      << text;
  EXPECT_TRUE(http_metrics_has_line(text, "torrent_web_seeder_time_to_first_byte_ms_sum 40"))
      << text;
  EXPECT_TRUE(http_metrics_has_line(text, "torrent_web_seeder_time_to_first_byte_ms_count 1"))
      << text;
}

}  // namespace
}  // namespace seeder::metrics
