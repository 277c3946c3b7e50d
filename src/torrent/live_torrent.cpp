#include "seeder/torrent/live_torrent.hpp"

#include <libtorrent/announce_entry.hpp>

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "seeder/core/deliver.hpp"
#include "seeder/torrent/file_plan.hpp"
#include "seeder/torrent/tracker_summary.hpp"

namespace seeder::torrent {

namespace {

// Deadline spacing when wants are re-issued after a resync (piece order).
constexpr std::chrono::milliseconds kReissueStep{20};

}  // namespace

LiveTorrent::LiveTorrent(EntryPtr entry, LiveOptions options)
    : entry_(std::move(entry)),
      options_(options),
      pieces_(std::make_shared<PieceMap>(entry_->meta->num_pieces())),
      last_active_ns_(Clock::now().time_since_epoch().count()),
      demand_(entry_->meta->num_pieces()),
      belief_(*pieces_),
      reader_files_(*entry_->meta, options_.budget_mode) {}

std::shared_ptr<storage::TorrentStore> LiveTorrent::store() const {
  LockGuard lock(mutex_);
  return store_;
}

InfoPtr LiveTorrent::info() const {
  LockGuard lock(mutex_);
  return info_;
}

namespace {

// The store's completion record, as the PieceMap reads it.
class StoreRecord final : public PieceMap::Record {
 public:
  explicit StoreRecord(std::shared_ptr<const storage::TorrentStore> store)
      : store_(std::move(store)) {}
  [[nodiscard]] bool complete(int piece) const override { return store_->piece_complete(piece); }
  [[nodiscard]] int complete_count() const override { return store_->complete_pieces(); }

 private:
  std::shared_ptr<const storage::TorrentStore> store_;
};

}  // namespace

void LiveTorrent::attach_store(std::shared_ptr<storage::TorrentStore> store, InfoPtr info) {
  // Listen first, then follow the record: a wait for a piece recorded in between is completed
  // by whichever of the two sees it first.
  std::weak_ptr<PieceMap> weak_pieces = pieces_;
  store->set_piece_listener({[weak_pieces](int piece) {
                               if (auto pieces = weak_pieces.lock()) pieces->recorded(piece);
                             },
                             {}});
  pieces_->follow(std::make_shared<StoreRecord>(store));
  LockGuard lock(mutex_);
  store_ = std::move(store);
  info_ = std::move(info);
}

void LiveTorrent::on_resync_wanted(std::function<void()> request) {
  LockGuard lock(mutex_);
  resync_request_ = std::move(request);
}

void LiveTorrent::on_reconnect_wanted(std::function<void()> request) {
  LockGuard lock(mutex_);
  reconnect_request_ = std::move(request);
}

bool LiveTorrent::needs_reconnect_locked() const {
  const bool wants = demand_.any() || !reader_files_.background().in_flight().empty();
  return state_ == State::ready && redial_.needed(wants, peers_->load());
}

void LiveTorrent::request_reconnect() {
  std::function<void()> request;
  {
    LockGuard lock(mutex_);
    if (!needs_reconnect_locked() || !reconnect_request_) return;
    request = reconnect_request_;
  }
  request();
}

void LiveTorrent::retry_reconnect(Clock::time_point now) {
  {
    LockGuard lock(mutex_);
    if (!needs_reconnect_locked() || !redial_.retry_due(now)) return;
  }
  request_reconnect();
}

void LiveTorrent::on_no_peers() {
  request_reconnect();
}

void LiveTorrent::reconnect() {
  LockGuard lock(mutex_);
  if (!needs_reconnect_locked() || !redial_.may_kick(Clock::now())) return;
  if (auto* picker = picker_locked()) picker->kick();
}

void LiveTorrent::async_when_ready(boost::asio::any_io_executor executor,
                                   std::function<void(Status)> handler) {
  UniqueLock lock(mutex_);
  if (state_ == State::loading) {
    ready_waiters_.push_back({std::move(executor), std::move(handler)});
    return;
  }
  const Status status = state_ == State::failed ? Status{failure_} : Status{};
  lock.unlock();
  deliver(executor, std::move(handler), status);
}

void LiveTorrent::mark_ready(const lt::torrent_handle& handle) {
  mark_ready(handle, libtorrent_picker(handle));
}

void LiveTorrent::mark_ready(const lt::torrent_handle& handle,
                             std::unique_ptr<PiecePicker> picker) {
  const FileInfo* join = nullptr;
  {
    LockGuard lock(mutex_);
    if (state_ != State::loading) return;
    handle_ = handle;
    picker_ = std::move(picker);
    state_ = State::ready;
    join = std::exchange(join_pending_, nullptr);
  }
  if (join != nullptr) join_now(*join);
  complete_ready_waiters(Status{});
}

void LiveTorrent::mark_failed(const Error& error) {
  {
    LockGuard lock(mutex_);
    if (state_ == State::failed) return;
    state_ = State::failed;
    failure_ = error;
  }
  pieces_->fail_waiters(error);
  complete_ready_waiters(error);
}

void LiveTorrent::complete_ready_waiters(const Status& status) {
  std::vector<ReadyWaiter> waiters;
  {
    LockGuard lock(mutex_);
    waiters.swap(ready_waiters_);
  }
  for (auto& waiter : waiters) {
    deliver(waiter.executor, std::move(waiter.handler), status);
  }
}

LiveTorrent::State LiveTorrent::state() const {
  LockGuard lock(mutex_);
  return state_;
}

lt::torrent_handle LiveTorrent::handle() const {
  LockGuard lock(mutex_);
  return handle_;
}

std::string LiveTorrent::tracker_summary() const {
  LockGuard lock(mutex_);
  return tracker_summary_;
}

void LiveTorrent::refresh_tracker_summary() {
  std::string summary;
  try {
    summary = summarize_trackers(handle().trackers());
  } catch (const lt::system_error&) {
    return;  // going away: the last summary stays
  }
  LockGuard lock(mutex_);
  tracker_summary_ = std::move(summary);
}

PiecePicker* LiveTorrent::picker_locked() {
  return state_ == State::ready ? picker_.get() : nullptr;
}

// Never a deadline on a piece libtorrent believes it has: it would wait for nothing (and in
// 2.0.8 a deadline on a had piece reads it, which pauses the torrent when we evicted it).
void LiveTorrent::fetch_locked(int piece, std::chrono::milliseconds deadline) {
  if (!belief_.lacks(piece)) return;
  if (auto* picker = picker_locked()) picker->set_deadline(piece, deadline);
  prioritise_locked(piece);
}

void LiveTorrent::prioritise_locked(int piece) {
  const auto priority = demand_.reader_priority(piece);
  if (!priority || !belief_.lacks(piece)) return;
  if (auto* picker = picker_locked()) picker->set_priority(piece, *priority);
}

// Nobody waits for the piece any more: it goes back to what it was before a reader wanted it
// (a file end's priority, the background's lowest, or not wanted at all). Requests already
// sent for it stay: libtorrent has no way to cancel one piece's.
void LiveTorrent::release_locked(int piece) {
  if (!belief_.lacks(piece)) return;
  if (auto* picker = picker_locked()) {
    picker->clear_deadline(piece);
    const auto released =
        demand_.released_priority(piece, reader_files_.background().in_flight(piece));
    picker->set_priority(piece, priority_unless_held_locked(released));
  }
}

void LiveTorrent::join_for(const FileInfo* file) {
  // The caller's FileInfo may belong to a newer catalog entry of this torrent: its path names
  // the same file in ours, which lives as long as this torrent.
  if (file != nullptr) file = meta().find_file(file->path);
  const auto& files = meta().files();
  if (file == nullptr && !files.empty()) {
    file = &*std::max_element(files.begin(), files.end(),
                              [](const FileInfo& a, const FileInfo& b) { return a.size < b.size; });
  }
  if (file == nullptr) return;
  last_read_ns_ = Clock::now().time_since_epoch().count();
  {
    // What is on disk is known once ready: a piece that is would be no join.
    LockGuard lock(mutex_);
    if (state_ == State::loading) {
      join_pending_ = file;
      return;
    }
  }
  join_now(*file);
}

// A media file's first reads are its ends (the header, and an index kept at the end): a visit
// fetches what of them is missing, so the player that follows starts from disk. They are asked
// below any reader, and wait while a reader waits for its first piece (hold_prefetches).
// Otherwise (another file, or ends all here) one piece: enough to be interested. A join is
// best-effort: a piece libtorrent still believes it has (evicted) is passed over rather than
// bought with a resync, which would drop every connection just before the GET.
void LiveTorrent::join_now(const FileInfo& file) {
  bool reconnect = false;
  {
    LockGuard lock(mutex_);
    if (!join_locked(file)) return;
    prefetch_locked();
    reconnect = needs_reconnect_locked();
  }
  if (reconnect) request_reconnect();
}

bool LiveTorrent::join_locked(const FileInfo& file) {
  constexpr std::uint8_t kJoinPriority = 1;  // libtorrent's lowest that is fetched at all
  const auto joinable = [&](int piece) REQUIRES(mutex_) {
    return !pieces_->have(piece) && !belief_.stale(piece);
  };
  bool joined = false;
  for (const int piece : media_end_pieces(meta(), file)) {
    if (!joinable(piece)) continue;
    demand_.prefetch(piece, kJoinPriority);
    joined = true;
  }
  const auto span = meta().pieces_for(file.offset, file.offset + file.size);
  for (int piece = span.first; !joined && piece <= span.last; ++piece) {
    if (!joinable(piece)) continue;
    demand_.prefetch(piece, kJoinPriority);
    joined = true;
  }
  return joined;
}

void LiveTorrent::prefetch(int first, int last, std::uint8_t priority) {
  first = std::max(first, 0);
  last = std::min(last, pieces_->num_pieces() - 1);
  bool resync = false;
  bool reconnect = false;
  {
    LockGuard lock(mutex_);
    for (int piece = first; piece <= last; ++piece) {
      if (pieces_->have(piece)) {
        if (store_) store_->touch(piece);  // warmed: used, for the LRU
        continue;
      }
      demand_.prefetch(piece, priority);
      resync = resync || belief_.stale(piece);
    }
    prefetch_locked();
    reconnect = needs_reconnect_locked();
  }
  if (resync) request_resync();
  if (reconnect) request_reconnect();
}

void LiveTorrent::prefetch_locked() {
  std::vector<int> had;
  for (const auto& [piece, priority] : demand_.prefetches()) {
    if (pieces_->have(piece)) {
      had.push_back(piece);
      continue;
    }
    // A reader's deadline and band rule the piece while it wants it.
    if (!belief_.lacks(piece) || demand_.readers_of(piece) > 0) continue;
    if (auto* picker = picker_locked())
      picker->set_priority(piece, priority_unless_held_locked(priority));
  }
  for (const int piece : had)
    demand_.forget_prefetch(piece);
}

std::uint8_t LiveTorrent::priority_unless_held_locked(std::uint8_t priority) const {
  const bool held = prefetch_holds_ > 0 && !holds_lifted_;
  return held && priority < PieceDemand::kTopPriority ? 0 : priority;
}

void LiveTorrent::hold_prefetches() {
  LockGuard lock(mutex_);
  const bool was_held = prefetch_holds_++ > 0 && !holds_lifted_;
  // A reader whose piece libtorrent has waits for no request: a hold would only leave
  // libtorrent wanting nothing for a moment.
  holds_lifted_ = !lacks_a_wanted_piece_locked();
  if (was_held == holds_lifted_) reprioritise_deferrable_locked();  // held now, or no longer
}

void LiveTorrent::release_prefetches() {
  LockGuard lock(mutex_);
  if (prefetch_holds_ == 0) return;
  if (--prefetch_holds_ > 0) return lift_holds_if_nothing_lacked_locked();  // a cancelled wait
  holds_lifted_ = false;
  // Even when lifted already: a hold's call posted from another thread may have run after the
  // lift's, made at once on the network thread. The same priority again changes nothing.
  reprioritise_deferrable_locked();
}

void LiveTorrent::reprioritise_deferrable_locked() {
  prefetch_locked();
  for (const int piece : reader_files_.background().in_flight())
    if (!pieces_->have(piece)) background_locked(piece);
}

LiveTorrent::Interest LiveTorrent::interest(int piece) const {
  if (piece < 0 || piece >= pieces_->num_pieces() || pieces_->have(piece)) return Interest::none;
  LockGuard lock(mutex_);
  if (demand_.demanded(piece)) return Interest::high;
  return reader_files_.background().in_flight(piece) ? Interest::normal : Interest::none;
}

LiveTorrent::SwarmStatus LiveTorrent::swarm() const {
  LockGuard lock(mutex_);
  return swarm_;
}

void LiveTorrent::set_swarm(const SwarmStatus& status) {
  LockGuard lock(mutex_);
  swarm_ = status;
  reader_files_.background().observe_rate(status.download_rate);
}

void LiveTorrent::want(int piece, std::chrono::milliseconds deadline, int band) {
  if (piece < 0 || piece >= pieces_->num_pieces()) return;
  bool resync = false;
  bool reconnect = false;
  bool urgent = false;
  {
    LockGuard lock(mutex_);
    const auto change = demand_.want(piece, band);
    if (change.first) {
      spdlog::trace("want piece {} deadline {} ms band {}", piece, deadline.count(), band);
      if (store_) store_->protect(piece);
    }
    if (belief_.stale(piece)) {
      resync = true;
    } else if (change.first || deadline.count() == 0) {
      fetch_locked(piece, deadline);
    } else if (change.more_urgent) {
      prioritise_locked(piece);
    }
    urgent = band == 0 && publish_urgent_locked();
    reconnect = change.first && demand_.wanted().size() == 1 && needs_reconnect_locked();
  }
  if (resync) request_resync();
  if (reconnect) request_reconnect();
  if (urgent) tell_urgent();
}

void LiveTorrent::raise(int piece, int band) {
  if (piece < 0 || piece >= pieces_->num_pieces()) return;
  bool urgent = false;
  {
    LockGuard lock(mutex_);
    if (!demand_.raise(piece, band)) return;
    prioritise_locked(piece);
    urgent = band == 0 && publish_urgent_locked();
  }
  if (urgent) tell_urgent();
}

std::vector<int> LiveTorrent::urgent_pieces() const {
  std::vector<int> urgent;
  {
    LockGuard lock(urgent_mutex_);
    urgent = urgent_;
  }
  urgent.erase(
      std::remove_if(urgent.begin(), urgent.end(), [&](int piece) { return pieces_->have(piece); }),
      urgent.end());
  return urgent;
}

void LiveTorrent::on_urgent(const void* owner, std::function<void()> listener) {
  LockGuard lock(urgent_mutex_);
  urgent_owner_ = owner;
  urgent_listener_ = std::move(listener);
}

void LiveTorrent::forget_urgent(const void* owner) {
  LockGuard lock(urgent_mutex_);
  if (urgent_owner_ != owner) return;
  urgent_owner_ = nullptr;
  urgent_listener_ = nullptr;
}

bool LiveTorrent::publish_urgent_locked() {
  const auto& urgent = demand_.urgent();
  LockGuard lock(urgent_mutex_);
  if (std::equal(urgent.begin(), urgent.end(), urgent_.begin(), urgent_.end())) return false;
  urgent_.assign(urgent.begin(), urgent.end());
  return true;
}

void LiveTorrent::tell_urgent() {
  std::function<void()> listener;
  {
    LockGuard lock(urgent_mutex_);
    listener = urgent_listener_;
  }
  if (listener) listener();
}

void LiveTorrent::unwant(int piece) {
  if (piece < 0 || piece >= pieces_->num_pieces()) return;
  LockGuard lock(mutex_);
  if (!demand_.unwant(piece)) return;
  if (store_) store_->unprotect(piece);
  // Held pieces come back first: lowered first, they could leave libtorrent wanting nothing.
  lift_holds_if_nothing_lacked_locked();
  release_locked(piece);
  publish_urgent_locked();
}

void LiveTorrent::refetch(int piece) {
  if (piece < 0 || piece >= pieces_->num_pieces()) return;
  bool resync = false;
  {
    LockGuard lock(mutex_);
    if (pieces_->have(piece)) return;
    if (belief_.stale(piece))
      resync = true;
    else
      fetch_locked(piece, std::chrono::milliseconds(0));
  }
  if (resync) request_resync();
}

// A prefetched piece counts as wanted: a join's or an end's piece refused or evicted while
// passing would otherwise stay prefetched, never fetched, until a reader came for it.
void LiveTorrent::resync_if_stale(int piece) {
  if (piece < 0 || piece >= pieces_->num_pieces()) return;
  {
    LockGuard lock(mutex_);
    if (!demand_.demanded(piece) || !belief_.stale(piece)) return;
  }
  request_resync();
}

// A handle on its way out (a resync under way) does not count: its successor believes what it
// was told.
void LiveTorrent::on_libtorrent_verified(int piece) {
  LockGuard lock(mutex_);
  if (state_ == State::resyncing || piece < 0 || piece >= pieces_->num_pieces()) return;
  belief_.verified(piece);
  lift_holds_if_nothing_lacked_locked();
  keep_wanting_locked();
}

bool LiveTorrent::libtorrent_wants_something_locked() const {
  const auto lacked = [&](int piece) REQUIRES(mutex_) { return belief_.lacks(piece); };
  const auto& background = reader_files_.background().in_flight();
  return lacks_a_wanted_piece_locked() ||
         std::any_of(demand_.prefetches().begin(), demand_.prefetches().end(),
                     [&](const auto& prefetch)
                         REQUIRES(mutex_) { return lacked(prefetch.first); }) ||
         std::any_of(background.begin(), background.end(), lacked);
}

void LiveTorrent::keep_wanting_locked() {
  auto& background = reader_files_.background();
  if (options_.budget_mode || state_ != State::ready || !background.has_files() ||
      libtorrent_wants_something_locked())
    return;
  const int piece = background.take_now(
      [&](int had) REQUIRES(mutex_) { return !belief_.lacks(had); },
      [&](int candidate) REQUIRES(mutex_) { return background_may_take_locked(candidate); });
  if (piece >= 0) background_locked(piece);
}

bool LiveTorrent::lacks_a_wanted_piece_locked() const {
  const auto& wanted = demand_.wanted();
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](int piece) REQUIRES(mutex_) { return belief_.lacks(piece); });
}

void LiveTorrent::lift_holds_if_nothing_lacked_locked() {
  if (prefetch_holds_ == 0 || holds_lifted_ || lacks_a_wanted_piece_locked()) return;
  holds_lifted_ = true;
  reprioritise_deferrable_locked();
}

void LiveTorrent::on_pass_recorded(int piece) {
  {
    LockGuard lock(mutex_);
    if (!belief_.end_pass(piece)) return;
  }
  resync_if_stale(piece);
}

void LiveTorrent::on_adding(const lt::typed_bitfield<lt::piece_index_t>& told) {
  LockGuard lock(mutex_);
  belief_.reset(told);
}

// Stale pieces alone never interrupt a reader: a resync drops every connection of the torrent,
// and a stream under a budget evicts behind itself all the time (measured on 1 GiB under 64 MiB:
// a resync per 256 evictions halved the throughput). They wait for an idle moment, or for a
// reader that wants one of them back.
void LiveTorrent::resync_if_idle(Clock::time_point now, Clock::duration quiet) {
  {
    LockGuard lock(mutex_);
    const int threshold = std::clamp(pieces_->num_pieces() / 8, 1, options_.resync_threshold);
    if (!demand_.wanted().empty() || readers_ > 0 || now - last_active() < quiet ||
        belief_.stale_count() < threshold)
      return;
  }
  request_resync();
}

void LiveTorrent::request_resync() {
  std::function<void()> request;
  {
    LockGuard lock(mutex_);
    // While a resync runs, a stale piece seen is judged by the old handle's beliefs; the
    // resync re-checks every wanted and prefetched piece when the new handle is in.
    if (resync_wanted_ || !resync_request_ || state_ == State::failed || state_ == State::resyncing)
      return;
    resync_wanted_ = true;
    request = resync_request_;
  }
  request();
}

lt::torrent_handle LiveTorrent::begin_resync() {
  LockGuard lock(mutex_);
  resync_wanted_ = false;
  if (state_ != State::ready || belief_.stale_count() == 0) return {};
  state_ = State::resyncing;
  return handle_;
}

void LiveTorrent::finish_resync(const lt::torrent_handle& handle) {
  finish_resync(handle, libtorrent_picker(handle));
}

void LiveTorrent::finish_resync(const lt::torrent_handle& handle,
                                std::unique_ptr<PiecePicker> picker) {
  bool again = false;
  {
    LockGuard lock(mutex_);
    if (state_ != State::resyncing) return;
    handle_ = handle;
    picker_ = std::move(picker);
    state_ = State::ready;
    ++resyncs_;
    // Every piece a reader still wants gets its deadline again, in piece order.
    int rank = 0;
    for (const int piece : demand_.wanted()) {
      if (belief_.stale(piece)) {
        again = true;  // evicted during the resync and wanted: once more
        continue;
      }
      if (!pieces_->have(piece)) fetch_locked(piece, kReissueStep * rank++);
    }
    for (const auto& [piece, priority] : demand_.prefetches())
      again = again || belief_.stale(piece);
    reprioritise_deferrable_locked();
  }
  if (again) request_resync();
}

void LiveTorrent::open_file(const FileInfo& file) {
  bool reconnect = false;
  {
    LockGuard lock(mutex_);
    const auto ends = reader_files_.open(file);
    for (const int piece : ends) {
      if (options_.budget_mode && store_) store_->protect(piece);
      if (!pieces_->have(piece)) demand_.prefetch(piece, PieceDemand::kEndsPriority);
    }
    if (!ends.empty()) prefetch_locked();
    reconnect = needs_reconnect_locked();
  }
  if (reconnect) request_reconnect();
}

void LiveTorrent::file_started(const FileInfo& file) {
  LockGuard lock(mutex_);
  reader_files_.started(file);
}

void LiveTorrent::close_file(const FileInfo& file) {
  LockGuard lock(mutex_);
  const auto kept = reader_files_.close(file);
  if (!store_) return;
  for (const int piece : kept)
    store_->unprotect(piece);
}

bool LiveTorrent::reader_waiting_locked() const {
  const auto& wanted = demand_.wanted();
  return std::any_of(wanted.begin(), wanted.end(),
                     [&](int piece) { return !pieces_->have(piece); });
}

void LiveTorrent::pace_background(Clock::time_point now) {
  LockGuard lock(mutex_);
  if (options_.budget_mode || state_ != State::ready) {
    reader_files_.background().idle(now);
    return;
  }
  // A piece taken at once inside a pass (keep_wanting_locked) may have lost to a lowering of it
  // posted from another thread earlier: its priority is said again.
  for (const int piece : reader_files_.background().in_flight())
    if (belief_.lacks(piece)) background_locked(piece);
  if (!reader_files_.background().has_files()) {
    reader_files_.background().idle(now);
    return;
  }
  const int piece = reader_files_.background().pace(
      {now, [&](int had) { return pieces_->have(had); },
       [&](int candidate) REQUIRES(mutex_) { return background_may_take_locked(candidate); },
       reader_waiting_locked()});
  if (piece >= 0) background_locked(piece);
}

// A piece libtorrent lacks that no reader wants and no prefetch holds: those set its priority.
bool LiveTorrent::background_may_take_locked(int piece) const {
  return belief_.lacks(piece) && !demand_.demanded(piece);
}

void LiveTorrent::background_locked(int piece) {
  if (!background_may_take_locked(piece)) return;
  if (auto* picker = picker_locked())
    picker->set_priority(piece,
                         priority_unless_held_locked(static_cast<std::uint8_t>(lt::low_priority)));
}

bool LiveTorrent::keeps_interest(Clock::time_point now) const {
  if (options_.keep_interest_for.count() == 0) return false;  // --keep-interest 0s: off
  const Clock::time_point last_read{Clock::duration(last_read_ns_.load())};
  const bool reading = readers_ > 0 || now - last_read < options_.keep_interest_for;
  return reading && believed_count() < pieces_->num_pieces();
}

LiveTorrent::ReaderLease::ReaderLease(std::shared_ptr<LiveTorrent> torrent)
    : torrent_(std::move(torrent)) {
  ++torrent_->readers_;
  torrent_->reader_came_or_went();
}

LiveTorrent::ReaderLease::~ReaderLease() {
  if (!torrent_) return;
  torrent_->reader_came_or_went();
  --torrent_->readers_;
}

}  // namespace seeder::torrent
