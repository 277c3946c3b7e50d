#pragma once
// Registry: the torrents currently in the libtorrent session, keyed by info-hash. A torrent is
// added on first use (asynchronously: no lock is held while libtorrent works) and dropped once it
// has had no reader for `ttl`; its data stays on disk.
//
// Thread-safe. Alerts arrive on the session's alert strand; the idle sweep runs on `executor`.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <libtorrent/fwd.hpp>
#include <libtorrent/socket.hpp>

#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/live_torrent.hpp"

namespace seeder::torrent {

struct RegistryOptions {
  // Where libtorrent is told to keep a torrent (the disk backend may place files on its own).
  std::function<std::filesystem::path(const InfoHash&)> save_path;
  std::chrono::milliseconds ttl{600'000};
  // Peers every torrent connects to when added (private swarms, tests); trackers and the DHT
  // still find the others.
  std::vector<libtorrent::tcp::endpoint> extra_peers;
};

class Registry {
 public:
  Registry(libtorrent::session& session, boost::asio::any_io_executor executor,
           RegistryOptions options);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // The live torrent for `entry`, adding it to the session when it is not there yet.
  std::shared_ptr<LiveTorrent> acquire(const EntryPtr& entry);
  [[nodiscard]] std::shared_ptr<LiveTorrent> find(const InfoHash& hash) const;
  [[nodiscard]] std::size_t size() const;

  // Session alerts (add result, errors) for the torrents it manages.
  void on_alert(const libtorrent::alert& alert);

  // Starts the periodic idle sweep.
  void start();
  // Drops torrents idle for longer than the TTL; returns how many.
  std::size_t sweep(LiveTorrent::Clock::time_point now);
  // Fails every reader and removes every torrent from the session.
  void shutdown();

 private:
  void add_to_session(const std::shared_ptr<LiveTorrent>& torrent);
  void drop(const std::shared_ptr<LiveTorrent>& torrent, const Error& reason);
  void schedule_sweep();
  std::shared_ptr<LiveTorrent> find_by_handle(const libtorrent::torrent_handle& handle) const;

  libtorrent::session& session_;
  RegistryOptions options_;
  boost::asio::steady_timer sweep_timer_;

  mutable std::mutex mutex_;
  std::unordered_map<InfoHash, std::shared_ptr<LiveTorrent>, InfoHashHasher> torrents_;  // guarded
  bool shut_down_ = false;  // guarded by mutex_
};

}  // namespace seeder::torrent
