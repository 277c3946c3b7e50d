#include "seeder/torrent/torrent_plugin.hpp"

#include <libtorrent/peer_connection_handle.hpp>

#include "seeder/torrent/interest_keeper.hpp"
#include "seeder/torrent/quick_ack.hpp"

namespace seeder::torrent {
namespace {

namespace lt = libtorrent;

// on_piece_pass runs right after libtorrent marks the piece had. The store records it on disk
// (the live torrent's PieceMap reads the store's record: LiveTorrent::attach_store); the live
// torrent records that libtorrent believes it has it, a separate fact once the piece is evicted.
// Tells the torrent the pass is recorded when it goes out of scope.
struct PassRecorded {
  LiveTorrent* torrent;
  int piece;
  PassRecorded(LiveTorrent* torrent, int piece) : torrent(torrent), piece(piece) {}
  PassRecorded(const PassRecorded&) = delete;
  PassRecorded& operator=(const PassRecorded&) = delete;
  ~PassRecorded() {
    if (torrent != nullptr) torrent->on_pass_recorded(piece);
  }
};

class PiecePassPlugin final : public lt::torrent_plugin {
 public:
  PiecePassPlugin(std::shared_ptr<storage::TorrentStore> store, std::weak_ptr<LiveTorrent> torrent)
      : store_(std::move(store)), torrent_(std::move(torrent)) {}
  void on_piece_pass(lt::piece_index_t piece) override {
    // Belief first: were the piece recorded on disk first, an eviction in between would leave
    // it neither on disk nor believed, and a reader's deadline on it would make libtorrent read
    // a piece it has from a hole. The other way round, "believed, not on disk" would read as
    // evicted (a reader's resync in the middle of a forward stream) but for the pass marked
    // under way until recorded.
    auto torrent = torrent_.lock();
    if (torrent) torrent->on_libtorrent_verified(static_cast<int>(piece));
    // The pass ends with this scope, even if recording throws (libtorrent catches it): a pass
    // left under way would never read as stale. A wanted piece the store refused (its bytes
    // changed after the hash) or evicted as soon as recorded is then resynced: libtorrent
    // believes it has it, so nothing else fetches it.
    const PassRecorded recorded{torrent.get(), static_cast<int>(piece)};
    store_->on_piece_passed(static_cast<int>(piece));
  }
  void on_piece_failed(lt::piece_index_t piece) override {
    store_->on_piece_failed(static_cast<int>(piece));
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
    keeper_.seed_active(InterestKeeper::Clock::now());
    return false;
  }
  bool on_piece(const lt::peer_request&, lt::span<const char>) override {
    if (const int fd = socket(); fd >= 0) ack_now(fd);
    keeper_.seed_active(InterestKeeper::Clock::now());
    return false;
  }
  // Keeping interest between readers (interest_keeper.hpp): right after libtorrent speaks,
  // and once a second, the seed is told what the keeper says.
  void sent_not_interested() override {
    keeper_.libtorrent_spoke();
    reconcile();
  }
  void sent_interested() override { keeper_.libtorrent_spoke(); }
  void sent_request(const lt::peer_request&) override {
    keeper_.seed_active(InterestKeeper::Clock::now());
  }
  void tick() override { reconcile(); }

 private:
  void reconcile() {
    const auto now = InterestKeeper::Clock::now();
    const InterestKeeper::Connection state{
        connection_.is_interesting(),
        !connection_.in_handshake() && !connection_.is_disconnecting(), connection_.is_seed(),
        connection_.has_peer_choked()};
    // Asked only when it can matter: keeps_interest reads the torrent's atomics.
    const auto torrent = state.libtorrent_interested ? nullptr : torrent_.lock();
    const bool keep = torrent && torrent->keeps_interest(now);
    switch (keeper_.reconcile(state, keep, now)) {
      case InterestKeeper::Say::nothing:
        return;
      case InterestKeeper::Say::interested:
        return say(true, "kept for readers");
      case InterestKeeper::Say::not_interested:
        return say(false, "no reader for a while");
      case InterestKeeper::Say::not_interested_then_interested:
        say(false, "refreshed before the seed's 60 s");
        return say(true, "refreshed before the seed's 60 s");
    }
  }
  void say(bool interested, const char* why) {
    static constexpr char kInterested[] = {0, 0, 0, 1, 2};     // length 1, id 2
    static constexpr char kNotInterested[] = {0, 0, 0, 1, 3};  // length 1, id 3
    connection_.send_buffer(interested ? kInterested : kNotInterested, sizeof kInterested);
    if (connection_.should_log(lt::peer_log_alert::outgoing_message))
      connection_.peer_log(lt::peer_log_alert::outgoing_message,
                           interested ? "INTERESTED" : "NOT_INTERESTED", "%s", why);
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
  int socket_ = kUnknown;  // -1: none (uTP)
  InterestKeeper keeper_;
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
