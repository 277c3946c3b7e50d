#pragma once
// LogLimiter: one log line per interval for a message that can repeat without bound (a failing
// accept, a hostile client), and a count of what it held back so that the next line says so.
// One per call site, owned by whoever logs there. Thread-safe.

#include <chrono>
#include <cstdint>
#include <optional>

#include "seeder/core/mutex.hpp"

namespace seeder {

class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogLimiter(Clock::duration interval = std::chrono::seconds(10)) : interval_(interval) {}

  // When this occurrence may be logged: how many were held back since the last line.
  std::optional<std::uint64_t> admit(Clock::time_point now = Clock::now()) {
    LockGuard lock(mutex_);
    if (logged_once_ && now - last_ < interval_) {
      ++held_back_;
      return std::nullopt;
    }
    logged_once_ = true;
    last_ = now;
    const auto held = held_back_;
    held_back_ = 0;
    return held;
  }

 private:
  const Clock::duration interval_;
  Mutex mutex_;
  Clock::time_point last_ GUARDED_BY(mutex_);
  std::uint64_t held_back_ GUARDED_BY(mutex_) = 0;
  bool logged_once_ GUARDED_BY(mutex_) = false;
};

}  // namespace seeder
