#include "seeder/torrent/piece_map.hpp"

#include <boost/asio/post.hpp>

namespace seeder::torrent {

PieceMap::PieceMap(int num_pieces) : num_pieces_(num_pieces) {}

void PieceMap::follow(std::shared_ptr<const Record> record) {
  {
    LockGuard lock(mutex_);
    if (owner_ || !record) return;
    owner_ = std::move(record);
    record_.store(owner_.get(), std::memory_order_release);
  }
  wake_had();
}

bool PieceMap::have(int piece) const {
  if (piece < 0 || piece >= num_pieces()) return false;
  const auto* record = record_.load(std::memory_order_acquire);
  return record != nullptr && record->complete(piece);
}

int PieceMap::have_count() const {
  const auto* record = record_.load(std::memory_order_acquire);
  return record != nullptr ? record->complete_count() : 0;
}

bool PieceMap::failed() const {
  LockGuard lock(mutex_);
  return failed_;
}

void PieceMap::complete(Waiter& waiter, Status status) {
  boost::asio::post(waiter.executor, [handler = std::move(waiter.handler), status]() mutable {
    handler(std::move(status));
  });
}

std::optional<PieceMap::Waiter> PieceMap::take(Ticket ticket) {
  LockGuard lock(mutex_);
  for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
    if (it->ticket != ticket) continue;
    Waiter waiter = std::move(*it);
    waiters_.erase(it);
    return waiter;
  }
  return std::nullopt;
}

void PieceMap::recorded(int piece) {
  std::vector<Waiter> ready;
  {
    LockGuard lock(mutex_);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->piece == piece) {
        ready.push_back(std::move(*it));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& waiter : ready)
    complete(waiter, Status{});
}

void PieceMap::wake_had() {
  std::vector<std::pair<Ticket, int>> pending;
  {
    LockGuard lock(mutex_);
    for (const auto& waiter : waiters_)
      pending.emplace_back(waiter.ticket, waiter.piece);
  }
  for (const auto& [ticket, piece] : pending) {
    if (!have(piece)) continue;
    if (auto waiter = take(ticket)) complete(*waiter, Status{});
  }
}

PieceMap::Ticket PieceMap::async_wait(int piece, boost::asio::any_io_executor executor,
                                      Handler handler) {
  Waiter waiter{0, piece, std::move(executor), std::move(handler)};
  UniqueLock lock(mutex_);
  waiter.ticket = next_ticket_++;
  const auto ticket = waiter.ticket;
  if (failed_) {
    const Status status = failure_;
    lock.unlock();
    complete(waiter, status);
    return ticket;
  }
  if (piece < 0 || piece >= num_pieces()) {
    lock.unlock();
    complete(waiter, make_error(Errc::internal, "piece index out of range"));
    return ticket;
  }
  waiters_.push_back(std::move(waiter));
  lock.unlock();
  // Waiting first, then reading the record (outside the lock: the store calls recorded() under
  // its own): a piece recorded in between has woken the wait already, or is seen here.
  if (have(piece)) {
    if (auto pending = take(ticket)) complete(*pending, Status{});
  }
  return ticket;
}

void PieceMap::cancel(Ticket ticket) {
  if (auto waiter = take(ticket)) complete(*waiter, make_error(Errc::cancelled, "wait cancelled"));
}

void PieceMap::fail_waiters(const Error& error) {
  std::vector<Waiter> failed;
  {
    LockGuard lock(mutex_);
    failed_ = true;
    failure_ = error;
    failed.swap(waiters_);
  }
  for (auto& waiter : failed)
    complete(waiter, error);
}

}  // namespace seeder::torrent
