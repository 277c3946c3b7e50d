#pragma once
// PieceGenerations: whether the last hash of a piece still describes its bytes on disk. A piece's
// generation moves on whenever its bytes may change (a block written, a hole punched); a hash
// remembers the generation it began in, and is current only while nothing changed meanwhile.
//
// Why: libtorrent reports a passed piece (on_piece_pass) some time after our backend hashed it,
// on another thread. An eviction or a write in between would otherwise be recorded as verified
// bytes that are no longer there.
//
// Pure logic, no lock of its own: TorrentStore calls it under its state lock.

#include <cstdint>
#include <vector>

namespace seeder::storage {

class PieceGenerations {
 public:
  explicit PieceGenerations(int num_pieces);

  // The piece's bytes may change now (call before changing them).
  void changed(int piece);
  // A hash of the piece begins: give the token to hashed() when it ends.
  [[nodiscard]] std::uint32_t begin_hash(int piece) const;
  // The hash that began with `token` ended: it describes the bytes if nothing changed meanwhile.
  void hashed(int piece, std::uint32_t token);
  // False when the last hash of the piece no longer describes its bytes (they changed during or
  // after it). A piece never hashed here (bytes trusted from elsewhere) is not refused.
  [[nodiscard]] bool pass_is_current(int piece) const;

 private:
  static constexpr std::uint32_t kNeverHashed = 0;
  static constexpr std::uint32_t kHashRaced = 1;
  static constexpr std::uint32_t kFirst = 2;  // generations start here
  std::vector<std::uint32_t> generation_;
  std::vector<std::uint32_t> hashed_;  // the generation the last hash described, or the above
};

}  // namespace seeder::storage
