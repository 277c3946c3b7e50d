#pragma once
// Registry: the torrents currently in the libtorrent session, keyed by info-hash. A torrent is
// added on first use, asynchronously: its storage is opened on a blocking worker, then libtorrent
// adds it, and no lock is held across either, so a slow torrent never holds up another. It is
// dropped once it has had no reader for `ttl`; its data stays on disk.
//
// Thread-safe. Alerts arrive on the session's alert strand; the idle sweep runs on `executor`;
// storage opens on `blocking`.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/fwd.hpp>
#include <libtorrent/socket.hpp>

#include "seeder/core/mutex.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/live_torrent.hpp"
#include "seeder/torrent/urgent_requests.hpp"

namespace seeder::torrent {

class SessionLink;

struct RegistryOptions {
  std::chrono::milliseconds ttl{600'000};
  LiveOptions live;
  // Read-ahead per reader, to warn when a cache budget cannot hold one window.
  std::uint64_t readahead_bytes = 20ull << 20;
  // Peers every torrent connects to when added (private swarms, tests); trackers and the DHT
  // still find the others.
  std::vector<libtorrent::tcp::endpoint> extra_peers;
};

// Owned by a shared_ptr: its timers and the jobs it posts to the blocking pool hold it weakly,
// so a job still queued when it is destroyed does nothing.
class Registry : public std::enable_shared_from_this<Registry> {
 public:
  Registry(libtorrent::session& session, storage::StoreRegistry& stores,
           boost::asio::any_io_executor executor, boost::asio::any_io_executor blocking,
           RegistryOptions options);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The live torrent for `entry`, adding it to the session when it is not there yet.
  std::shared_ptr<LiveTorrent> acquire(const EntryPtr& entry);
  [[nodiscard]] std::shared_ptr<LiveTorrent> find(const InfoHash& hash) const;
  [[nodiscard]] std::size_t size() const;

  // libtorrent's session counters, as of its last report (about once a second).
  struct SessionFigures {
    std::int64_t downloaded_bytes = 0;  // payload, since start
    std::int64_t uploaded_bytes = 0;
    std::int64_t redundant_bytes = 0;  // payload received twice, or not wanted any more
    std::int64_t peers_connected = 0;
    std::int64_t peers_half_open = 0;
  };
  [[nodiscard]] SessionFigures session_figures() const;
  // Resyncs since start, over every torrent (dropped ones included).
  [[nodiscard]] std::uint64_t resyncs_total() const;
  // The blocks asked of seeds beyond libtorrent's pipeline since start (urgent_requests.hpp).
  [[nodiscard]] const UrgentTally& urgent_tally() const;

  // Session alerts (add result, errors) for the torrents it manages.
  void on_alert(const libtorrent::alert& alert);

  // Starts the periodic idle sweep.
  void start();
  // Drops torrents idle for longer than the TTL; returns how many.
  std::size_t sweep(LiveTorrent::Clock::time_point now);
  // Fails every reader and removes every torrent from the session.
  void shutdown();

 private:
  // Posts open_store_and_add to the blocking pool.
  void open_and_add(const std::shared_ptr<LiveTorrent>& torrent);
  void open_store_and_add(const std::shared_ptr<LiveTorrent>& torrent);
  void on_added(const libtorrent::add_torrent_alert& added);
  void drop(const std::shared_ptr<LiveTorrent>& torrent, const Error& reason);
  // Runs `tick` every `period` on `timer` until shutdown (the wait holds the Registry weakly).
  void every(boost::asio::steady_timer& timer, std::chrono::milliseconds period,
             void (Registry::*tick)());
  // Every 100 ms: each torrent's background fetching (LiveTorrent::pace_background).
  void pace();
  // Every second: swarm figures for ?stats and the metrics.
  void ask_status();
  void sweep_now() { sweep(LiveTorrent::Clock::now()); }
  [[nodiscard]] bool is_shut_down() const;
  std::shared_ptr<LiveTorrent> find_by_handle(const libtorrent::torrent_handle& handle) const;

  libtorrent::session& session_;
  storage::StoreRegistry& stores_;
  boost::asio::any_io_executor blocking_;
  RegistryOptions options_;
  std::unique_ptr<SessionLink> link_;  // adds, resyncs and reconnects torrents in the session
  boost::asio::steady_timer sweep_timer_;
  boost::asio::steady_timer status_timer_;
  boost::asio::steady_timer pace_timer_;

  mutable Mutex mutex_;
  std::unordered_map<InfoHash, std::shared_ptr<LiveTorrent>, InfoHashHasher> torrents_
      GUARDED_BY(mutex_);
  bool shut_down_ GUARDED_BY(mutex_) = false;
  std::atomic<std::int64_t> downloaded_bytes_{0};
  std::atomic<std::int64_t> uploaded_bytes_{0};
  std::atomic<std::int64_t> redundant_bytes_{0};
  std::atomic<std::int64_t> peers_connected_{0};
  std::atomic<std::int64_t> peers_half_open_{0};
  std::atomic<std::int64_t> dht_nodes_{0};  // in the routing table (0 with the DHT off)
};

}  // namespace seeder::torrent
