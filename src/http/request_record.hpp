#pragma once
// RequestRecord: what a Connection knows of the request in progress (internal to the http
// module), and the one debug line and the metrics it leaves when it ends. Owned by its connection
// and used on its strand.

#include <chrono>
#include <cstdint>

#include "seeder/core/result.hpp"
#include "seeder/http/reply.hpp"
#include "seeder/metrics/http_metrics.hpp"

namespace seeder::http {

struct RequestRecord {
  using Clock = std::chrono::steady_clock;

  RequestHead head;  // empty until a request was read
  Clock::time_point started;
  Clock::duration answered_after{};  // read → response head decided
  unsigned status = 0;               // 0 until answered
  const char* route = "invalid";     // metrics label

  // Counts the response in `metrics` (optional) and logs its line; `incomplete` when it was cut
  // short before its body was all sent.
  void log(metrics::HttpMetrics* metrics, std::uint64_t body_bytes, bool incomplete) const;
  // A failure after the status line left (the body is cut short): said here, once.
  void log_failure(const Error& error, std::uint64_t body_bytes) const;
};

}  // namespace seeder::http
