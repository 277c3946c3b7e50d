#pragma once
// LiveTorrent: one torrent while it is in the libtorrent session. Owns its PieceMap, tells
// libtorrent which pieces readers want next (deadlines, counted per piece so readers sharing a
// piece don't cancel each other), protects those pieces from eviction, and records activity
// for the idle TTL.
//
// Eviction and resync: when the store evicts a piece, readers see it gone at once (the store's
// record, which the PieceMap reads, is cleared before the hole is punched), but libtorrent keeps
// believing it has the piece:
// libtorrent 2.0 has no way to forget one. Such "stale" pieces get no deadline (there would be
// nothing to wait for); instead the torrent asks for a resync, the Registry removes it from the
// session and adds it again with what the store really has. Readers hold this object, not the
// libtorrent handle, so they live through the swap; their wants are re-issued on the new handle.
//
// Created and dropped by the Registry. Thread-safe: readers call it from HTTP strands, the
// alert strand marks it ready or failed, libtorrent's network thread wakes its PieceMap's
// waiters.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <libtorrent/bitfield.hpp>
#include <libtorrent/torrent_handle.hpp>

#include "seeder/core/mutex.hpp"
#include "seeder/core/result.hpp"
#include "seeder/storage/torrent_store.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/libtorrent_belief.hpp"
#include "seeder/torrent/piece_demand.hpp"
#include "seeder/torrent/piece_map.hpp"
#include "seeder/torrent/piece_picker.hpp"
#include "seeder/torrent/reader_files.hpp"
#include "seeder/torrent/redial.hpp"

namespace seeder::torrent {

struct LiveOptions {
  // With a cache budget, pieces outside readers' windows are not fetched (priority 0).
  bool budget_mode = false;
  // Stale pieces (evicted, still believed had by libtorrent) that trigger a resync once the
  // torrent is idle even when no reader wants one, so it stops advertising pieces it lacks:
  // this many, or an eighth of the torrent's pieces when that is fewer.
  int resync_threshold = 256;
  // While a reader is open and this long after the last one, remote seeds go on seeing the
  // torrent interested (see torrent_plugin.hpp); 0: never.
  std::chrono::milliseconds keep_interest_for{30'000};
};

class LiveTorrent : public std::enable_shared_from_this<LiveTorrent> {
 public:
  enum class State { loading, ready, resyncing, failed };
  using Clock = std::chrono::steady_clock;

  LiveTorrent(EntryPtr entry, LiveOptions options);

  [[nodiscard]] const CatalogEntry& entry() const { return *entry_; }
  [[nodiscard]] const TorrentMeta& meta() const { return *entry_->meta; }
  [[nodiscard]] PieceMap& pieces() { return *pieces_; }
  [[nodiscard]] const std::shared_ptr<PieceMap>& shared_pieces() const { return pieces_; }
  // The torrent's storage; null until it is opened (the torrent is then still loading).
  [[nodiscard]] std::shared_ptr<storage::TorrentStore> store() const;
  // The torrent as libtorrent knows it, loaded with the store; null until then.
  [[nodiscard]] InfoPtr info() const;
  // Takes the store and the loaded torrent: the PieceMap reads the store's record from now on,
  // and wakes its waiters on each piece the store records.
  void attach_store(std::shared_ptr<storage::TorrentStore> store, InfoPtr info);
  // Called when a resync is wanted (at most once until the resync begins; never while one runs).
  void on_resync_wanted(std::function<void()> request);
  // Called (on any thread) when the torrent should redial its peers: see reconnect().
  void on_reconnect_wanted(std::function<void()> request);
  // Connected peers, counted by the piece plugin (libtorrent's network thread).
  [[nodiscard]] const std::shared_ptr<std::atomic<int>>& peer_count() const { return peers_; }
  // The plugin saw a peer connect / the last peer go.
  void on_peer_connected() { redial_.peer_connected(); }
  void on_no_peers();
  // Dials the known peers again when a reader wants a piece and the peers are gone (Redial).
  void reconnect();
  // About every 100 ms (the Registry): asks for a reconnect again when one is still needed a
  // while after the last (Redial::kRetryAfter).
  void retry_reconnect(Clock::time_point now);

  // Completes on `executor` once the torrent is in the session (or failed to get there).
  void async_when_ready(boost::asio::any_io_executor executor, std::function<void(Status)> handler);
  void mark_ready(const libtorrent::torrent_handle& handle);
  // The same with a picker of one's own (tests: a fake that records what is asked).
  void mark_ready(const libtorrent::torrent_handle& handle, std::unique_ptr<PiecePicker> picker);
  void mark_failed(const Error& error);
  [[nodiscard]] State state() const;
  [[nodiscard]] libtorrent::torrent_handle handle() const;

  // Resync, driven by the Registry: begin_resync() hands back the handle to remove (invalid when
  // there is nothing to resync); finish_resync() takes the new one and re-issues every want.
  libtorrent::torrent_handle begin_resync();
  void finish_resync(const libtorrent::torrent_handle& handle);
  // The same with a picker of one's own for the new handle (tests).
  void finish_resync(const libtorrent::torrent_handle& handle, std::unique_ptr<PiecePicker> picker);
  // Whether the torrent a resync adds is told of the pieces on disk: not under a budget, where
  // what is on disk now is what the LRU evicts next, and each piece libtorrent believed had
  // would need a resync of its own when a reader came back to it (a second pass resynced twice).
  // Pieces on disk that libtorrent was not told of are served from disk all the same.
  [[nodiscard]] bool resync_reports_pieces() const { return !options_.budget_mode; }
  // The Registry, just before adding a handle (first or after a resync): the pieces it is told
  // it has (add_torrent_params::have_pieces).
  void on_adding(const libtorrent::typed_bitfield<libtorrent::piece_index_t>& told);
  // libtorrent's network thread (the plugin): the handle verified `piece`, so believes it has it.
  // Not through the store's listener: that runs under the store's piece lock, which want()
  // takes under this torrent's mutex. Until on_pass_recorded(piece) the piece is believed and
  // not yet on disk without being stale: a reader wanting it then must not resync. When that
  // leaves libtorrent lacking no piece a reader wants, held prefetches are lifted at once (see
  // hold_prefetches). When it leaves libtorrent wanting nothing at all, without a budget, the
  // background's next piece is asked for at once: libtorrent would otherwise tell every seed
  // NOT_INTERESTED in this pass, until the next reader (a seed chokes such a peer and gives its
  // slot away), and the background fetches that piece anyway.
  void on_libtorrent_verified(int piece);
  // The plugin, once the store has recorded (or refused) the pass: ends it, then
  // resync_if_stale(piece).
  void on_pass_recorded(int piece);
  [[nodiscard]] int resyncs() const { return resyncs_; }
  // Asks for a resync when many pieces are stale and nobody has used the torrent for `quiet`.
  void resync_if_idle(Clock::time_point now, Clock::duration quiet);

  // Urgency bands of want(): see PieceDemand.
  static constexpr int kUrgencyBands = PieceDemand::kUrgencyBands;

  // One more reader wants `piece` by `deadline` from now, at urgency `band`: the piece is
  // protected from eviction and, unless verified already, fetched by its deadline. A deadline of
  // zero always brings the piece forward.
  void want(int piece, std::chrono::milliseconds deadline, int band = 0);
  // A reader came closer to a piece it wants: raises its urgency (never lowers it).
  void raise(int piece, int band);
  // Any thread: the pieces readers want at band 0 (their next bytes) that are not had yet, in
  // piece order: what the peer plugin asks seeds for beyond libtorrent's pipeline
  // (urgent_requests.hpp).
  [[nodiscard]] std::vector<int> urgent_pieces() const EXCLUDES(urgent_mutex_);
  // `listener` is called (on the thread of the want, no lock held) each time a piece becomes
  // urgent. Set by the plugin of each handle (a resync's comes while the old one is still
  // around): forget_urgent(owner) drops it only if `owner` set the current one.
  void on_urgent(const void* owner, std::function<void()> listener) EXCLUDES(urgent_mutex_);
  void forget_urgent(const void* owner) EXCLUDES(urgent_mutex_);
  // The reader no longer needs `piece`. The last one to let go releases it.
  void unwant(int piece);
  // A reader found the bytes of `piece`, which it wants, gone from the content file (the store
  // has forgotten them): fetched again by its deadline, or by a resync when libtorrent believes
  // it has them.
  void refetch(int piece);
  // Asks for a resync when a reader or a prefetch wants `piece` and libtorrent believes it has it
  // while the store does not (forgotten or refused after libtorrent verified it): nothing else
  // fetches it.
  void resync_if_stale(int piece);

  // When it joined the swarm (the pages say "no peers yet" only after a few seconds).
  [[nodiscard]] Clock::time_point joined() const { return joined_; }
  void touch() { last_active_ns_ = Clock::now().time_since_epoch().count(); }
  [[nodiscard]] Clock::time_point last_active() const {
    return Clock::time_point(Clock::duration(last_active_ns_.load()));
  }

  // Held by every open reader: a torrent with readers is never dropped for being idle.
  class ReaderLease {
   public:
    explicit ReaderLease(std::shared_ptr<LiveTorrent> torrent);
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    ReaderLease(ReaderLease&&) = default;
    ReaderLease& operator=(ReaderLease&&) = default;
    ~ReaderLease();
    [[nodiscard]] LiveTorrent& torrent() const { return *torrent_; }

   private:
    std::shared_ptr<LiveTorrent> torrent_;
  };
  [[nodiscard]] int readers() const { return readers_; }

  // Whether remote seeds should see the torrent interested now (torrent_plugin.hpp): a reader
  // is open or was within LiveOptions::keep_interest_for, and libtorrent lacks some piece.
  // Lock-free (atomics and immutable options): called on libtorrent's network thread.
  [[nodiscard]] bool keeps_interest(Clock::time_point now) const;

  // A page view, a HEAD, ?play or ?stats: the GET that usually follows should find peers
  // connected. A torrent that wants nothing is "finished" to libtorrent, which says so in its
  // handshake (upload_only), and seeds hang up at once: so something of `file` is fetched at the
  // lowest priority (never ahead of a reader's): what is missing of a media file's ends
  // (file_plan.hpp), which its player reads first, or else the file's first missing piece.
  // Interest is kept as after a read (LiveOptions::keep_interest_for). `file` null: the
  // torrent's largest (a page view). Nothing when the file is all here.
  void join_for(const FileInfo* file) EXCLUDES(mutex_);
  // Warm-up: pieces [first, last] go to `priority` (top by default) and stay there until they
  // are verified, whoever asked having left or not (a prefetch is meant to finish).
  void prefetch(int first, int last, std::uint8_t priority = PieceDemand::kTopPriority)
      EXCLUDES(mutex_);
  // A reader waits for its first piece (RangeReader::async_start): until every such reader has
  // it, prefetched pieces below the top priority (a visit's, the file ends') and the
  // background's take no request slot; a ?warmup's keep theirs. A seed answers in the order it
  // was asked, and libtorrent gives each other peer a prefetched piece of its own before the rest
  // of the one piece a peer has begun (piece_picker: a piece one active peer downloads is only a
  // backup for the others), so the reader's piece came from one peer, behind the ends.
  // The hold ends as soon as libtorrent has verified every piece a reader wants: that runs on
  // the network thread inside libtorrent's pass, where the picker's calls take effect at once,
  // before libtorrent recounts its interest in each peer. Were the held pieces asked again a
  // moment later by the waiting reader, libtorrent, wanting nothing for that moment, would tell
  // every seed NOT_INTERESTED, and a seed chokes such a peer at once and gives its slot away.
  void hold_prefetches() EXCLUDES(mutex_);
  void release_prefetches() EXCLUDES(mutex_);

  // A reader of `file` starts / ends (RangeReader, once its torrent is ready). The first reader
  // of a file sets what is fetched beyond readers' windows (ReaderFiles): the ends of a media
  // file at once, pinned under a cache budget while the file has readers; without a budget, the
  // rest of the file in the background.
  void open_file(const FileInfo& file);
  // A reader of `file` had its first piece: without a budget, the file is finished behind its
  // readers from now on (a file whose readers all closed before that is not).
  void file_started(const FileInfo& file);
  void close_file(const FileInfo& file);
  // Hands the background one more piece when its pace allows and no reader waits for a piece:
  // called about every 100 ms by the Registry.
  void pace_background(Clock::time_point now);

  // How much anybody wants a piece, as the reference gateway's stats report it.
  enum class Interest { none = 0, normal = 1, high = 2 };
  // Verified pieces: none; in a reader's window or prefetched: high; otherwise normal without a
  // budget (everything downloads), none with one.
  [[nodiscard]] Interest interest(int piece) const;

  // The swarm as libtorrent last reported it (refreshed about once a second).
  struct SwarmStatus {
    int peers = 0;
    int seeds = 0;
    std::int64_t download_rate = 0;  // payload bytes per second
    std::int64_t upload_rate = 0;
    int known = 0;               // peers in the peer list (from trackers, the DHT, peer exchange)
    std::int64_t dht_nodes = 0;  // the session's DHT routing table (0 with the DHT off)
  };
  [[nodiscard]] SwarmStatus swarm() const;
  // What the trackers said: "no tracker", "trackers: 1 of 2 answered, 1 failed (<error>)", as
  // of the last refresh (any thread: a copy, no libtorrent call).
  [[nodiscard]] std::string tracker_summary() const;
  // Asks libtorrent (a blocking call: on the blocking pool, after a tracker alert).
  void refresh_tracker_summary();
  void set_swarm(const SwarmStatus& status);

 private:
  struct ReadyWaiter {
    boost::asio::any_io_executor executor;
    std::function<void(Status)> handler;
  };
  void complete_ready_waiters(const Status& status);
  // Posts the resync request unless one is pending; call without mutex_ held.
  void request_resync();
  // True when a reconnect should be asked for now (ready, wanted pieces, peers lost).
  [[nodiscard]] bool needs_reconnect_locked() const REQUIRES(mutex_);
  void request_reconnect();
  void fetch_locked(int piece, std::chrono::milliseconds deadline) REQUIRES(mutex_);
  // Copies the demand's urgent pieces for urgent_pieces(); whether they changed.
  bool publish_urgent_locked() REQUIRES(mutex_) EXCLUDES(urgent_mutex_);
  void tell_urgent() EXCLUDES(urgent_mutex_);
  // Gives libtorrent the priority of the piece's band (a deadline alone means top priority).
  void prioritise_locked(int piece) REQUIRES(mutex_);
  void release_locked(int piece) REQUIRES(mutex_);
  // Each prefetched piece libtorrent lacks at its priority; forgets those now had.
  void prefetch_locked() REQUIRES(mutex_);
  // prefetch_locked(), and each background piece in flight to its priority now.
  void reprioritise_deferrable_locked() REQUIRES(mutex_);
  // A prefetch's or the background's priority now: none while a reader waits for its first
  // piece (hold_prefetches), except a warm-up's top priority.
  [[nodiscard]] std::uint8_t priority_unless_held_locked(std::uint8_t priority) const
      REQUIRES(mutex_);
  void join_now(const FileInfo& file) EXCLUDES(mutex_);
  // Prefetches what join_now says of `file`; whether there was anything to.
  bool join_locked(const FileInfo& file) REQUIRES(mutex_);
  [[nodiscard]] bool reader_waiting_locked() const REQUIRES(mutex_);
  [[nodiscard]] bool background_may_take_locked(int piece) const REQUIRES(mutex_);
  // The lowest priority for a background piece nobody else wants.
  void background_locked(int piece) REQUIRES(mutex_);
  // The picker of the current handle; null unless the torrent is ready (loading, or a resync
  // under way: nothing is asked of a handle on its way out).
  [[nodiscard]] PiecePicker* picker_locked() REQUIRES(mutex_);
  [[nodiscard]] bool lacks_a_wanted_piece_locked() const REQUIRES(mutex_);
  void lift_holds_if_nothing_lacked_locked() REQUIRES(mutex_);
  [[nodiscard]] bool libtorrent_wants_something_locked() const REQUIRES(mutex_);
  void keep_wanting_locked() REQUIRES(mutex_);
  // Lock-free: LibtorrentBelief::count() is atomic.
  [[nodiscard]] int believed_count() const NO_THREAD_SAFETY_ANALYSIS { return belief_.count(); }
  // A ReaderLease begins or ends: the torrent was active, and read, now.
  void reader_came_or_went() {
    const auto now = Clock::now().time_since_epoch().count();
    last_active_ns_ = now;
    last_read_ns_ = now;
  }

  EntryPtr entry_;
  const LiveOptions options_;
  std::shared_ptr<PieceMap> pieces_;
  std::shared_ptr<std::atomic<int>> peers_ = std::make_shared<std::atomic<int>>(0);
  const Clock::time_point joined_ = Clock::now();
  std::atomic<Clock::rep> last_active_ns_;
  std::atomic<int> readers_{0};
  std::atomic<Clock::rep> last_read_ns_{0};  // when a reader last came or went, or a join
  Redial redial_;                            // peer_connected() lock-free; the rest under mutex_
  std::atomic<int> resyncs_{0};

  mutable Mutex mutex_;
  State state_ GUARDED_BY(mutex_) = State::loading;
  Error failure_ GUARDED_BY(mutex_){Errc::internal, {}};
  libtorrent::torrent_handle handle_ GUARDED_BY(mutex_);
  std::unique_ptr<PiecePicker> picker_ GUARDED_BY(mutex_);  // of handle_
  std::shared_ptr<storage::TorrentStore> store_ GUARDED_BY(mutex_);
  const FileInfo* join_pending_ GUARDED_BY(mutex_) = nullptr;  // into entry_'s meta; until ready
  InfoPtr info_ GUARDED_BY(mutex_);
  std::string tracker_summary_ GUARDED_BY(mutex_) = "no tracker has answered yet";
  std::vector<ReadyWaiter> ready_waiters_ GUARDED_BY(mutex_);
  PieceDemand demand_ GUARDED_BY(mutex_);
  // What the handle believes it has (told when added, or verified since); the store (pieces_)
  // is the record of what is on disk.
  LibtorrentBelief belief_ GUARDED_BY(mutex_);
  std::function<void()> resync_request_ GUARDED_BY(mutex_);
  bool resync_wanted_ GUARDED_BY(mutex_) = false;
  std::function<void()> reconnect_request_ GUARDED_BY(mutex_);
  int prefetch_holds_ GUARDED_BY(mutex_) = 0;     // readers waiting for a first piece
  bool holds_lifted_ GUARDED_BY(mutex_) = false;  // libtorrent had what they wait for
  ReaderFiles reader_files_ GUARDED_BY(mutex_);   // files with readers, and the background
  SwarmStatus swarm_ GUARDED_BY(mutex_);
  // Taken after mutex_, never before: the network thread reads it without mutex_.
  mutable Mutex urgent_mutex_;
  std::vector<int> urgent_ GUARDED_BY(urgent_mutex_);
  std::function<void()> urgent_listener_ GUARDED_BY(urgent_mutex_);
  const void* urgent_owner_ GUARDED_BY(urgent_mutex_) = nullptr;
};

}  // namespace seeder::torrent
