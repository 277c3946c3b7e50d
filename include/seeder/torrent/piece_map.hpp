#pragma once
// PieceMap: which pieces of one torrent are verified on disk, and who is waiting for which.
// Written by libtorrent's network thread (piece passed) and by storage (piece evicted); read and
// waited on from HTTP strands. One mutex guards it; it is never held while a handler runs.

#include <cstdint>
#include <functional>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/mutex.hpp"
#include "seeder/core/result.hpp"

namespace seeder::torrent {

class PieceMap {
 public:
  using Handler = std::function<void(Status)>;
  using Ticket = std::uint64_t;

  explicit PieceMap(int num_pieces);

  [[nodiscard]] int num_pieces() const { return num_pieces_; }
  [[nodiscard]] bool have(int piece) const;
  [[nodiscard]] int have_count() const;
  // True once fail_waiters() ran: new waits fail at once with that error.
  [[nodiscard]] bool failed() const;

  // Any thread. Marks the piece verified and wakes its waiters.
  void set_have(int piece);
  // Any thread. The piece is gone from disk (evicted or found bad).
  void clear_have(int piece);

  // Completes `handler` on `executor` when `piece` is had (at once, posted, if it already is),
  // with the failure given to fail_waiters(), or with Errc::cancelled after cancel(ticket).
  Ticket async_wait(int piece, boost::asio::any_io_executor executor, Handler handler);
  // Cancels a wait that has not completed yet; a no-op otherwise.
  void cancel(Ticket ticket);
  // Fails every current and future wait with `error` (the torrent is going away or broke).
  void fail_waiters(const Error& error);

 private:
  struct Waiter {
    Ticket ticket;
    int piece;
    boost::asio::any_io_executor executor;
    Handler handler;
  };
  static void complete(Waiter& waiter, Status status);

  mutable Mutex mutex_;
  const int num_pieces_;
  std::vector<std::uint8_t> have_ GUARDED_BY(mutex_);
  int have_count_ GUARDED_BY(mutex_) = 0;
  std::vector<Waiter> waiters_ GUARDED_BY(mutex_);  // few (one per blocked reader)
  Ticket next_ticket_ GUARDED_BY(mutex_) = 1;
  bool failed_ GUARDED_BY(mutex_) = false;
  Error failure_ GUARDED_BY(mutex_){Errc::internal, {}};
};

}  // namespace seeder::torrent
