#pragma once
// DelayProxy: a TCP relay on 127.0.0.1 that makes a long link out of loopback. The kernel here
// has no netem, so the delay is added in user space: every byte read from one side is written
// to the other side no sooner than `one_way` after it arrived, in order, in both directions,
// with no cap on the rate. A new connection is relayed only one round trip (2 x one_way) after
// it was accepted, as the SYN / SYN-ACK of a real link would take: a client's first answer thus
// comes two round trips after its connect, as over the Internet.
//
// The relay connects to the target from `source_address` (127.0.0.2 by default), so a target
// that accepts peers only from there (SeedSession::only_reachable_from) is reachable through
// the proxy and nowhere else. TCP only: the gateway, the plain libtorrent client and peerflix
// connect out over TCP (the gateway's --outgoing-utp is off by default).
//
// What it does not model: each leg is plain loopback TCP, so TCP's own slow start and window
// limits over a long path are not there; the round trips BitTorrent's messages wait for are.
// A reset is passed on as a close.
//
// Threads: its own, running an io_context; constructed and destroyed on any one thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace seeder::bench {

class DelayProxy {
 public:
  DelayProxy(std::uint16_t target_port, std::chrono::milliseconds one_way,
             const std::string& source_address = "127.0.0.2");
  ~DelayProxy();
  DelayProxy(const DelayProxy&) = delete;
  DelayProxy& operator=(const DelayProxy&) = delete;

  // Where clients connect: 127.0.0.1:port().
  [[nodiscard]] std::uint16_t port() const;
  // Connections relayed so far (a check that the path was taken at all).
  [[nodiscard]] std::uint64_t connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace seeder::bench
