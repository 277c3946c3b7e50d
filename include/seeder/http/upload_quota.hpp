#pragma once
// UploadQuota: how many torrents may be added (POST /), in all and by each client, in bytes,
// and how fast, so that uploads cannot fill the disk or the memory (10,000 uploads were taken
// in 4.7 s; 40 of 10 MB took RSS from 32 MB to 820 MB), and one client cannot use up what the
// others may add. Totals count this run's uploads. A client is its address as the connection
// shows it.
//
// Pure logic, the clock passed in; not thread-safe (GatewayContent locks it).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "seeder/core/result.hpp"

namespace seeder::http {

class UploadQuota {
 public:
  using Clock = std::chrono::steady_clock;
  // A total, and how fast it may be reached: `per_second` sustained after a burst of `burst`.
  struct Share {
    std::size_t torrents = 0;
    std::uint64_t bytes = 0;
    double per_second = 0;
    int burst = 0;
  };
  struct Limits {
    Share all{1'000, 256ull << 20, 2.0, 10};
    Share per_client{100, 32ull << 20, 0.5, 5};
  };

  explicit UploadQuota(Limits limits);

  // Why `client`'s upload of `bytes` may not be taken now (Errc::too_many_requests: later;
  // Errc::forbidden: a total is reached); nullopt when it may, and it is counted.
  std::optional<Error> take(std::string_view client, std::uint64_t bytes, Clock::time_point now);
  // The upload was not kept after all (bytes that are no torrent, a save that failed); a
  // torrent known already counts.
  void give_back(std::string_view client, std::uint64_t bytes);

  // Clients remembered: those with an upload counted, and up to kMaxIdleClients whose uploads
  // were all given back (their rate still holds: bad uploads cost a parse each).
  [[nodiscard]] std::size_t clients() const { return clients_.size(); }
  static constexpr std::size_t kMaxIdleClients = 4'096;

 private:
  struct Use {
    std::size_t torrents = 0;
    std::uint64_t bytes = 0;
    double tokens = 0;
    std::optional<Clock::time_point> refilled;

    void refill(const Share& share, Clock::time_point now);
    [[nodiscard]] std::optional<Error> refuses(const Share& share, std::uint64_t more,
                                               const char* whose) const;
    void count(std::uint64_t more);
    void uncount(std::uint64_t less);
  };

  // Forgets clients with nothing counted once there are too many of them.
  void forget_idle();

  Limits limits_;
  Use all_;
  std::unordered_map<std::string, Use> clients_;
};

}  // namespace seeder::http
