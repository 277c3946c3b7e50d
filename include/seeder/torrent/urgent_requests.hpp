#pragma once
// UrgentRequests: extra block requests of our own for the pieces readers need next, so that
// neither a slow seed nor libtorrent's request pipeline decides how long a reader waits.
//
// libtorrent sizes each connection's pipeline from its download rate of the last seconds (at
// least two blocks): after a pause every seed is asked for two blocks per round trip, and a
// 1 MiB seek on a 60 ms swarm took five round trips. It gives a block to one connection, and asks
// another only in its end game, one block at a time: a reader's piece held by a seed out of
// upload quota waited for that seed's next tick. A libtorrent peer accepts a block it did not
// ask for and writes it like any other (the first copy wins, the hash still checks it), so this
// board asks seeds itself:
// - a block of an urgent piece nobody has asked for goes to a connection with room in its
//   pipeline (room: what it delivers in two of its round trips at its measured rate);
// - a block asked of a connection that has not delivered yet (a fresh one), that is overdue, or
//   that another connection would deliver sooner by a margin gets one more copy elsewhere;
// - never more than two copies in flight that are not overdue, three in all; our copies on a
//   connection are held to its room, whatever libtorrent has queued there.
// The bytes wasted are bounded by those copies; behind libtorrent's deep queue of a download
// at full speed a copy would come no sooner, so such a download is left alone.
//
// Threads: libtorrent's network thread only (the torrent's peer plugins call in); not
// thread-safe. Connections are the peer plugins, registered while connected.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace seeder::torrent {

// What every torrent's board did, for the metrics: written on the network thread, read on any.
struct UrgentTally {
  std::atomic<std::uint64_t> sent{0};  // our requests (each a block asked beyond libtorrent's)
  std::atomic<std::uint64_t> won{0};   // of those, blocks whose first copy came from them
};

class UrgentRequests {
 public:
  using Clock = std::chrono::steady_clock;
  using Time = Clock::time_point;

  // One peer connection, as the board sees it.
  class Connection {
   public:
    virtual ~Connection() = default;
    // Whether the peer would serve a request for `piece` now: connected, has it, and unchokes
    // us (or lets us have it while choked: allowed fast).
    [[nodiscard]] virtual bool can_serve(int piece) const = 0;
    virtual void send_request(int piece, int offset, int length) = 0;
    // Whether the peer rejects each request it drops, a choke's included (the fast extension,
    // BEP 6): then a choke drops nothing by itself.
    [[nodiscard]] virtual bool rejects_what_it_drops() const { return false; }
  };

  struct Layout {
    std::int64_t piece_length = 0;
    std::int64_t total_size = 0;
  };
  // libtorrent's block: 16 KiB, or the whole piece when pieces are smaller.
  static constexpr int kBlockSize = 16 * 1024;

  UrgentRequests(Layout layout, std::shared_ptr<UrgentTally> tally);

  void add(Connection& connection);
  void remove(Connection& connection);

  // What passed on a connection: a request sent (libtorrent's), a block received, a request
  // cancelled or rejected (nothing more of that piece is asked of it until it unchokes us),
  // a choke (it drops what was asked, unless it rejects what it drops), an unchoke. A seed
  // chokes a peer that says NOT_INTERESTED and unchokes it at its INTERESTED: asks sent after
  // those reach it unchoked, and forgotten at its CHOKE they were asked again, in duplicate.
  void asked(Connection& connection, int piece, int offset, Time now);
  void arrived(Connection& connection, int piece, int offset, Time now);
  void dropped(Connection& connection, int piece, int offset);
  void rejected(Connection& connection, int piece, int offset);
  void choked(Connection& connection);
  void unchoked(Connection& connection);
  // The piece passed its hash check (nothing of it is needed) or failed it (all of it is).
  void piece_done(int piece);

  // Sends the requests that bring `urgent` (pieces not had, most urgent first) soonest; says
  // when a decision may change without any event (a copy falling overdue), if it may.
  std::optional<Time> request(const std::vector<int>& urgent, Time now);

 private:
  struct Ask {
    int piece;
    int block;
    Time at;
    bool ours;           // sent by this board, not by libtorrent
    bool first_in_line;  // asked of an idle connection: its wait was one round trip
  };
  struct Link {
    std::deque<Ask> asks;           // in the order asked: a peer answers in that order
    std::int64_t queued_bytes = 0;  // all asks open there
    std::int64_t our_bytes = 0;     // ours among them
    double rate = 0;  // bytes/s, a moving average of 50 ms windows; 0: not measured yet
    std::optional<Clock::duration> rtt;
    std::optional<Time> last_arrival;
    // The current measuring window: bytes since `window_start`, while the link stays busy.
    std::optional<Time> window_start;
    std::int64_t window_bytes = 0;
    std::vector<int> refused;  // pieces it rejected since it last unchoked us
  };
  using BlockKey = std::uint64_t;
  static BlockKey key(int piece, int block) {
    return (static_cast<BlockKey>(static_cast<std::uint32_t>(piece)) << 32) |
           static_cast<std::uint32_t>(block);
  }

  [[nodiscard]] int block_size() const;
  [[nodiscard]] int blocks_in(int piece) const;
  [[nodiscard]] int block_length(int piece, int block) const;
  [[nodiscard]] bool valid(int piece, int offset) const;
  // An ask of `connection`, libtorrent's or ours, enters its queue and the block's holders.
  void record_ask(Connection& connection, Link& link, int piece, int block, Time now, bool ours);
  static std::deque<Ask>::iterator find_ask(Link& link, int piece, int block);
  void forget_ask(Connection& connection, Link& link, int piece, int block);
  void forget_all_asks(Connection& connection, Link& link);
  void measure(Link& link, std::int64_t bytes, Time now);
  [[nodiscard]] Clock::duration rtt_of(const Link& link) const {
    return link.rtt.value_or(nearest_rtt_);
  }
  // The nearest round trip measured on any connection: a fresh one is taken to be as near.
  void update_nearest_rtt();
  [[nodiscard]] double rate_of(const Link& link) const;
  [[nodiscard]] std::int64_t room(const Link& link, bool copy) const;
  // When the block asked of `connection` is expected; none if it is not asked there.
  [[nodiscard]] std::optional<Time> expected(const Link& link, int piece, int block) const;
  // Whether it has ever delivered a block.
  [[nodiscard]] static bool proven(const Link& link) { return link.last_arrival.has_value(); }
  // When a block due at `due` from `link` is late enough to count as lost.
  [[nodiscard]] Time overdue_at(const Link& link, Time due) const;
  // Whether one more copy of the block should go out, given who holds it now.
  [[nodiscard]] bool wants_copy(const std::vector<Connection*>& holders, int piece, int block,
                                Time best_eta, Time now, std::optional<Time>& recheck) const;
  void send(Connection& connection, Link& link, int piece, int block, Time now);
  // The connection that would deliver the block first and has room for it; null if none.
  std::pair<Connection*, Link*> best_for(const std::vector<Connection*>& holders, int piece,
                                         int length, Time now, Time& eta);
  void forget_lost_asks(Time now);
  std::vector<bool>& received(int piece);

  Layout layout_;
  std::map<Connection*, Link> links_;
  std::unordered_map<BlockKey, std::vector<Connection*>> holders_;  // outstanding asks
  std::unordered_map<int, std::vector<bool>> received_;             // pieces in flight
  std::deque<int> received_order_;  // the pieces of received_, oldest first: a cap on them
  Clock::duration nearest_rtt_;
  std::shared_ptr<UrgentTally> tally_;
};

}  // namespace seeder::torrent
