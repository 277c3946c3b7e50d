#pragma once
// Session: the process's one libtorrent session, configured for streaming, and the alert pump
// that drains its alerts on one strand and hands each to the subscribers.
//
// Threads: libtorrent runs its own network thread. Alerts are popped and dispatched on
// `alert_executor` (a strand); subscribers must return quickly and never block.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <libtorrent/fwd.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>

#include "seeder/core/log_limiter.hpp"

namespace seeder::torrent {

struct SessionOptions {
  std::string listen_interfaces = "0.0.0.0:6881,[::]:6881";
  bool dht = true;
  bool lsd = true;
  bool upnp = true;
  bool natpmp = true;
  bool outgoing_utp = false;
  std::string dht_bootstrap_nodes;  // empty keeps libtorrent's default routers
  std::string user_agent = "seeder/0.1";
  int connections_limit = 400;
  // The wait before re-requesting a block from a peer that sits on it. Short for streaming: a
  // stalled peer should not hold the piece under the reader's cursor for libtorrent's 60 s.
  std::chrono::seconds request_timeout{10};
  std::chrono::seconds piece_timeout{5};
  std::chrono::milliseconds tick_interval{100};
  // Every message to and from every peer, logged at debug level (libtorrent's peer log): for
  // finding out why a swarm is slow. Very verbose.
  bool peer_log = false;
  // Peers on the gateway's own side of the network (non_public_ranges) are refused to torrents
  // added with libtorrent's apply_ip_filter flag: strangers' (uploads, magnets). The operator's
  // torrents clear it (SessionLink). Off with --allow-private-peers.
  bool filter_private_peers = false;
};

// The libtorrent settings seeder runs with (exposed so benchmarks can give a plain client the
// same ones and measure only what the gateway adds).
libtorrent::settings_pack streaming_settings(const SessionOptions& options);

class Session {
 public:
  using AlertListener = std::function<void(const libtorrent::alert&)>;

  // `disk_io` empty means libtorrent's default disk backend.
  Session(const SessionOptions& options, boost::asio::any_io_executor alert_executor,
          libtorrent::disk_io_constructor_type disk_io = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Subscribers are called for every alert, on the alert strand, in subscription order.
  // Subscribe before start().
  void subscribe(AlertListener listener);
  void start();
  // Stops dispatching alerts and shuts the session down, waiting for its threads.
  void stop();

  libtorrent::session& native() { return *session_; }
  // The TCP port libtorrent listens on for peers (0 until listening).
  [[nodiscard]] int listen_port() const;

 private:
  struct PumpState;
  // The alert notify callback, on a libtorrent thread: schedules one AlertDrain. Named (not a
  // lambda of start()) so that tests/tsan.supp can name it alone: libtorrent calls it under
  // locks ThreadSanitizer cannot see, while the drains and the handlers they run are checked.
  struct AlertNotify {
    std::shared_ptr<PumpState> pump;
    boost::asio::any_io_executor executor;
    Session* session;
    void operator()() const;
  };
  // One drain of the alert queue, on the alert strand.
  struct AlertDrain {
    std::shared_ptr<PumpState> pump;
    Session* session;
    void operator()() const;
  };
  void drain_alerts(PumpState& pump);

  boost::asio::any_io_executor alert_executor_;
  std::unique_ptr<libtorrent::session> session_;
  std::vector<AlertListener> listeners_;
  std::shared_ptr<PumpState> pump_;  // shared with the notify callback, outlives it
  LogLimiter listen_log_;            // listen/accept failures, which repeat without bound
};

}  // namespace seeder::torrent
