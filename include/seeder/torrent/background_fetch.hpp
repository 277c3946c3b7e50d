#pragma once
// BackgroundFetch: without a cache budget, the files that have been read are finished behind
// their readers, so a later seek inside them is a disk read. This is its pacing, as pure logic
// (no libtorrent, no lock, the clock passed in): which piece to hand libtorrent next, at its
// lowest priority, and when.
//
// - Pace: at most a quarter of the best download rate seen, and no less than 4 MiB/s. A
//   rate-limited seeder hands out upload quota once per tick; a download that drains it makes
//   every reader's next request wait for that tick (measured: seeks of 280-460 ms against a
//   500 ms tick while the whole file was fetched at full speed behind the readers).
// - At most two background pieces in flight: what a new reader's requests can queue behind;
//   at most one new piece a tick.
// - Nothing new while a reader waits for a piece.
// - Files in the order they were first read; pieces in file order; a finished file is dropped.
//
// Owned by LiveTorrent and called under its lock.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "seeder/torrent/meta.hpp"

namespace seeder::torrent {

class BackgroundFetch {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr double kMinRate = 4.0 * 1024 * 1024;  // bytes per second
  static constexpr std::size_t kMaxInFlight = 2;

  // `meta` must outlive this object: the files to finish are kept as pointers into it.
  explicit BackgroundFetch(const TorrentMeta& meta) : meta_(meta) {}

  // `file` (as meta() holds it) is to be finished, after those added before; once.
  void add_file(const FileInfo& file);
  // `file` is not to be finished after all (pieces in flight still come).
  void remove_file(const FileInfo& file);
  [[nodiscard]] bool has_files() const { return !files_.empty(); }

  // Background pieces handed to libtorrent and not yet seen had.
  [[nodiscard]] const std::set<int>& in_flight() const { return in_flight_; }
  [[nodiscard]] bool in_flight(int piece) const { return in_flight_.count(piece) != 0; }

  // The torrent's download rate, as libtorrent reports it (bytes per second).
  void observe_rate(std::int64_t download_rate) {
    peak_rate_ = std::max(peak_rate_, download_rate);
  }

  struct Tick {
    Clock::time_point now;
    std::function<bool(int piece)> have;      // verified
    std::function<bool(int piece)> may_take;  // nobody else wants it and libtorrent lacks it
    bool reader_waiting = false;
  };
  // About every 100 ms: forgets pieces now had and returns the piece to hand libtorrent now
  // (counted in flight from here), or -1.
  int pace(const Tick& tick);
  // A piece handed to libtorrent now, outside the pace (the allowance may go one piece below
  // zero, and the next ticks wait it out), within the cap on pieces in flight; -1 if none or
  // while in debt.
  int take_now(const std::function<bool(int piece)>& have,
               const std::function<bool(int piece)>& may_take);
  // A tick with nothing to pace (no file, torrent not ready): time passes, no allowance builds.
  void idle(Clock::time_point now) { last_tick_ = now; }

 private:
  int next_piece(const std::function<bool(int)>& may_take);
  // Pieces in flight now had are no longer in flight.
  void forget_had(const std::function<bool(int)>& have);

  const TorrentMeta& meta_;
  std::vector<const FileInfo*> files_;  // to finish, in order
  std::map<int, int> cursors_;          // file index -> next piece to look at
  std::set<int> in_flight_;
  double allowance_ = 0;  // bytes the pace allows now
  Clock::time_point last_tick_{};
  std::int64_t peak_rate_ = 0;
};

}  // namespace seeder::torrent
