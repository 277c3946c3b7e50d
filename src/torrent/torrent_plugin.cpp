#include "seeder/torrent/torrent_plugin.hpp"

#include <libtorrent/peer_connection_handle.hpp>

#include "seeder/torrent/quick_ack.hpp"

namespace seeder::torrent {
namespace {

namespace lt = libtorrent;

// on_piece_pass runs right after libtorrent marks the piece had. The store records it on disk
// (the live torrent's PieceMap follows the store: LiveTorrent::attach_store); the live torrent
// records that libtorrent believes it has it, a separate fact once the piece is evicted.
class PiecePassPlugin final : public lt::torrent_plugin {
 public:
  PiecePassPlugin(std::shared_ptr<storage::TorrentStore> store, std::weak_ptr<LiveTorrent> torrent)
      : store_(std::move(store)), torrent_(std::move(torrent)) {}
  void on_piece_pass(lt::piece_index_t piece) override {
    // Belief first: were the piece recorded on disk first, an eviction in between would leave
    // it neither on disk nor believed, and a reader's deadline on it would make libtorrent read
    // a piece it has from a hole. The other way round, the brief "believed, not on disk" is at
    // worst a resync that finds nothing to do.
    if (auto torrent = torrent_.lock()) torrent->on_libtorrent_verified(static_cast<int>(piece));
    store_->on_piece_passed(static_cast<int>(piece));
  }
  // Counts connected peers (the peer plugin lives as long as its connection).
  std::shared_ptr<lt::peer_plugin> new_connection(const lt::peer_connection_handle&) override;

 private:
  std::shared_ptr<storage::TorrentStore> store_;
  std::weak_ptr<LiveTorrent> torrent_;
};

// One per connection: counts connected peers, sends without Nagle's delay and acknowledges
// each block at once (see quick_ack.hpp; a uTP connection has no socket of its own), and keeps
// seeds seeing us interested between readers.
class PeerPlugin final : public lt::peer_plugin {
 public:
  PeerPlugin(std::weak_ptr<LiveTorrent> torrent, lt::peer_connection_handle connection)
      : torrent_(std::move(torrent)), connection_(std::move(connection)) {
    if (auto torrent = torrent_.lock()) {
      ++*torrent->peer_count();
      torrent->on_peer_connected();
    }
  }
  ~PeerPlugin() override {
    auto torrent = torrent_.lock();
    if (torrent && --*torrent->peer_count() == 0) torrent->on_no_peers();
  }
  PeerPlugin(const PeerPlugin&) = delete;
  PeerPlugin& operator=(const PeerPlugin&) = delete;

  // The earliest callbacks of an established connection: its socket is looked up there, so our
  // own requests go out without Nagle's wait from the start.
  bool on_have_all() override {
    socket();
    return false;
  }
  bool on_unchoke() override {
    socket();
    return false;
  }
  bool on_piece(const lt::peer_request&, lt::span<const char>) override {
    if (const int fd = socket(); fd >= 0) ack_now(fd);
    return false;
  }
  // libtorrent says NOT_INTERESTED as soon as no reader wants a piece, and a libtorrent seed
  // chokes a peer that says so: the next reader waits a round trip for INTERESTED/UNCHOKE, and
  // longer if the seed gave the slot to a waiting leecher meanwhile. So while the torrent keeps
  // interest, the seed hears INTERESTED right behind it (both leave in one write) and unchokes
  // us again at once. libtorrent still believes itself not interested and requests nothing until
  // a reader wants a piece; then the peer is unchoked already. (A busy seed's own rotation at
  // its unchoke rounds still applies: docs/ARCHITECTURE.md.)
  void sent_not_interested() override {
    auto torrent = torrent_.lock();
    if (!torrent || !connection_.is_seed() || !torrent->keeps_interest(LiveTorrent::Clock::now()))
      return;
    static constexpr char kInterested[] = {0, 0, 0, 1, 2};  // length 1, id 2
    connection_.send_buffer(kInterested, sizeof kInterested);
    if (connection_.should_log(lt::peer_log_alert::outgoing_message))
      connection_.peer_log(lt::peer_log_alert::outgoing_message, "INTERESTED", "kept for readers");
  }

 private:
  int socket() {
    if (socket_ != kUnknown) return socket_;
    socket_ = find_tcp_socket(connection_.local_endpoint(), connection_.remote());
    if (socket_ >= 0) send_without_delay(socket_);
    return socket_;
  }

  static constexpr int kUnknown = -2;
  std::weak_ptr<LiveTorrent> torrent_;
  lt::peer_connection_handle connection_;
  int socket_ = kUnknown;  // -1: none (uTP)
};

std::shared_ptr<lt::peer_plugin> PiecePassPlugin::new_connection(
    const lt::peer_connection_handle& connection) {
  return std::make_shared<PeerPlugin>(torrent_, connection);
}

}  // namespace

std::shared_ptr<lt::torrent_plugin> make_torrent_plugin(
    std::shared_ptr<storage::TorrentStore> store, std::weak_ptr<LiveTorrent> torrent) {
  return std::make_shared<PiecePassPlugin>(std::move(store), std::move(torrent));
}

}  // namespace seeder::torrent
