#pragma once
// SessionLink: how one LiveTorrent gets into libtorrent's session and stays in step with it:
// the add_torrent_params it is added with, the first add, the resync (removed and added back
// with what the store has), the reconnect kick, and the add and check alerts that finish them.
// The Registry owns one; it keeps the map of torrents, the sweeps and the figures.
//
// Threads: add, resync and reconnect run on the Registry's blocking worker (they call into the
// session synchronously); on_added and on_checked on the alert strand. Thread-safe.

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/fwd.hpp>
#include <libtorrent/socket.hpp>

#include "seeder/core/log_limiter.hpp"
#include "seeder/core/result.hpp"
#include "seeder/storage/torrent_store.hpp"
#include "seeder/torrent/live_torrent.hpp"
#include "seeder/torrent/urgent_requests.hpp"

namespace seeder::torrent {

struct SessionLinkOptions {
  std::filesystem::path data_dir;  // where each torrent's save path lies
  std::vector<libtorrent::tcp::endpoint> extra_peers;
  std::uint64_t readahead_bytes = 0;  // to warn when a budget cannot hold one window
};

class SessionLink {
 public:
  SessionLink(libtorrent::session& session, SessionLinkOptions options);

  // Adds `torrent`, whose store is open, to the session (paused; resumed by on_added).
  void add(LiveTorrent& torrent, const storage::TorrentStore& store);
  // Removes the torrent's handle and adds it back with what its store really has.
  void resync(const std::shared_ptr<LiveTorrent>& torrent);
  // Makes a torrent that lost its peers dial the ones it knows at once.
  void reconnect(LiveTorrent& torrent);
  // The add alert for `torrent`: resumes it and makes it ready (or finishes its resync). An
  // error when libtorrent could not add it; the caller drops the torrent.
  Status on_added(LiveTorrent& torrent, const libtorrent::add_torrent_alert& added);
  // libtorrent's full hash check of `torrent` finished.
  static void on_checked(LiveTorrent& torrent);

  [[nodiscard]] std::uint64_t resyncs_total() const { return resyncs_total_; }
  // What the torrents' boards of urgent requests did, since start (urgent_requests.hpp).
  [[nodiscard]] const UrgentTally& urgent_tally() const { return *urgent_tally_; }

 private:
  [[nodiscard]] libtorrent::add_torrent_params params_for(const LiveTorrent& torrent,
                                                          const storage::TorrentStore& store) const;
  void warn_if_budget_too_small(const TorrentMeta& meta, const storage::TorrentStore& store) const;
  // The peers this gateway was given for `torrent`: --peer, and those its entry names (a magnet
  // link's x.pe, a resolved magnet's swarm).
  [[nodiscard]] std::vector<libtorrent::tcp::endpoint> given_peers(
      const LiveTorrent& torrent) const;

  libtorrent::session& session_;
  const SessionLinkOptions options_;
  std::atomic<int> recount_toggle_{0};
  std::atomic<std::uint64_t> resyncs_total_{0};
  std::shared_ptr<UrgentTally> urgent_tally_ = std::make_shared<UrgentTally>();
  LogLimiter resync_logged_;
};

}  // namespace seeder::torrent
