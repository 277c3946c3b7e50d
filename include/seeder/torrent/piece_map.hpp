#pragma once
// PieceMap: which pieces of one torrent are verified on disk, and who is waiting for which.
//
// It keeps no copy of "verified": it reads the store's completion record (TorrentStore's
// CompletionModel, through a Record), the one truth of what is on disk. The store tells it of
// each piece it records (recorded()), which wakes that piece's waiters. An eviction needs no
// word: the store clears its record before the piece's bytes go, so every reader sees it gone
// from then on.
//
// Recorded pieces arrive on libtorrent's network thread; waits come from HTTP strands. One
// mutex guards the waiters; it is never held while a handler runs or the record is read.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/mutex.hpp"
#include "seeder/core/result.hpp"

namespace seeder::torrent {

class PieceMap {
 public:
  using Handler = std::function<void(Status)>;
  using Ticket = std::uint64_t;

  // The record of verified pieces. Read from any thread; it must take no lock of the map's.
  class Record {
   public:
    virtual ~Record() = default;
    [[nodiscard]] virtual bool complete(int piece) const = 0;
    [[nodiscard]] virtual int complete_count() const = 0;
  };

  explicit PieceMap(int num_pieces);

  // The record to read from now on (once: the torrent's store, when it is open). Until then no
  // piece is had. Waits for pieces it has complete.
  void follow(std::shared_ptr<const Record> record);

  [[nodiscard]] int num_pieces() const { return num_pieces_; }
  [[nodiscard]] bool have(int piece) const;
  [[nodiscard]] int have_count() const;
  // True once fail_waiters() ran: new waits fail at once with that error.
  [[nodiscard]] bool failed() const;

  // Any thread: the record now has `piece`; its waiters wake.
  void recorded(int piece);

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
  // Removes the wait `ticket` if it is still pending: whoever takes a waiter completes it.
  std::optional<Waiter> take(Ticket ticket);
  // Completes every pending wait whose piece the record has.
  void wake_had();

  const int num_pieces_;
  // Set once by follow(); owner_ keeps it alive, record_ is read without the lock.
  std::atomic<const Record*> record_{nullptr};
  mutable Mutex mutex_;
  std::shared_ptr<const Record> owner_ GUARDED_BY(mutex_);
  std::vector<Waiter> waiters_ GUARDED_BY(mutex_);  // few (one per blocked reader)
  Ticket next_ticket_ GUARDED_BY(mutex_) = 1;
  bool failed_ GUARDED_BY(mutex_) = false;
  Error failure_ GUARDED_BY(mutex_){Errc::internal, {}};
};

}  // namespace seeder::torrent
