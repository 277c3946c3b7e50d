#pragma once
// The two event streams behind Progress: StatsStream (?stats) and WarmupStream (?warmup).
// Each polls on a timer of its connection's strand; neither holds a thread while it waits.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "seeder/core/event_stream.hpp"
#include "seeder/torrent/live_torrent.hpp"
#include "seeder/torrent/progress.hpp"
#include "seeder/torrent/selection.hpp"

namespace seeder::torrent {

// Timer plumbing shared by both streams: frames queue up, async_next takes them one by one,
// tick() is called whenever the timer fires until the stream ends.
class PolledStream : public EventStream, public std::enable_shared_from_this<PolledStream> {
 public:
  explicit PolledStream(boost::asio::any_io_executor executor);
  void async_next(NextHandler handler) final;
  void cancel() final;

 protected:
  using Clock = std::chrono::steady_clock;
  // First call: queue the opening frame(s). Returns when the stream should next tick.
  virtual Clock::time_point start(Clock::time_point now) = 0;
  // Queue frames that are due; returns the next tick.
  virtual Clock::time_point tick(Clock::time_point now) = 0;
  void push(std::string frame) { frames_.push_back(std::move(frame)); }
  void end() { ended_ = true; }

 private:
  void arm();
  void deliver();

  boost::asio::any_io_executor executor_;
  boost::asio::steady_timer timer_;
  std::deque<std::string> frames_;
  NextHandler waiting_;
  Clock::time_point next_tick_;
  bool started_ = false;
  bool ended_ = false;
  bool cancelled_ = false;
};

// ?stats: `id`/`event: statupdate`/`data: <json>` frames when something changed, pings every
// ping_interval, a final frame when the selection is complete (then the stream ends).
class StatsStream final : public PolledStream {
 public:
  StatsStream(std::shared_ptr<LiveTorrent> torrent, Selection selection,
              boost::asio::any_io_executor executor, ProgressOptions options);

 private:
  Clock::time_point start(Clock::time_point now) override;
  Clock::time_point tick(Clock::time_point now) override;
  struct Snapshot {
    std::uint64_t total = 0;
    std::uint64_t completed = 0;
    LiveTorrent::SwarmStatus swarm;
    int status = 0;
  };
  void poll();
  std::vector<std::size_t> changed_pieces();
  std::string statupdate(const Snapshot& now, const std::vector<std::size_t>& changed,
                         std::size_t& next) const;
  std::string event(std::string_view name, std::string_view data);

  std::shared_ptr<LiveTorrent> torrent_;
  Selection selection_;
  ProgressOptions options_;
  std::vector<Interval> intervals_;
  std::vector<int> pieces_;         // of the selection, ascending
  int position_base_ = 0;           // subtracted from piece indices (a file's pieces count from 0)
  std::vector<std::uint8_t> sent_;  // per entry of pieces_: what the client last saw
  std::uint64_t id_ = 0;
  bool first_ = true;
  struct Totals {
    std::uint64_t completed = 0;
    int peers = 0;
    int seeds = 0;
    int status = 0;
    bool operator==(const Totals&) const = default;
  };
  Totals last_totals_;
  Clock::time_point started_at_, next_check_, next_ping_;
};

// ?warmup: `have:`/`span:`/`data:` frames at once and every warmup_interval until every byte
// of the range is verified, the timeout passes or the torrent goes away.
class WarmupStream final : public PolledStream {
 public:
  // `verified` tells which pieces are on disk; `torrent` (null when the range was complete on
  // disk already) is kept alive against the idle TTL.
  WarmupStream(MetaPtr meta, std::vector<Interval> range, std::function<bool(int)> verified,
               std::shared_ptr<LiveTorrent> torrent, boost::asio::any_io_executor executor,
               ProgressOptions options);

 private:
  Clock::time_point start(Clock::time_point now) override;
  Clock::time_point tick(Clock::time_point now) override;
  void report();

  MetaPtr meta_;
  std::vector<Interval> range_;
  std::uint64_t length_ = 0;
  std::vector<int> pieces_;
  std::function<bool(int)> verified_;
  std::shared_ptr<LiveTorrent> torrent_;
  ProgressOptions options_;
  Clock::time_point deadline_;
};

}  // namespace seeder::torrent
