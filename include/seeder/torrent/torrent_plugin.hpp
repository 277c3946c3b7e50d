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
// - Per connection to a seed: when libtorrent tells it NOT_INTERESTED while the torrent keeps
//   interest (LiveTorrent::keeps_interest: a reader now or within 30 s, a piece missing), an
//   INTERESTED follows in the same write, so the seed keeps us unchoked between readers.

#include <memory>

#include <libtorrent/extensions.hpp>

#include "seeder/storage/torrent_store.hpp"
#include "seeder/torrent/live_torrent.hpp"

namespace seeder::torrent {

std::shared_ptr<libtorrent::torrent_plugin> make_torrent_plugin(
    std::shared_ptr<storage::TorrentStore> store, std::weak_ptr<LiveTorrent> torrent);

}  // namespace seeder::torrent
