#include "seeder/torrent/redial.hpp"

namespace seeder::torrent {

bool Redial::may_kick(Clock::time_point now) {
  if (now - last_kick_ < kMinGap) return false;
  last_kick_ = now;
  return true;
}

}  // namespace seeder::torrent
