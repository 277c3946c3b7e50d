#pragma once
// A BitTorrent HTTP tracker on 127.0.0.1 for tests and benchmarks: peers are found through it
// as in a real swarm, not dialled by hand. Every announcer is taken to be on 127.0.0.1 at the
// port it announces; answers are compact peer lists (BEP 23) without the announcer itself.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "mini_http_server.hpp"

namespace seeder::test {

class Tracker {
 public:
  Tracker();
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  // "http://127.0.0.1:<port>/announce" (libtorrent only announces to a loopback tracker whose
  // path is /announce: its SSRF mitigation).
  [[nodiscard]] std::string announce_url() const;
  [[nodiscard]] std::uint16_t port() const { return server_.port(); }
  // Announces received so far, over every torrent.
  [[nodiscard]] int announces() const;
  // Ports of the peers announced for the torrent with this raw 20-byte info-hash.
  [[nodiscard]] std::set<std::uint16_t> peers(const std::string& raw_info_hash) const;
  // A peer announcing `port` sits behind something listening on `advertised` (a delay proxy):
  // others are given `advertised`, and it is given no peer (it only answers, it never dials).
  void hide_behind(std::uint16_t port, std::uint16_t advertised);
  // While held, announces wait for release() (10 s at most) before they are answered: a test
  // sets up what a client wants before it can reach any peer.
  void hold();
  void release();

 private:
  MiniResponse answer(const std::string& target);

  mutable std::mutex mutex_;
  std::condition_variable released_;
  bool held_ = false;                                      // guarded by mutex_
  std::map<std::string, std::set<std::uint16_t>> swarms_;  // guarded by mutex_
  std::map<std::uint16_t, std::uint16_t> advertised_;      // guarded by mutex_
  int announces_ = 0;                                      // guarded by mutex_
  MiniHttpServer server_;  // last: its thread calls answer() until it is destroyed
};

}  // namespace seeder::test
