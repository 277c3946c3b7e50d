#include "seeder/torrent/live_torrent.hpp"

#include <spdlog/spdlog.h>

#include "seeder/core/deliver.hpp"

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
      want_counts_(static_cast<std::size_t>(entry_->meta->num_pieces()), 0),
      bands_(static_cast<std::size_t>(entry_->meta->num_pieces()), kUrgencyBands) {}

std::shared_ptr<storage::TorrentStore> LiveTorrent::store() const {
  std::lock_guard lock(mutex_);
  return store_;
}

void LiveTorrent::attach_store(std::shared_ptr<storage::TorrentStore> store) {
  // Listen first, then read what the store has: an eviction in between is then reported (at
  // worst as a piece already known missing, which costs nothing).
  std::weak_ptr<PieceMap> weak_pieces = pieces_;
  std::weak_ptr<LiveTorrent> weak_self = weak_from_this();
  store->set_eviction_listener({
      [weak_pieces](int piece) {
        if (auto pieces = weak_pieces.lock()) pieces->clear_have(piece);
      },
      [weak_self](const std::vector<int>& evicted) {
        if (auto self = weak_self.lock()) self->on_evicted(evicted);
      },
  });
  for (int piece = 0; piece < store->num_pieces(); ++piece) {
    if (store->piece_complete(piece)) pieces_->set_have(piece);
  }
  std::lock_guard lock(mutex_);
  store_ = std::move(store);
}

void LiveTorrent::on_resync_wanted(std::function<void()> request) {
  std::lock_guard lock(mutex_);
  resync_request_ = std::move(request);
}

void LiveTorrent::on_reconnect_wanted(std::function<void()> request) {
  std::lock_guard lock(mutex_);
  reconnect_request_ = std::move(request);
}

bool LiveTorrent::needs_reconnect_locked() const {
  return options_.budget_mode && (wanted_pieces_ > 0 || !prefetch_.empty()) &&
         peers_->load() == 0 && state_ == State::ready;
}

void LiveTorrent::request_reconnect() {
  std::function<void()> request;
  {
    std::lock_guard lock(mutex_);
    if (!needs_reconnect_locked() || !reconnect_request_) return;
    request = reconnect_request_;
  }
  request();
}

void LiveTorrent::on_no_peers() {
  request_reconnect();
}

void LiveTorrent::reconnect() {
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  // At most a few a second: a torrent whose peers all refuse it must not spin.
  if (!needs_reconnect_locked() || now - last_reconnect_ < std::chrono::milliseconds(200)) return;
  last_reconnect_ = now;
  on_handle_locked([](const lt::torrent_handle& handle) {
    handle.pause();
    handle.resume();
  });
}

void LiveTorrent::async_when_ready(boost::asio::any_io_executor executor,
                                   std::function<void(Status)> handler) {
  std::unique_lock lock(mutex_);
  if (state_ == State::loading) {
    ready_waiters_.push_back({std::move(executor), std::move(handler)});
    return;
  }
  const Status status = state_ == State::failed ? Status{failure_} : Status{};
  lock.unlock();
  deliver(executor, std::move(handler), status);
}

void LiveTorrent::mark_ready(const lt::torrent_handle& handle) {
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::loading) return;
    handle_ = handle;
    state_ = State::ready;
  }
  complete_ready_waiters(Status{});
}

void LiveTorrent::mark_failed(const Error& error) {
  {
    std::lock_guard lock(mutex_);
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
    std::lock_guard lock(mutex_);
    waiters.swap(ready_waiters_);
  }
  for (auto& waiter : waiters) {
    deliver(waiter.executor, std::move(waiter.handler), status);
  }
}

LiveTorrent::State LiveTorrent::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

lt::torrent_handle LiveTorrent::handle() const {
  std::lock_guard lock(mutex_);
  return handle_;
}

template <class Call>
void LiveTorrent::on_handle_locked(Call call) {
  if (state_ != State::ready || !handle_.is_valid()) return;
  try {
    call(handle_);
  } catch (const lt::system_error& error) {
    spdlog::debug("torrent {}: handle gone: {}", meta().hash().hex(), error.what());
  }
}

// Never a deadline on a piece libtorrent believes it has: it would wait for nothing (and in
// 2.0.8 a deadline on a had piece reads it, which pauses the torrent when we evicted it).
bool LiveTorrent::libtorrent_lacks_locked(int piece) const {
  return !pieces_->have(piece) && stale_.count(piece) == 0 && resyncing_.count(piece) == 0;
}

void LiveTorrent::fetch_locked(int piece, std::chrono::milliseconds deadline) {
  if (!libtorrent_lacks_locked(piece)) return;
  on_handle_locked([&](const lt::torrent_handle& handle) {
    handle.set_piece_deadline(lt::piece_index_t(piece), static_cast<int>(deadline.count()));
  });
  prioritise_locked(piece);
}

// Bands map to priorities 7..1 under a budget (nothing else is fetched); without one, to 7..5,
// above the default 4 of the pieces nobody is waiting for.
void LiveTorrent::prioritise_locked(int piece) {
  const int band = bands_[static_cast<std::size_t>(piece)];
  if (band == 0 || band >= kUrgencyBands || !libtorrent_lacks_locked(piece)) return;
  const int lowest = options_.budget_mode ? 1 : 5;
  const auto priority = static_cast<std::uint8_t>(std::max(lowest, 7 - band));
  on_handle_locked([&](const lt::torrent_handle& handle) {
    handle.piece_priority(lt::piece_index_t(piece), lt::download_priority_t(priority));
  });
}

void LiveTorrent::release_locked(int piece) {
  if (pieces_->have(piece) || stale_.count(piece) != 0) return;
  const bool prefetched = prefetch_.count(piece) != 0;
  on_handle_locked([&](const lt::torrent_handle& handle) {
    handle.reset_piece_deadline(lt::piece_index_t(piece));
    // reset_piece_deadline leaves the piece at priority 1: put it back with the rest.
    handle.piece_priority(lt::piece_index_t(piece), prefetched             ? lt::top_priority
                                                    : options_.budget_mode ? lt::dont_download
                                                                           : lt::default_priority);
  });
}

void LiveTorrent::prefetch(int first, int last) {
  first = std::max(first, 0);
  last = std::min(last, pieces_->num_pieces() - 1);
  bool resync = false;
  bool reconnect = false;
  {
    std::lock_guard lock(mutex_);
    for (int piece = first; piece <= last; ++piece) {
      if (pieces_->have(piece)) {
        if (store_) store_->touch(piece);  // warmed: used, for the LRU
        continue;
      }
      prefetch_.insert(piece);
      resync = resync || stale_.count(piece) != 0;
    }
    prefetch_locked();
    reconnect = needs_reconnect_locked();
  }
  if (resync) request_resync();
  if (reconnect) request_reconnect();
}

void LiveTorrent::prefetch_locked() {
  for (auto it = prefetch_.begin(); it != prefetch_.end();) {
    const int piece = *it;
    if (pieces_->have(piece)) {
      it = prefetch_.erase(it);
      continue;
    }
    ++it;
    if (!libtorrent_lacks_locked(piece)) continue;
    on_handle_locked([&](const lt::torrent_handle& handle) {
      handle.piece_priority(lt::piece_index_t(piece), lt::top_priority);
    });
  }
}

LiveTorrent::Interest LiveTorrent::interest(int piece) const {
  if (piece < 0 || piece >= pieces_->num_pieces() || pieces_->have(piece)) return Interest::none;
  std::lock_guard lock(mutex_);
  if (want_counts_[static_cast<std::size_t>(piece)] > 0 || prefetch_.count(piece) != 0)
    return Interest::high;
  return options_.budget_mode ? Interest::none : Interest::normal;
}

LiveTorrent::SwarmStatus LiveTorrent::swarm() const {
  std::lock_guard lock(mutex_);
  return swarm_;
}

void LiveTorrent::set_swarm(const SwarmStatus& status) {
  std::lock_guard lock(mutex_);
  swarm_ = status;
}

void LiveTorrent::want(int piece, std::chrono::milliseconds deadline, int band) {
  if (piece < 0 || piece >= pieces_->num_pieces()) return;
  bool resync = false;
  bool reconnect = false;
  {
    std::lock_guard lock(mutex_);
    auto& count = want_counts_[static_cast<std::size_t>(piece)];
    auto& wanted_band = bands_[static_cast<std::size_t>(piece)];
    const bool first = count++ == 0;
    const bool more_urgent = band < wanted_band;
    if (first) {
      ++wanted_pieces_;
      if (store_) store_->protect(piece);
    }
    if (more_urgent) wanted_band = static_cast<std::uint8_t>(std::max(0, band));
    if (stale_.count(piece) != 0) {
      resync = true;
    } else if (first || deadline.count() == 0) {
      fetch_locked(piece, deadline);
    } else if (more_urgent) {
      prioritise_locked(piece);
    }
    reconnect = first && wanted_pieces_ == 1 && needs_reconnect_locked();
  }
  if (resync) request_resync();
  if (reconnect) request_reconnect();
}

void LiveTorrent::raise(int piece, int band) {
  if (piece < 0 || piece >= pieces_->num_pieces()) return;
  std::lock_guard lock(mutex_);
  auto& wanted_band = bands_[static_cast<std::size_t>(piece)];
  if (want_counts_[static_cast<std::size_t>(piece)] == 0 || band >= wanted_band) return;
  wanted_band = static_cast<std::uint8_t>(std::max(0, band));
  prioritise_locked(piece);
}

void LiveTorrent::unwant(int piece) {
  if (piece < 0 || piece >= pieces_->num_pieces()) return;
  std::lock_guard lock(mutex_);
  auto& count = want_counts_[static_cast<std::size_t>(piece)];
  if (count == 0 || --count != 0) return;
  --wanted_pieces_;
  bands_[static_cast<std::size_t>(piece)] = kUrgencyBands;
  if (store_) store_->unprotect(piece);
  release_locked(piece);
}

// Stale pieces alone never interrupt a reader: a resync drops every connection of the torrent,
// and a stream under a budget evicts behind itself all the time (measured on 1 GiB under 64 MiB:
// a resync per 256 evictions halved the throughput). They wait for an idle moment, or for a
// reader that wants one of them back.
void LiveTorrent::on_evicted(const std::vector<int>& pieces) {
  std::lock_guard lock(mutex_);
  stale_.insert(pieces.begin(), pieces.end());
}

void LiveTorrent::resync_if_idle(Clock::time_point now, Clock::duration quiet) {
  {
    std::lock_guard lock(mutex_);
    const int threshold = std::clamp(pieces_->num_pieces() / 8, 1, options_.resync_threshold);
    if (static_cast<int>(stale_.size()) < threshold || wanted_pieces_ > 0 || readers_ > 0 ||
        now - last_active() < quiet)
      return;
  }
  request_resync();
}

void LiveTorrent::request_resync() {
  std::function<void()> request;
  {
    std::lock_guard lock(mutex_);
    if (resync_wanted_ || !resync_request_ || state_ == State::failed) return;
    resync_wanted_ = true;
    request = resync_request_;
  }
  request();
}

lt::torrent_handle LiveTorrent::begin_resync() {
  std::lock_guard lock(mutex_);
  resync_wanted_ = false;
  if (state_ != State::ready || stale_.empty()) return {};
  state_ = State::resyncing;
  resyncing_ = std::move(stale_);
  stale_.clear();
  return handle_;
}

void LiveTorrent::finish_resync(const lt::torrent_handle& handle) {
  bool again = false;
  {
    std::lock_guard lock(mutex_);
    if (state_ != State::resyncing) return;
    handle_ = handle;
    state_ = State::ready;
    resyncing_.clear();
    ++resyncs_;
    // Every piece a reader still wants gets its deadline again, in piece order.
    int rank = 0;
    for (int piece = 0; piece < static_cast<int>(want_counts_.size()); ++piece) {
      if (want_counts_[static_cast<std::size_t>(piece)] == 0) continue;
      if (stale_.count(piece) != 0) {
        again = true;  // evicted during the resync and wanted: once more
        continue;
      }
      if (!pieces_->have(piece)) fetch_locked(piece, kReissueStep * rank++);
    }
    for (const int piece : prefetch_)
      again = again || stale_.count(piece) != 0;
    prefetch_locked();
  }
  if (again) request_resync();
}

LiveTorrent::ReaderLease::ReaderLease(std::shared_ptr<LiveTorrent> torrent)
    : torrent_(std::move(torrent)) {
  ++torrent_->readers_;
  torrent_->touch();
}

LiveTorrent::ReaderLease::~ReaderLease() {
  if (!torrent_) return;
  torrent_->touch();
  --torrent_->readers_;
}

}  // namespace seeder::torrent
