#pragma once
// UploadQuota: how many torrents anyone who reaches the port may add (POST /), in all, in
// bytes, and how fast, so that uploads cannot fill the disk or the memory (10,000 uploads were
// taken in 4.7 s; 40 of 10 MB took RSS from 32 MB to 820 MB). Totals count this run's uploads.
//
// Pure logic, the clock passed in; not thread-safe (GatewayContent locks it).

#include <chrono>
#include <cstdint>
#include <optional>

#include "seeder/core/result.hpp"

namespace seeder::http {

class UploadQuota {
 public:
  using Clock = std::chrono::steady_clock;
  struct Limits {
    std::size_t max_torrents = 1'000;
    std::uint64_t max_bytes = 256ull << 20;
    double per_second = 2.0;  // sustained, after a burst of `burst`
    int burst = 10;
  };

  explicit UploadQuota(Limits limits) : limits_(limits), tokens_(limits.burst) {}

  // Why an upload of `bytes` may not be taken now (Errc::too_many_requests: later;
  // Errc::forbidden: the totals are reached); nullopt when it may, and it is counted.
  std::optional<Error> take(std::uint64_t bytes, Clock::time_point now);
  // The upload was not kept after all (bytes that are no torrent, a save that failed); a
  // torrent known already counts.
  void give_back(std::uint64_t bytes);

 private:
  Limits limits_;
  double tokens_;
  std::optional<Clock::time_point> refilled_;
  std::size_t torrents_ = 0;
  std::uint64_t bytes_ = 0;
};

}  // namespace seeder::http
