#include "seeder/torrent/session.hpp"

#include <atomic>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/ip_filter.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/settings_pack.hpp>

#include "seeder/core/endpoint.hpp"
#include "seeder/core/mutex.hpp"

namespace seeder::torrent {
namespace {

// One line per peer message, stamped with libtorrent's own clock (the alert may be drained
// later): "peer 1.2.3.4:6881 -> t=12345.678 INTERESTED ...".
void log_peer_message(const lt::peer_log_alert& peer) {
  const char* direction = peer.direction == lt::peer_log_alert::incoming   ? "<-"
                          : peer.direction == lt::peer_log_alert::outgoing ? "->"
                                                                           : "--";
  const auto stamp = std::chrono::duration<double, std::milli>(peer.timestamp().time_since_epoch());
  spdlog::debug("peer {}:{} {} t={:.3f} {} {}", peer.endpoint.address().to_string(),
                peer.endpoint.port(), direction, stamp.count(), peer.event_type,
                peer.log_message());
}

}  // namespace

struct Session::PumpState {
  Mutex mutex;  // held by a drain and by stop(): the session is never reset mid-drain
  std::atomic<bool> stopped{false};
  std::atomic<bool> queued{false};  // a drain is posted and has not started yet
};

lt::settings_pack streaming_settings(const SessionOptions& options) {
  lt::settings_pack pack;
  pack.set_str(lt::settings_pack::listen_interfaces, options.listen_interfaces);
  pack.set_str(lt::settings_pack::user_agent, options.user_agent);
  pack.set_bool(lt::settings_pack::enable_dht, options.dht);
  pack.set_bool(lt::settings_pack::enable_lsd, options.lsd);
  pack.set_bool(lt::settings_pack::enable_upnp, options.upnp);
  pack.set_bool(lt::settings_pack::enable_natpmp, options.natpmp);
  if (!options.dht_bootstrap_nodes.empty()) {
    pack.set_str(lt::settings_pack::dht_bootstrap_nodes, options.dht_bootstrap_nodes);
  }
  auto alerts = lt::alert_category::status | lt::alert_category::error |
                lt::alert_category::storage |
                lt::alert_category::tracker;  // announces answered: LiveTorrent::tracker_summary
  if (options.peer_log) alerts |= lt::alert_category::peer_log | lt::alert_category::connect;
  pack.set_int(lt::settings_pack::alert_mask, alerts);
  // Resyncs and resumed torrents post one alert per piece; never drop them.
  pack.set_int(lt::settings_pack::alert_queue_size, 100'000);
  pack.set_int(lt::settings_pack::connections_limit, options.connections_limit);
  pack.set_int(lt::settings_pack::connection_speed, 100);
  pack.set_int(lt::settings_pack::request_timeout,
               static_cast<int>(options.request_timeout.count()));
  pack.set_int(lt::settings_pack::piece_timeout, static_cast<int>(options.piece_timeout.count()));
  pack.set_int(lt::settings_pack::peer_connect_timeout, 7);
  pack.set_int(lt::settings_pack::handshake_timeout, 7);
  pack.set_int(lt::settings_pack::tick_interval, static_cast<int>(options.tick_interval.count()));
  // Until a torrent has this many pieces libtorrent picks pieces at random among all it wants,
  // whatever their priority (peer_connection::picker_options: no rarest_first): a reader's
  // piece then waited behind a file end's or a visit's (seen with --log-peers: the tail's blocks
  // asked before piece 0's). Priority order from the first piece.
  pack.set_int(lt::settings_pack::initial_picker_threshold, 0);
  // Busy blocks get duplicate requests sooner: the reader under the cursor waits less.
  pack.set_bool(lt::settings_pack::strict_end_game_mode, false);
  // Streaming torrents are never queued behind others.
  pack.set_int(lt::settings_pack::active_downloads, -1);
  pack.set_int(lt::settings_pack::active_seeds, -1);
  pack.set_int(lt::settings_pack::active_limit, -1);
  // Tests and private swarms put several peers on one address.
  pack.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
  // A peer that closed on us (a seed drops a torrent that wants nothing) may be dialled again at
  // once when a reader wants something; failing peers are still dropped after max_failcount.
  pack.set_int(lt::settings_pack::min_reconnect_time, 0);
  // A torrent that has every piece it wants right now (with a cache budget, most of the time)
  // would otherwise drop its seeds, and redial them (on the once-a-second tick) at the next read.
  pack.set_bool(lt::settings_pack::close_redundant_connections, false);
  // uTP's delay-based congestion control yields to every other flow and crawls on fast links
  // (7 MiB/s against 300+ MiB/s over TCP on loopback): connect out over TCP unless asked.
  // Incoming uTP is still accepted.
  pack.set_bool(lt::settings_pack::enable_outgoing_utp, options.outgoing_utp);
  return pack;
}

Session::Session(const SessionOptions& options, boost::asio::any_io_executor alert_executor,
                 lt::disk_io_constructor_type disk_io)
    : alert_executor_(std::move(alert_executor)), pump_(std::make_shared<PumpState>()) {
  lt::session_params params(streaming_settings(options));
  if (disk_io) params.disk_io_constructor = std::move(disk_io);
  if (options.filter_private_peers) {
    for (const auto& range : non_public_ranges())
      params.ip_filter.add_rule(range.first, range.last, lt::ip_filter::blocked);
  }
  session_ = std::make_unique<lt::session>(std::move(params));
}

Session::~Session() {
  stop();
}

void Session::subscribe(AlertListener listener) {
  listeners_.push_back(std::move(listener));
}

// The notify callback runs on a libtorrent thread and must not call into libtorrent: it only
// schedules a drain on the alert strand. `queued` coalesces bursts into one drain.
void Session::AlertNotify::operator()() const {
  if (pump->stopped || pump->queued.exchange(true)) return;
  boost::asio::post(executor, AlertDrain{pump, session});
}

void Session::AlertDrain::operator()() const {
  pump->queued = false;
  session->drain_alerts(*pump);
}

void Session::start() {
  session_->set_alert_notify(AlertNotify{pump_, alert_executor_, this});
  boost::asio::post(alert_executor_, AlertDrain{pump_, this});
}

// `this` is only touched while the pump is not stopped, under the lock stop() also takes, so a
// drain posted before the session died never reaches a dead object.
void Session::drain_alerts(PumpState& pump) {
  LockGuard lock(pump.mutex);
  if (pump.stopped) return;
  std::vector<lt::alert*> alerts;
  session_->pop_alerts(&alerts);
  for (const lt::alert* alert : alerts) {
    if (const auto* dropped = lt::alert_cast<lt::alerts_dropped_alert>(alert)) {
      spdlog::warn("libtorrent dropped alerts: {}", dropped->message());
    } else if (lt::alert_cast<lt::listen_failed_alert>(alert)) {
      // Out of descriptors, libtorrent's accept loop fails and retries at once, an alert each
      // time: millions of lines a second without the limiter.
      if (const auto held_back = listen_log_.admit())
        spdlog::error("BitTorrent listen failed: {} ({} more since the last report)",
                      alert->message(), *held_back);
    } else if (const auto* peer = lt::alert_cast<lt::peer_log_alert>(alert)) {
      log_peer_message(*peer);
    } else if (lt::alert_cast<lt::listen_succeeded_alert>(alert)) {
      spdlog::info("BitTorrent {}", alert->message());
    }
    for (const auto& listener : listeners_)
      listener(*alert);
  }
}

void Session::stop() {
  UniqueLock lock(pump_->mutex);
  if (!session_ || pump_->stopped.exchange(true)) return;
  session_->set_alert_notify([] {});
  lock.unlock();
  // Destroying the session waits for libtorrent's threads; abort() first lets it close
  // connections without waiting for tracker "stopped" announces one by one.
  auto proxy = session_->abort();
  session_.reset();
}

int Session::listen_port() const {
  return session_ ? session_->listen_port() : 0;
}

}  // namespace seeder::torrent
