#pragma once
// The libtorrent plugins seeder adds to each of its torrents. They run on libtorrent's network
// thread and reach the rest of seeder only through thread-safe objects: the TorrentStore and
// (weakly) the LiveTorrent.
//
// - Per torrent: when libtorrent has verified a piece (downloaded, checked or resumed), the
//   store records it, and through the store's listener readers waiting for it wake, before any
//   alert would reach us (the piece's bytes are in the content file then: our disk backend
//   hashed them there).
// - Per connection: counts connected peers for the LiveTorrent, and makes the connection's TCP
//   socket send without Nagle's delay and acknowledge each block at once (quick_ack.hpp).
// - Per connection to a seed: while the torrent keeps interest (LiveTorrent::keeps_interest)
//   and libtorrent, wanting nothing, says it is not interested, the seed is told INTERESTED
//   itself, so that it keeps us unchoked for the next reader; taken back once the torrent stops
//   keeping interest (docs/ARCHITECTURE.md).
// - Per torrent, with its connections: the blocks of the pieces readers need next are asked of
//   seeds beyond libtorrent's pipeline, and copies of late ones elsewhere (urgent_requests.hpp).

#include <memory>

#include <boost/asio/io_context.hpp>
#include <libtorrent/extensions.hpp>

#include "seeder/storage/torrent_store.hpp"
#include "seeder/torrent/live_torrent.hpp"
#include "seeder/torrent/urgent_requests.hpp"

namespace seeder::torrent {

// What the plugins share with the session.
struct PluginContext {
  boost::asio::io_context& network;  // the session's own: its timers run on the network thread
  std::shared_ptr<UrgentTally> urgent_tally;
};

std::shared_ptr<libtorrent::torrent_plugin> make_torrent_plugin(
    std::shared_ptr<storage::TorrentStore> store, std::weak_ptr<LiveTorrent> torrent,
    PluginContext context);

}  // namespace seeder::torrent
