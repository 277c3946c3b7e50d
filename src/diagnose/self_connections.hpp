#pragma once
// SelfConnections: which "peers" of a diagnosis are ourselves (internal to the diagnose module).
// A tracker, the DHT or --peer can hand us our own address. libtorrent drops the accepting end
// with self_connection, whose remote address is then one of ours; the dialling end just sees
// the socket close, and is known by its port (one we listen on) at one of our addresses
// (loopback, a listen address, or one seen on an accepting end). Used on one thread.

#include <set>
#include <vector>

#include <libtorrent/address.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/socket.hpp>

namespace seeder::diagnose {

class SelfConnections {
 public:
  void on_listening(const libtorrent::address& address, int port);
  // A peer's disconnect: true when that peer was ourselves.
  bool on_disconnect(const libtorrent::tcp::endpoint& peer, const libtorrent::error_code& error);

  [[nodiscard]] bool is_self(const libtorrent::tcp::endpoint& peer) const {
    return self_.count(peer) != 0;
  }
  [[nodiscard]] int dials() const { return dials_; }  // self-connections libtorrent dropped

 private:
  [[nodiscard]] bool ours(const libtorrent::address& address) const;

  std::set<int> listen_ports_;
  std::set<libtorrent::address> listen_addresses_;
  std::set<libtorrent::address> seen_addresses_;  // on the accepting end of a self-dial
  std::vector<libtorrent::tcp::endpoint> dropped_on_our_port_;  // the first few
  std::set<libtorrent::tcp::endpoint> self_;
  int dials_ = 0;
};

}  // namespace seeder::diagnose
