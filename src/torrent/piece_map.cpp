#include "seeder/torrent/piece_map.hpp"

#include <boost/asio/post.hpp>

namespace seeder::torrent {

PieceMap::PieceMap(int num_pieces)
    : num_pieces_(num_pieces), have_(static_cast<std::size_t>(num_pieces), 0) {}

bool PieceMap::have(int piece) const {
  LockGuard lock(mutex_);
  return piece >= 0 && piece < num_pieces() && have_[static_cast<std::size_t>(piece)] != 0;
}

int PieceMap::have_count() const {
  LockGuard lock(mutex_);
  return have_count_;
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

void PieceMap::set_have(int piece) {
  std::vector<Waiter> ready;
  {
    LockGuard lock(mutex_);
    if (piece < 0 || piece >= num_pieces()) return;
    auto& bit = have_[static_cast<std::size_t>(piece)];
    if (bit == 0) ++have_count_;
    bit = 1;
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

void PieceMap::clear_have(int piece) {
  LockGuard lock(mutex_);
  if (piece < 0 || piece >= num_pieces()) return;
  auto& bit = have_[static_cast<std::size_t>(piece)];
  if (bit != 0) --have_count_;
  bit = 0;
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
  } else if (piece < 0 || piece >= num_pieces()) {
    lock.unlock();
    complete(waiter, make_error(Errc::internal, "piece index out of range"));
  } else if (have_[static_cast<std::size_t>(piece)] != 0) {
    lock.unlock();
    complete(waiter, Status{});
  } else {
    waiters_.push_back(std::move(waiter));
  }
  return ticket;
}

void PieceMap::cancel(Ticket ticket) {
  UniqueLock lock(mutex_);
  for (auto it = waiters_.begin(); it != waiters_.end(); ++it) {
    if (it->ticket != ticket) continue;
    Waiter waiter = std::move(*it);
    waiters_.erase(it);
    lock.unlock();
    complete(waiter, make_error(Errc::cancelled, "wait cancelled"));
    return;
  }
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
