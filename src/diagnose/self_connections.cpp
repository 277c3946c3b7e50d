#include "self_connections.hpp"

namespace seeder::diagnose {
namespace lt = libtorrent;

void SelfConnections::on_listening(const lt::address& address, int port) {
  listen_ports_.insert(port);
  listen_addresses_.insert(address);
}

bool SelfConnections::on_disconnect(const lt::tcp::endpoint& peer, const lt::error_code& error) {
  if (error == lt::errors::self_connection) {
    ++dials_;
    seen_addresses_.insert(peer.address());
    self_.insert(peer);
    for (const auto& dialled : dropped_on_our_port_)  // the dialling end, if dropped first
      if (dialled.address() == peer.address()) self_.insert(dialled);
    return true;
  }
  if (listen_ports_.count(peer.port()) == 0) return false;
  if (dropped_on_our_port_.size() < 64) dropped_on_our_port_.push_back(peer);
  if (!ours(peer.address())) return false;
  self_.insert(peer);
  return true;
}

bool SelfConnections::ours(const lt::address& address) const {
  return address.is_loopback() || listen_addresses_.count(address) != 0 ||
         seen_addresses_.count(address) != 0;
}

}  // namespace seeder::diagnose
