#pragma once
// LibtorrentBelief: which pieces one torrent's libtorrent handle believes it has. libtorrent 2.0
// cannot forget a piece, so after the store evicts one the handle still believes it had: the
// piece is "stale" (only a resync makes libtorrent fetch it again). A piece on disk that the
// handle was not told of is simply served from disk.
//
// Not thread-safe: LiveTorrent calls it under its mutex. count() alone is lock-free (read on
// libtorrent's network thread by keeps_interest).

#include <atomic>
#include <cstdint>
#include <vector>

#include <libtorrent/bitfield.hpp>

#include "seeder/torrent/piece_map.hpp"

namespace seeder::torrent {

class LibtorrentBelief {
 public:
  // `on_disk`: the torrent's PieceMap, which outlives this object (both belong to LiveTorrent).
  explicit LibtorrentBelief(const PieceMap& on_disk);

  // A handle is about to be added, told it has `told` (add_torrent_params::have_pieces).
  void reset(const libtorrent::typed_bitfield<libtorrent::piece_index_t>& told);
  // The handle verified `piece`: it is believed, and passing until end_pass(piece).
  void verified(int piece);
  // The store recorded (or refused) the pass of `piece`. False when `piece` was not passing.
  bool end_pass(int piece);

  [[nodiscard]] bool believes(int piece) const { return believed_[index(piece)] != 0; }
  // Neither on disk nor believed: a deadline or a priority on it fetches it.
  [[nodiscard]] bool lacks(int piece) const { return !on_disk_.have(piece) && !believes(piece); }
  // Believed, not on disk, and not between its verification and the store's record of it.
  [[nodiscard]] bool stale(int piece) const {
    return believes(piece) && !on_disk_.have(piece) && piece != passing_;
  }
  [[nodiscard]] int stale_count() const;
  // Pieces believed (any thread).
  [[nodiscard]] int count() const { return count_; }

 private:
  static std::size_t index(int piece) { return static_cast<std::size_t>(piece); }

  const PieceMap& on_disk_;
  std::vector<std::uint8_t> believed_;  // one per piece
  int passing_ = -1;  // the piece being recorded (one network thread: one at a time), or -1
  std::atomic<int> count_{0};
};

}  // namespace seeder::torrent
