#include "seeder/http/upload_quota.hpp"

#include <algorithm>
#include <string>

#include "seeder/core/units.hpp"

namespace seeder::http {

std::optional<Error> UploadQuota::take(std::uint64_t bytes, Clock::time_point now) {
  if (refilled_) {
    const std::chrono::duration<double> elapsed = now - *refilled_;
    tokens_ = std::min<double>(limits_.burst, tokens_ + elapsed.count() * limits_.per_second);
  }
  refilled_ = now;
  if (torrents_ >= limits_.max_torrents || bytes_ + bytes > limits_.max_bytes) {
    return make_error(Errc::forbidden,
                      "this gateway takes at most " + std::to_string(limits_.max_torrents) +
                          " uploaded torrents (" + format_size(limits_.max_bytes) + ") per run");
  }
  if (tokens_ < 1.0) return make_error(Errc::too_many_requests, "too many uploads; try again");
  tokens_ -= 1.0;
  ++torrents_;
  bytes_ += bytes;
  return std::nullopt;
}

void UploadQuota::give_back(std::uint64_t bytes) {
  if (torrents_ > 0) --torrents_;
  bytes_ -= std::min(bytes_, bytes);
}

}  // namespace seeder::http
