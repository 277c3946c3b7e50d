#include "seeder/torrent/libtorrent_belief.hpp"

namespace lt = libtorrent;

namespace seeder::torrent {

LibtorrentBelief::LibtorrentBelief(const PieceMap& on_disk)
    : on_disk_(on_disk), believed_(static_cast<std::size_t>(on_disk.num_pieces()), 0) {}

void LibtorrentBelief::reset(const lt::typed_bitfield<lt::piece_index_t>& told) {
  int count = 0;
  for (int piece = 0; piece < on_disk_.num_pieces(); ++piece) {
    const bool had = piece < told.size() && told.get_bit(lt::piece_index_t(piece));
    believed_[index(piece)] = had ? 1 : 0;
    count += had ? 1 : 0;
  }
  count_ = count;
}

void LibtorrentBelief::verified(int piece) {
  passing_ = piece;
  if (believed_[index(piece)] != 0) return;
  believed_[index(piece)] = 1;
  ++count_;
}

bool LibtorrentBelief::end_pass(int piece) {
  if (passing_ != piece) return false;
  passing_ = -1;
  return true;
}

int LibtorrentBelief::stale_count() const {
  int stale_pieces = 0;
  for (int piece = 0; piece < on_disk_.num_pieces(); ++piece)
    stale_pieces += stale(piece) ? 1 : 0;
  return stale_pieces;
}

}  // namespace seeder::torrent
