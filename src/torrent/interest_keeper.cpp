#include "seeder/torrent/interest_keeper.hpp"

namespace seeder::torrent {

InterestKeeper::Say InterestKeeper::reconcile(const Connection& connection, bool keeps_interest,
                                              Clock::time_point now) {
  if (connection.libtorrent_interested || !connection.established) return Say::nothing;
  const bool keep = connection.seed && keeps_interest;
  const bool stale = announced_ && !connection.peer_choked && now - seed_active_ > kRefreshAfter;
  if (keep == announced_ && !(keep && stale)) return Say::nothing;
  const Say say = !keep        ? Say::not_interested
                  : announced_ ? Say::not_interested_then_interested
                               : Say::interested;
  announced_ = keep;
  if (keep) seed_active_ = now;  // the seed re-unchokes us on it, if it has a slot
  return say;
}

}  // namespace seeder::torrent
