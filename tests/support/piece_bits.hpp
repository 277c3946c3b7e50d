#pragma once
// PieceBits: a PieceMap's record kept by hand (tests), in place of a store's: set() records a
// piece and wakes the map's waiters, as the store does; clear() forgets it, as an eviction does.

#include <algorithm>
#include <memory>
#include <vector>

#include "seeder/core/mutex.hpp"
#include "seeder/torrent/piece_map.hpp"

namespace seeder::test {

class PieceBits final : public torrent::PieceMap::Record {
 public:
  // A record `map` follows from now on (`map` owns it): set() wakes its waiters.
  static std::shared_ptr<PieceBits> followed_by(torrent::PieceMap& map) {
    auto bits = std::shared_ptr<PieceBits>(new PieceBits(map.num_pieces(), &map));
    map.follow(bits);
    return bits;
  }
  // A record no map follows yet.
  static std::shared_ptr<PieceBits> alone(int num_pieces) {
    return std::shared_ptr<PieceBits>(new PieceBits(num_pieces, nullptr));
  }
  [[nodiscard]] bool complete(int piece) const override {
    LockGuard lock(mutex_);
    return piece >= 0 && piece < static_cast<int>(bits_.size()) &&
           bits_[static_cast<std::size_t>(piece)];
  }
  [[nodiscard]] int complete_count() const override {
    LockGuard lock(mutex_);
    return static_cast<int>(std::count(bits_.begin(), bits_.end(), true));
  }
  void set(int piece) {
    {
      LockGuard lock(mutex_);
      bits_.at(static_cast<std::size_t>(piece)) = true;
    }
    if (map_ != nullptr) map_->recorded(piece);
  }
  void clear(int piece) {
    LockGuard lock(mutex_);
    bits_.at(static_cast<std::size_t>(piece)) = false;
  }

 private:
  PieceBits(int num_pieces, torrent::PieceMap* map)
      : map_(map), bits_(static_cast<std::size_t>(num_pieces), false) {}

  torrent::PieceMap* map_;  // owns this record; null: none follows it
  mutable Mutex mutex_;
  std::vector<bool> bits_ GUARDED_BY(mutex_);
};

}  // namespace seeder::test
