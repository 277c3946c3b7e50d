#pragma once
// CacheBudget: how many bytes of one torrent's complete pieces may stay on disk, which of them
// to evict when there are more, and which may not be evicted now (pinned: in a reader's window,
// served by a completed-file reader). Pure policy over a PieceLru: it picks victims; the owner
// (TorrentStore) punches the holes and records the change.
//
// Once the complete pieces exceed the budget, the least recently used unpinned pieces are picked
// down to 80% of it (hysteresis: one burst of evictions, then quiet, so one resync rather than
// one per piece).
//
// Threads: the LRU part (add, remove, touch, bytes, over, victims) is called under the owner's
// state lock. Pins are atomic counts, changed by the owner under the piece's shard lock, which
// an eviction holds too: a pinned piece is seen pinned by the eviction that would take it.

#include <atomic>
#include <cstdint>
#include <vector>

#include "seeder/storage/piece_lru.hpp"

namespace seeder::storage {

// What eviction brings a budget back down to: 80% of it (one burst of evictions, then quiet).
constexpr std::uint64_t low_watermark(std::uint64_t budget) {
  return budget / 10 * 8;
}

class CacheBudget {
 public:
  // `budget`: bytes; 0 means no limit (nothing is ever evicted). `piece_bytes`: what each piece
  // occupies on disk.
  CacheBudget(std::uint64_t budget, std::vector<std::uint32_t> piece_bytes);

  [[nodiscard]] std::uint64_t budget() const { return budget_; }
  [[nodiscard]] bool limited() const { return budget_ != 0; }

  void add(int piece) { lru_.add(piece); }
  void add_unused(int piece) { lru_.add_unused(piece); }
  void remove(int piece) { lru_.remove(piece); }
  void touch(int piece) { lru_.touch(piece); }
  [[nodiscard]] std::uint64_t bytes() const { return lru_.bytes(); }
  [[nodiscard]] std::uint64_t bytes_of(int piece) const { return lru_.bytes_of(piece); }
  [[nodiscard]] std::uint64_t used_at(int piece) const { return lru_.used_at(piece); }
  // The last use of any piece (the LRU's front), 0 when none.
  [[nodiscard]] std::uint64_t last_use() const { return lru_.last_use(); }
  // Unpinned pieces, least recently used first, enough to make `bytes` (the disk budget's).
  [[nodiscard]] std::vector<int> least_used(std::uint64_t bytes) const;
  // Whether `incoming` more bytes would take the pieces on disk over the budget.
  [[nodiscard]] bool over(std::uint64_t incoming = 0) const {
    return limited() && lru_.bytes() + incoming > budget_;
  }
  // The pieces to evict, oldest first, so that `incoming` more bytes leave the torrent at the
  // low watermark; none when not over(). Pinned pieces are skipped (and rechecked by the owner
  // under the shard lock before it evicts).
  [[nodiscard]] std::vector<int> victims(std::uint64_t incoming = 0) const;

  void pin(int piece) { ++pins_[static_cast<std::size_t>(piece)]; }
  void unpin(int piece) { --pins_[static_cast<std::size_t>(piece)]; }
  [[nodiscard]] bool pinned(int piece) const {
    return pins_[static_cast<std::size_t>(piece)].load() > 0;
  }

 private:
  std::uint64_t budget_;
  std::vector<std::atomic<std::uint16_t>> pins_;  // per piece; before lru_, which takes the sizes
  PieceLru lru_;
};

}  // namespace seeder::storage
