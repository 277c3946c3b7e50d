#include "seeder/torrent/meta.hpp"

#include <algorithm>

namespace seeder::torrent {

TorrentMeta::TorrentMeta(InfoHash hash, std::string name, std::uint64_t total_size,
                         int piece_length, int num_pieces, std::vector<FileInfo> files, bool has_v2)
    : hash_(hash),
      name_(std::move(name)),
      total_size_(total_size),
      piece_length_(piece_length),
      num_pieces_(num_pieces),
      files_(std::move(files)),
      has_v2_(has_v2) {
  by_path_.reserve(files_.size());
  for (std::size_t i = 0; i < files_.size(); ++i)
    by_path_.emplace(files_[i].path, i);
}

const FileInfo* TorrentMeta::find_file(std::string_view path) const {
  const auto it = by_path_.find(path);
  return it == by_path_.end() ? nullptr : &files_[it->second];
}

PieceSpan TorrentMeta::pieces_for(std::uint64_t begin, std::uint64_t end) const {
  if (end <= begin || piece_length_ <= 0) return {};
  const auto length = static_cast<std::uint64_t>(piece_length_);
  return PieceSpan{static_cast<int>(begin / length), static_cast<int>((end - 1) / length)};
}

std::uint64_t TorrentMeta::piece_size(int piece) const {
  const auto begin = piece_offset(piece);
  if (begin >= total_size_) return 0;
  return std::min<std::uint64_t>(static_cast<std::uint64_t>(piece_length_), total_size_ - begin);
}

}  // namespace seeder::torrent
