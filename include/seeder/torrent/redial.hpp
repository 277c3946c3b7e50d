#pragma once
// Redial: whether a torrent that lost its peers should dial them again now, as pure logic (no
// libtorrent, no lock, the clock passed in).
//
// With a cache budget a torrent that wants nothing is "finished" to libtorrent, and seeds hang up
// on it. When a reader then wants a piece and no peer is connected, pausing and resuming the
// torrent (PiecePicker::kick) is libtorrent's one public way to dial its known peers at once.
// Only a torrent that had peers and lost them is redialled: a fresh one is dialling already, and
// a kick would drop those half-open connections (and reset libtorrent's counters).
//
// Owned by LiveTorrent: peer_connected() comes from libtorrent's network thread (atomic), the
// rest under LiveTorrent's lock.

#include <atomic>
#include <chrono>

namespace seeder::torrent {

class Redial {
 public:
  using Clock = std::chrono::steady_clock;
  // At most one kick in this long: a torrent whose peers all refuse it must not spin.
  static constexpr std::chrono::milliseconds kMinGap{200};
  // A redial still needed this long after the last kick is asked for again: a kick can land
  // before a new handle dials anyone, or be rate-limited away, and nothing else asks again (seen
  // once under ASan: a reader after a resync waited its whole piece timeout with no peer).
  static constexpr std::chrono::milliseconds kRetryAfter{1000};

  // A peer connected (libtorrent's network thread).
  void peer_connected() { had_peers_ = true; }

  // Whether a torrent that wants pieces (`wants`) with `peers` connected should be redialled.
  [[nodiscard]] bool needed(bool wants, int peers) const {
    return wants && peers == 0 && had_peers_;
  }
  // Whether a kick may go out now; if so it is counted as sent.
  bool may_kick(Clock::time_point now);
  // Whether a redial that is still needed should be asked for again now.
  [[nodiscard]] bool retry_due(Clock::time_point now) const {
    return now - last_kick_ >= kRetryAfter;
  }

 private:
  std::atomic<bool> had_peers_{false};
  Clock::time_point last_kick_{};
};

}  // namespace seeder::torrent
