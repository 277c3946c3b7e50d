#pragma once
// InterestKeeper: what one connection to a seed should be told about our interest beyond what
// libtorrent tells it (the peer plugin, torrent_plugin.cpp, sends it; docs/ARCHITECTURE.md,
// "libtorrent says NOT_INTERESTED"). Pure logic, the clock passed in; owned by the plugin and
// called on libtorrent's network thread only.
//
// - While libtorrent wants nothing from the seed but the torrent keeps interest, the seed hears
//   INTERESTED from us, once; when the torrent stops keeping interest, NOT_INTERESTED.
// - A libtorrent seed drops a peer it has unchoked that asks for nothing for 60 s, counted from
//   its last unchoke, request or payload on the connection. After kRefreshAfter of that on an
//   unchoked connection, a kept interest is said again (NOT_INTERESTED, then INTERESTED): the
//   seed chokes and re-unchokes us, which restarts its count.
// - Whatever libtorrent says itself wins: after its INTERESTED or NOT_INTERESTED the seed has
//   heard libtorrent last.

#include <chrono>

namespace seeder::torrent {

class InterestKeeper {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kRefreshAfter{45};

  enum class Say { nothing, interested, not_interested, not_interested_then_interested };
  struct Connection {
    bool libtorrent_interested = false;
    bool established = false;  // past the handshake and not disconnecting
    bool seed = false;
    bool peer_choked = true;  // the seed chokes us
  };

  // libtorrent sent INTERESTED or NOT_INTERESTED itself.
  void libtorrent_spoke() { announced_ = false; }
  // What restarts the seed's count: it unchoked us or sent payload, or we sent a request.
  void seed_active(Clock::time_point now) { seed_active_ = now; }
  // What to send now, given the connection and whether the torrent keeps interest.
  Say reconcile(const Connection& connection, bool keeps_interest, Clock::time_point now);
  [[nodiscard]] bool announced() const { return announced_; }

 private:
  bool announced_ = false;  // the seed heard INTERESTED from us, and libtorrent has not spoken
  Clock::time_point seed_active_ = Clock::now();
};

}  // namespace seeder::torrent
