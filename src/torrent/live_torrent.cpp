#include "seeder/torrent/live_torrent.hpp"

#include <boost/asio/post.hpp>

namespace seeder::torrent {

LiveTorrent::LiveTorrent(EntryPtr entry)
    : entry_(std::move(entry)),
      pieces_(std::make_shared<PieceMap>(entry_->meta->num_pieces())),
      last_active_ns_(Clock::now().time_since_epoch().count()),
      want_counts_(static_cast<std::size_t>(entry_->meta->num_pieces()), 0) {}

void LiveTorrent::async_when_ready(boost::asio::any_io_executor executor,
                                   std::function<void(Status)> handler) {
  std::unique_lock lock(mutex_);
  if (state_ == State::loading) {
    ready_waiters_.push_back({std::move(executor), std::move(handler)});
    return;
  }
  const Status status = state_ == State::ready ? Status{} : Status{failure_};
  lock.unlock();
  boost::asio::post(executor, [handler = std::move(handler), status] { handler(status); });
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
    boost::asio::post(waiter.executor,
                      [handler = std::move(waiter.handler), status] { handler(status); });
  }
}

LiveTorrent::State LiveTorrent::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::shared_ptr<storage::TorrentStore> LiveTorrent::store() const {
  std::lock_guard lock(mutex_);
  return store_;
}

void LiveTorrent::set_store(std::shared_ptr<storage::TorrentStore> store) {
  std::lock_guard lock(mutex_);
  store_ = std::move(store);
}

lt::torrent_handle LiveTorrent::handle() const {
  std::lock_guard lock(mutex_);
  return handle_;
}

void LiveTorrent::want(int piece, std::chrono::milliseconds deadline) {
  if (piece < 0 || piece >= pieces_->num_pieces()) return;
  std::lock_guard lock(mutex_);
  auto& count = want_counts_[static_cast<std::size_t>(piece)];
  const bool first = count++ == 0;
  if ((first || deadline.count() == 0) && handle_.is_valid() && !pieces_->have(piece)) {
    handle_.set_piece_deadline(lt::piece_index_t(piece), static_cast<int>(deadline.count()));
  }
}

void LiveTorrent::unwant(int piece) {
  if (piece < 0 || piece >= pieces_->num_pieces()) return;
  std::lock_guard lock(mutex_);
  auto& count = want_counts_[static_cast<std::size_t>(piece)];
  if (count == 0 || --count != 0) return;
  if (handle_.is_valid() && !pieces_->have(piece)) {
    handle_.reset_piece_deadline(lt::piece_index_t(piece));
    // reset_piece_deadline leaves the piece at low priority (1); put it back with the rest.
    handle_.piece_priority(lt::piece_index_t(piece), lt::default_priority);
  }
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
