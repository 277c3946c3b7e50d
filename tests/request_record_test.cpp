// http/request_record: the one line and the metrics a request leaves when it ends, and the one
// line for a body cut short (an error level for what is ours to fix, a warning for the swarm's).
#include "../src/http/request_record.hpp"

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "seeder/metrics/metrics.hpp"

namespace seeder::http {
namespace {

// Captures the default logger's lines at debug level while it lives.
class RequestRecordLog {
 public:
  RequestRecordLog() : level_(spdlog::get_level()) {
    sink_->set_pattern("%l %v");
    spdlog::default_logger()->sinks().push_back(sink_);
    spdlog::set_level(spdlog::level::debug);
  }
  ~RequestRecordLog() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::find(sinks.begin(), sinks.end(), sink_));
    spdlog::set_level(level_);
  }
  RequestRecordLog(const RequestRecordLog&) = delete;
  RequestRecordLog& operator=(const RequestRecordLog&) = delete;
  [[nodiscard]] std::vector<std::string> lines() const { return sink_->last_formatted(); }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_ =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  spdlog::level::level_enum level_;
};

RequestRecord request_record_of(std::string method, std::string target, std::string range) {
  RequestRecord record;
  record.head.method = std::move(method);
  record.head.target = std::move(target);
  record.head.range = std::move(range);
  record.started = RequestRecord::Clock::now();
  return record;
}

bool request_record_has_line(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(RequestRecordTest, AnAnsweredRequestIsCountedByRouteAndStatusWithItsBytes) {
  metrics::MetricSet set;
  metrics::HttpMetrics http(set);
  auto record = request_record_of("GET", "/x", "");
  record.route = "file";
  record.status = 206;
  record.log(&http, 1234, false);
  const auto text = set.render();
  EXPECT_TRUE(
      request_record_has_line(text, "seeder_http_requests_total{route=\"file\",status=\"206\"} 1"))
      << text;
  EXPECT_TRUE(
      request_record_has_line(text, "seeder_http_response_bytes_total{route=\"file\"} 1234"))
      << text;
}

TEST(RequestRecordTest, ARequestNeverAnsweredIsNotCounted) {
  metrics::MetricSet set;
  metrics::HttpMetrics http(set);
  auto record = request_record_of("GET", "/x", "");
  record.log(&http, 0, true);
  EXPECT_EQ(set.render().find("seeder_http_requests_total{"), std::string::npos) << set.render();
  record.log(nullptr, 0, true);  // and no metrics at all is fine
}

TEST(RequestRecordTest, TheLineSaysTheRequestItsStatusAndWhetherItWasCutShort) {
  RequestRecordLog log;
  auto record = request_record_of("GET", "/h/a.mkv", "bytes=0-9");
  record.status = 206;
  record.log(nullptr, 10, true);
  auto whole = request_record_of("HEAD", "/h/", "");
  whole.status = 200;
  whole.log(nullptr, 0, false);
  RequestRecord unread;  // nothing was read: no line
  unread.log(nullptr, 0, false);
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].starts_with("debug GET /h/a.mkv bytes=0-9 206 10 bytes, head after "))
      << lines[0];
  EXPECT_NE(lines[0].find(" (incomplete)"), std::string::npos) << lines[0];
  EXPECT_TRUE(lines[1].starts_with("debug HEAD /h/ 200 0 bytes, ")) << lines[1];
  EXPECT_EQ(lines[1].find("incomplete"), std::string::npos) << lines[1];
}

TEST(RequestRecordTest, ABodyCutShortIsAnErrorWhenOursAndAWarningWhenTheSwarmsOrNoneWhenCancelled) {
  RequestRecordLog log;
  const auto record = request_record_of("GET", "/h/a.mkv", "");
  record.log_failure(make_error(Errc::io, "pread failed"), 100);
  record.log_failure(make_error(Errc::timeout, "no peer delivered"), 200);
  record.log_failure(make_error(Errc::unavailable, "shutting down"), 300);
  record.log_failure(make_error(Errc::cancelled, "client left"), 400);
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "error GET /h/a.mkv: response cut short after 100 bytes: pread failed\n");
  EXPECT_EQ(lines[1],
            "warning GET /h/a.mkv: response cut short after 200 bytes: no peer delivered\n");
  EXPECT_TRUE(lines[2].starts_with("warning ")) << lines[2];
}

}  // namespace
}  // namespace seeder::http
