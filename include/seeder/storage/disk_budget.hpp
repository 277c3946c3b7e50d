#pragma once
// DiskBudget: one limit on the bytes of complete pieces that every torrent of a data dir keeps
// on disk (--cache-budget), so that N torrents cannot take N times a per-torrent budget. The
// per-torrent budget (CacheBudget) stays as a cap inside it.
//
// It counts the bytes of every open store (as their pieces complete and go) and of every torrent
// with bytes on disk and no open store ("closed": found at start-up, or left by a store that
// closed), with the last use of each. When the total passes the limit, the least recently used
// pieces of any torrent go first, down to 80% of it (StoreRegistry::enforce_disk_budget picks
// them; a closed torrent's store is opened to evict, its pieces counted as never used).
//
// Thread-safe: counts are atomic; the closed list has its own leaf lock.

#include <atomic>
#include <cstdint>
#include <optional>
#include <unordered_map>

#include "seeder/core/info_hash.hpp"
#include "seeder/core/mutex.hpp"
#include "seeder/storage/cache_budget.hpp"

namespace seeder::storage {

class DiskBudget {
 public:
  // `limit`: bytes; 0 means none (then nothing here evicts).
  explicit DiskBudget(std::uint64_t limit) : limit_(limit) {}

  [[nodiscard]] std::uint64_t limit() const { return limit_; }
  [[nodiscard]] bool limited() const { return limit_ != 0; }
  [[nodiscard]] std::uint64_t used() const { return used_.load(); }
  [[nodiscard]] bool over() const { return limited() && used() > limit_; }
  // Bytes to free to come back to the low watermark (80% of the limit); 0 when not over.
  [[nodiscard]] std::uint64_t excess() const;

  // A piece of an open store became complete, or is gone.
  void add(std::uint64_t bytes) { used_ += bytes; }
  void remove(std::uint64_t bytes) { used_ -= bytes; }

  // A torrent's bytes on disk, with no store open to account for them (its last use: a
  // PieceLru clock value, 0 when not used in this process). Counted until taken.
  void add_closed(const InfoHash& key, std::uint64_t bytes, std::uint64_t last_use);
  // A store closed: its `bytes`, counted while it was open, are now a closed torrent's (no
  // moment without them: a pass reading the count meanwhile would see too little).
  void store_closed(const InfoHash& key, std::uint64_t bytes, std::uint64_t last_use);
  // A store of `key` opened (and counts its pieces itself): what was counted for it as closed
  // is not any more.
  void take_closed(const InfoHash& key);
  // The closed torrent used least recently, when any was used before `before` (a clock value).
  [[nodiscard]] std::optional<InfoHash> oldest_closed(std::uint64_t before) const;
  [[nodiscard]] std::size_t closed_count() const;

 private:
  struct Closed {
    std::uint64_t bytes = 0;
    std::uint64_t last_use = 0;
  };
  void forget_closed_then(const InfoHash& key, std::uint64_t bytes, std::uint64_t last_use);

  const std::uint64_t limit_;
  std::atomic<std::uint64_t> used_{0};
  mutable Mutex mutex_;
  std::unordered_map<InfoHash, Closed, InfoHashHasher> closed_ GUARDED_BY(mutex_);
};

}  // namespace seeder::storage
