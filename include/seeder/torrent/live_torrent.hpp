#pragma once
// LiveTorrent: one torrent while it is in the libtorrent session. Owns its PieceMap, tells
// libtorrent which pieces readers want next (deadlines, counted per piece so readers sharing a
// piece don't cancel each other), and records activity for the idle TTL.
//
// Created and dropped by the Registry. Thread-safe: readers call it from HTTP strands, the
// alert strand marks it ready or failed, libtorrent's network thread fills its PieceMap.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <libtorrent/torrent_handle.hpp>

#include "seeder/core/result.hpp"
#include "seeder/storage/torrent_store.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/piece_map.hpp"

namespace seeder::torrent {

class LiveTorrent {
 public:
  enum class State { loading, ready, failed };
  using Clock = std::chrono::steady_clock;

  explicit LiveTorrent(EntryPtr entry);

  [[nodiscard]] const CatalogEntry& entry() const { return *entry_; }
  [[nodiscard]] const TorrentMeta& meta() const { return *entry_->meta; }
  [[nodiscard]] PieceMap& pieces() { return *pieces_; }
  [[nodiscard]] const std::shared_ptr<PieceMap>& shared_pieces() const { return pieces_; }
  // The torrent's storage; null until it is opened (the torrent is then still loading).
  [[nodiscard]] std::shared_ptr<storage::TorrentStore> store() const;
  void set_store(std::shared_ptr<storage::TorrentStore> store);

  // Completes on `executor` once the torrent is in the session (or failed to get there).
  void async_when_ready(boost::asio::any_io_executor executor, std::function<void(Status)> handler);
  void mark_ready(const libtorrent::torrent_handle& handle);
  void mark_failed(const Error& error);
  [[nodiscard]] State state() const;
  [[nodiscard]] libtorrent::torrent_handle handle() const;

  // One more reader wants `piece` by `deadline` from now. Sets a libtorrent deadline unless the
  // piece is already verified; a deadline of zero always brings the piece forward.
  void want(int piece, std::chrono::milliseconds deadline);
  // The reader no longer needs `piece`. The last one to let go clears its deadline.
  void unwant(int piece);

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

 private:
  struct ReadyWaiter {
    boost::asio::any_io_executor executor;
    std::function<void(Status)> handler;
  };
  void complete_ready_waiters(const Status& status);

  EntryPtr entry_;
  std::shared_ptr<PieceMap> pieces_;
  std::atomic<Clock::rep> last_active_ns_;
  std::atomic<int> readers_{0};

  mutable std::mutex mutex_;
  State state_ = State::loading;                  // guarded by mutex_
  Error failure_{Errc::internal, {}};             // guarded by mutex_
  libtorrent::torrent_handle handle_;             // guarded by mutex_
  std::shared_ptr<storage::TorrentStore> store_;  // guarded by mutex_
  std::vector<ReadyWaiter> ready_waiters_;        // guarded by mutex_
  std::vector<std::uint16_t> want_counts_;        // guarded by mutex_, one per piece
};

}  // namespace seeder::torrent
