#include "request_record.hpp"

#include <spdlog/spdlog.h>

#include "seeder/http/router.hpp"

namespace seeder::http {

void RequestRecord::log(metrics::HttpMetrics* metrics, std::uint64_t body_bytes,
                        bool incomplete) const {
  if (metrics != nullptr && status != 0) metrics->on_response(route, status, body_bytes);
  if (head.method.empty()) return;
  const auto to_ms = [](Clock::duration duration) {
    return static_cast<double>(
               std::chrono::duration_cast<std::chrono::microseconds>(duration).count()) /
           1000.0;
  };
  spdlog::debug("{} {}{}{} {} {} bytes, head after {:.1f} ms, {:.1f} ms{}", head.method,
                head.target, head.range.empty() ? "" : " ", head.range, status, body_bytes,
                to_ms(answered_after), to_ms(Clock::now() - started),
                incomplete ? " (incomplete)" : "");
}

void RequestRecord::log_failure(const Error& error, std::uint64_t body_bytes) const {
  if (error.code == Errc::cancelled) return;
  const auto code = status_for(error.code);
  const auto level =
      code >= 500 && code != 503 && code != 504 ? spdlog::level::err : spdlog::level::warn;
  spdlog::log(level, "{} {}: response cut short after {} bytes: {}", head.method, head.target,
              body_bytes, error.message);
}

}  // namespace seeder::http
