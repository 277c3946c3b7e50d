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
  // Keeping interest between readers (docs/ARCHITECTURE.md, "libtorrent says NOT_INTERESTED"):
  // right after libtorrent's NOT_INTERESTED, and once a second, the seed is told what
  // keeps_interest says, whenever that differs from what libtorrent told it.
  void sent_not_interested() override {
    announced_ = false;  // libtorrent's NOT_INTERESTED went out last
    reconcile();
  }
  void sent_interested() override { announced_ = false; }  // libtorrent's own now
  void tick() override { reconcile(); }

 private:
  void reconcile() {
    if (connection_.is_interesting() || connection_.in_handshake() ||
        connection_.is_disconnecting())
      return;
    auto torrent = torrent_.lock();
    const bool keep =
        torrent && connection_.is_seed() && torrent->keeps_interest(LiveTorrent::Clock::now());
    if (keep == announced_) return;
    static constexpr char kInterested[] = {0, 0, 0, 1, 2};     // length 1, id 2
    static constexpr char kNotInterested[] = {0, 0, 0, 1, 3};  // length 1, id 3
    connection_.send_buffer(keep ? kInterested : kNotInterested, sizeof kInterested);
    announced_ = keep;
    if (connection_.should_log(lt::peer_log_alert::outgoing_message))
      connection_.peer_log(lt::peer_log_alert::outgoing_message,
                           keep ? "INTERESTED" : "NOT_INTERESTED",
                           keep ? "kept for readers" : "no reader for a while");
  }

  int socket() {
    if (socket_ != kUnknown) return socket_;
    socket_ = find_tcp_socket(connection_.local_endpoint(), connection_.remote());
    if (socket_ >= 0) send_without_delay(socket_);
    return socket_;
  }

  static constexpr int kUnknown = -2;
  std::weak_ptr<LiveTorrent> torrent_;
  lt::peer_connection_handle connection_;
  int socket_ = kUnknown;   // -1: none (uTP)
  bool announced_ = false;  // the seed heard INTERESTED from us, libtorrent believes otherwise
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
