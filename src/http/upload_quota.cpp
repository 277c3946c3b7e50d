#include "seeder/http/upload_quota.hpp"

#include <algorithm>

#include "seeder/core/units.hpp"

namespace seeder::http {

UploadQuota::UploadQuota(Limits limits) : limits_(limits) {
  all_.tokens = limits_.all.burst;
}

void UploadQuota::Use::refill(const Share& share, Clock::time_point now) {
  if (refilled) {
    const std::chrono::duration<double> elapsed = now - *refilled;
    tokens = std::min<double>(share.burst, tokens + elapsed.count() * share.per_second);
  }
  refilled = now;
}

std::optional<Error> UploadQuota::Use::refuses(const Share& share, std::uint64_t more,
                                               const char* whose) const {
  if (torrents >= share.torrents || bytes + more > share.bytes) {
    return make_error(Errc::forbidden, std::string("this gateway takes at most ") +
                                           std::to_string(share.torrents) + " uploaded torrents (" +
                                           format_size(share.bytes) + ") " + whose + " per run");
  }
  if (tokens < 1.0)
    return make_error(Errc::too_many_requests,
                      std::string("too many uploads ") + whose + "; try again");
  return std::nullopt;
}

void UploadQuota::Use::count(std::uint64_t more) {
  tokens -= 1.0;
  ++torrents;
  bytes += more;
}

void UploadQuota::Use::uncount(std::uint64_t less) {
  if (torrents > 0) --torrents;
  bytes -= std::min(bytes, less);
}

std::optional<Error> UploadQuota::take(std::string_view client, std::uint64_t bytes,
                                       Clock::time_point now) {
  all_.refill(limits_.all, now);
  // A client not counted yet has its whole burst: the entry is made only once it is taken.
  Use fresh;
  fresh.tokens = limits_.per_client.burst;
  const auto known = clients_.find(std::string(client));
  Use& mine = known != clients_.end() ? known->second : fresh;
  mine.refill(limits_.per_client, now);
  if (auto refused = mine.refuses(limits_.per_client, bytes, "from one address")) return refused;
  if (auto refused = all_.refuses(limits_.all, bytes, "in all")) return refused;
  all_.count(bytes);
  mine.count(bytes);
  if (known == clients_.end()) {
    forget_idle();
    clients_.emplace(std::string(client), fresh);
  }
  return std::nullopt;
}

void UploadQuota::give_back(std::string_view client, std::uint64_t bytes) {
  all_.uncount(bytes);
  const auto known = clients_.find(std::string(client));
  if (known == clients_.end()) return;
  known->second.uncount(bytes);
}

// Clients with something counted are at most all.torrents: a sweep frees most of the map.
void UploadQuota::forget_idle() {
  if (clients_.size() < limits_.all.torrents + kMaxIdleClients) return;
  for (auto it = clients_.begin(); it != clients_.end();)
    it = it->second.torrents == 0 ? clients_.erase(it) : std::next(it);
}

}  // namespace seeder::http
