#include "seeder/torrent/torrent_plugin.hpp"

#include <array>
#include <atomic>
#include <set>

#include <fmt/format.h>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <libtorrent/peer_connection_handle.hpp>
#include <libtorrent/peer_request.hpp>

#include "seeder/torrent/interest_keeper.hpp"
#include "seeder/torrent/quick_ack.hpp"
#include "seeder/torrent/urgent_requests.hpp"

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

// The torrent's UrgentRequests on the network thread: run after each event that may change a
// decision (a block in, a peer unchoking us, a new urgent piece), at most once a millisecond,
// and on a timer when a copy will fall overdue without any event.
class UrgentDriver : public std::enable_shared_from_this<UrgentDriver> {
 public:
  using Clock = UrgentRequests::Clock;
  UrgentDriver(std::weak_ptr<LiveTorrent> torrent, const TorrentMeta& meta, PluginContext context)
      : torrent_(std::move(torrent)),
        board_({meta.piece_length(), static_cast<std::int64_t>(meta.total_size())},
               std::move(context.urgent_tally)),
        network_(context.network),
        timer_(context.network) {}

  UrgentRequests& board() { return board_; }

  // Something changed at `now`: runs the board unless it ran within the last millisecond (the
  // timer runs it then).
  void poke(Clock::time_point now) {
    if (now - last_run_ < kSpacing) return schedule(last_run_ + kSpacing);
    run(now);
  }
  // Any thread: runs the board on the network thread, after what runs there now (one run for
  // every poke made before it starts).
  static void poke_from_anywhere(const std::weak_ptr<UrgentDriver>& weak) {
    auto driver = weak.lock();
    if (!driver || driver->posted_.exchange(true)) return;
    // The handler keeps the driver: were this thread its last owner, its timer would go on a
    // thread that is not the network's. The plugins, which own it, clear the torrent's
    // listener before they go (forget_urgent), and the session's io_context outlives them.
    auto& network = driver->network_;
    boost::asio::post(network, [driver = std::move(driver)] {
      driver->posted_ = false;
      driver->poke(Clock::now());
    });
  }

 private:
  static constexpr std::chrono::milliseconds kSpacing{1};

  void run(Clock::time_point now) {
    last_run_ = now;
    const auto torrent = torrent_.lock();
    if (!torrent) return;
    const auto urgent = torrent->urgent_pieces();
    if (urgent.empty()) return;
    if (const auto recheck = board_.request(urgent, now)) schedule(*recheck);
  }
  void schedule(Clock::time_point at) {
    if (timer_due_ && *timer_due_ <= at) return;
    timer_due_ = at;
    timer_.expires_at(at);
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
      const auto driver = weak.lock();
      if (error || !driver) return;
      driver->timer_due_.reset();
      driver->poke(Clock::now());
    });
  }

  std::weak_ptr<LiveTorrent> torrent_;
  UrgentRequests board_;
  boost::asio::io_context& network_;
  boost::asio::steady_timer timer_;
  Clock::time_point last_run_{};
  std::optional<Clock::time_point> timer_due_;
  std::atomic<bool> posted_{false};  // a run is posted and has not started
};

class PiecePassPlugin final : public lt::torrent_plugin {
 public:
  PiecePassPlugin(std::shared_ptr<storage::TorrentStore> store, std::weak_ptr<LiveTorrent> torrent,
                  PluginContext context)
      : store_(std::move(store)), torrent_(std::move(torrent)) {
    if (auto live = torrent_.lock()) {
      urgent_ = std::make_shared<UrgentDriver>(torrent_, live->meta(), std::move(context));
      live->on_urgent(this, [weak = std::weak_ptr<UrgentDriver>(urgent_)] {
        UrgentDriver::poke_from_anywhere(weak);
      });
    }
  }
  ~PiecePassPlugin() override {
    if (auto live = torrent_.lock()) live->forget_urgent(this);
  }
  PiecePassPlugin(const PiecePassPlugin&) = delete;
  PiecePassPlugin& operator=(const PiecePassPlugin&) = delete;
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
    if (urgent_) urgent_->board().piece_done(static_cast<int>(piece));
    store_->on_piece_passed(static_cast<int>(piece));
  }
  void on_piece_failed(lt::piece_index_t piece) override {
    if (urgent_) urgent_->board().piece_done(static_cast<int>(piece));
    store_->on_piece_failed(static_cast<int>(piece));
  }
  // Counts connected peers (the peer plugin lives as long as its connection).
  std::shared_ptr<lt::peer_plugin> new_connection(const lt::peer_connection_handle&) override;

 private:
  std::shared_ptr<storage::TorrentStore> store_;
  std::weak_ptr<LiveTorrent> torrent_;
  std::shared_ptr<UrgentDriver> urgent_;  // null when the torrent was gone at the start
};

// One per connection: counts connected peers, sends without Nagle's delay and acknowledges
// each block at once (see quick_ack.hpp; a uTP connection has no socket of its own), keeps
// seeds seeing us interested between readers, and is the board's connection for the
// torrent's urgent requests.
class PeerPlugin final : public lt::peer_plugin, public UrgentRequests::Connection {
 public:
  PeerPlugin(std::weak_ptr<LiveTorrent> torrent, lt::peer_connection_handle connection,
             std::shared_ptr<UrgentDriver> urgent)
      : torrent_(std::move(torrent)),
        connection_(std::move(connection)),
        urgent_(std::move(urgent)) {
    if (auto torrent = torrent_.lock()) {
      ++*torrent->peer_count();
      torrent->on_peer_connected();
    }
    // A web seed's connection speaks HTTP: it gets none of our BitTorrent messages.
    if (connection_.type() != lt::connection_type::bittorrent) urgent_.reset();
    if (urgent_) urgent_->board().add(*this);
  }
  ~PeerPlugin() override {
    if (urgent_) urgent_->board().remove(*this);
    auto torrent = torrent_.lock();
    if (torrent && --*torrent->peer_count() == 0) torrent->on_no_peers();
  }
  PeerPlugin(const PeerPlugin&) = delete;
  PeerPlugin& operator=(const PeerPlugin&) = delete;

  // The earliest callbacks of an established connection: its socket is looked up there, so our
  // own requests go out without Nagle's wait from the start.
  // BEP 6: the fast extension is bit 0x04 of the handshake's last reserved byte. (libtorrent
  // also hands plugins rejects it makes up itself for a peer without it, at a choke or a cancel:
  // a reject says nothing of the peer.)
  bool on_handshake(lt::span<const char> reserved) override {
    if (reserved.size() >= 8 && (reserved[7] & 0x04) != 0) fast_ = true;
    return true;
  }
  // Messages of the fast extension: libtorrent drops a peer without it that sends them.
  bool on_have_all() override {
    fast_ = true;
    socket();
    poke_after();
    return false;
  }
  bool on_have_none() override {
    fast_ = true;
    return false;
  }
  bool on_bitfield(const lt::bitfield&) override {
    poke_after();
    return false;
  }
  bool on_allowed_fast(lt::piece_index_t piece) override {
    fast_ = true;
    allowed_fast_.insert(static_cast<int>(piece));
    poke_after();
    return false;
  }
  bool on_unchoke() override {
    socket();
    keeper_.seed_active(InterestKeeper::Clock::now());
    if (urgent_) urgent_->board().unchoked(*this);
    poke_after();
    return false;
  }
  bool on_choke() override {
    if (urgent_) urgent_->board().choked(*this);
    return false;
  }
  bool on_piece(const lt::peer_request& block, lt::span<const char>) override {
    if (const int fd = socket(); fd >= 0) ack_now(fd);
    const auto now = UrgentRequests::Clock::now();
    keeper_.seed_active(now);
    if (urgent_) {
      urgent_->board().arrived(*this, static_cast<int>(block.piece), block.start, now);
      poke_after();  // once libtorrent has refilled this connection's pipeline
    }
    return false;
  }
  bool on_reject(const lt::peer_request& block) override {
    // A peer that chokes us and refuses a piece no longer lets us have it (libtorrent forgets
    // it too); the board asks it for nothing of that piece until it unchokes us.
    if (connection_.has_peer_choked()) allowed_fast_.erase(static_cast<int>(block.piece));
    if (urgent_) urgent_->board().rejected(*this, static_cast<int>(block.piece), block.start);
    return false;
  }
  void sent_cancel(const lt::peer_request& block) override {
    if (urgent_) urgent_->board().dropped(*this, static_cast<int>(block.piece), block.start);
  }
  // Keeping interest between readers (interest_keeper.hpp): right after libtorrent speaks,
  // and once a second, the seed is told what the keeper says.
  void sent_not_interested() override {
    keeper_.libtorrent_spoke();
    reconcile();
  }
  void sent_interested() override { keeper_.libtorrent_spoke(); }
  void sent_request(const lt::peer_request& block) override {
    const auto now = UrgentRequests::Clock::now();
    keeper_.seed_active(now);
    if (urgent_) {
      urgent_->board().asked(*this, static_cast<int>(block.piece), block.start, now);
      poke_after();  // once libtorrent has written the whole batch it is picking
    }
  }

  // UrgentRequests::Connection
  [[nodiscard]] bool can_serve(int piece) const override {
    if (connection_.in_handshake() || connection_.is_disconnecting() ||
        connection_.is_connecting() || !connection_.has_piece(lt::piece_index_t{piece}))
      return false;
    return !connection_.has_peer_choked() || allowed_fast_.count(piece) != 0;
  }
  [[nodiscard]] bool rejects_what_it_drops() const override { return fast_; }
  void send_request(int piece, int offset, int length) override {
    std::array<char, 17> message{0, 0, 0, 13, 6};  // length 13, id 6 (request)
    put_u32(&message[5], static_cast<std::uint32_t>(piece));
    put_u32(&message[9], static_cast<std::uint32_t>(offset));
    put_u32(&message[13], static_cast<std::uint32_t>(length));
    connection_.send_buffer(message.data(), static_cast<int>(message.size()));
    if (logging())
      log_outgoing("URGENT_REQUEST",
                   fmt::format("piece: {} s: {:x} l: {:x}", piece, offset, length).c_str());
  }

  void tick() override {
    reconcile();
    poke();
  }

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
    log_outgoing(interested ? "INTERESTED" : "NOT_INTERESTED", why);
  }

  int socket() {
    if (socket_ != kUnknown) return socket_;
    socket_ = find_tcp_socket(connection_.local_endpoint(), connection_.remote());
    if (socket_ >= 0) send_without_delay(socket_);
    return socket_;
  }

  void poke() {
    if (urgent_) urgent_->poke(UrgentRequests::Clock::now());
  }
  // Plugins hear of a HAVE_ALL, a bitfield, an UNCHOKE or a block before libtorrent acts on
  // it, and of a request in the middle of the batch it is picking: the board runs once
  // libtorrent is done, and sees what it asked.
  void poke_after() {
    if (urgent_) UrgentDriver::poke_from_anywhere(urgent_);
  }
  // libtorrent 2.0.8's peer_connection_handle::peer_log hands its va_list on as one more
  // variadic argument, so a conversion in the format reads garbage: `message` (no '%') goes in
  // as the format itself.
  [[nodiscard]] bool logging() const {
    return connection_.should_log(lt::peer_log_alert::outgoing_message);
  }
  void log_outgoing(const char* event, const char* message) const {
    if (!logging()) return;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-security"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    connection_.peer_log(lt::peer_log_alert::outgoing_message, event, message);
#pragma GCC diagnostic pop
  }
  static void put_u32(char* out, std::uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8)
      *out++ = static_cast<char>((value >> shift) & 0xff);
  }

  static constexpr int kUnknown = -2;
  std::weak_ptr<LiveTorrent> torrent_;
  lt::peer_connection_handle connection_;
  int socket_ = kUnknown;  // -1: none (uTP)
  InterestKeeper keeper_;
  std::shared_ptr<UrgentDriver> urgent_;
  std::set<int> allowed_fast_;  // pieces the peer serves while it chokes us
  bool fast_ = false;           // it speaks the fast extension (BEP 6): it rejects what it drops
};

std::shared_ptr<lt::peer_plugin> PiecePassPlugin::new_connection(
    const lt::peer_connection_handle& connection) {
  return std::make_shared<PeerPlugin>(torrent_, connection, urgent_);
}

}  // namespace

std::shared_ptr<lt::torrent_plugin> make_torrent_plugin(
    std::shared_ptr<storage::TorrentStore> store, std::weak_ptr<LiveTorrent> torrent,
    PluginContext context) {
  return std::make_shared<PiecePassPlugin>(std::move(store), std::move(torrent),
                                           std::move(context));
}

}  // namespace seeder::torrent
