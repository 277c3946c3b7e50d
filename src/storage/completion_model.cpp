#include "seeder/storage/completion_model.hpp"

#include <algorithm>

namespace seeder::storage {

CompletionModel::CompletionModel(const ContentLayout& layout)
    : complete_(static_cast<std::size_t>(layout.num_pieces()), 0) {
  const auto piece_length = static_cast<std::uint64_t>(layout.piece_length());
  for (int index = 0; index < layout.num_files(); ++index) {
    const auto& file = layout.file(index);
    FilePieces span;
    span.pad = file.pad;
    if (piece_length > 0) {
      span.first = static_cast<int>(file.offset / piece_length);
      span.last = file.size > 0 ? static_cast<int>((file.offset + file.size - 1) / piece_length)
                                : span.first - 1;
    }
    files_.push_back(span);
    missing_.push_back(span.pad ? 0 : span.last - span.first + 1);
  }
}

// The last file starting at or before `piece` may have earlier neighbours ending in it: walk
// back over those (and over zero-length files inside the piece). Anything before a file that
// ends before the piece, or before a zero-length file in an earlier piece, ends before it too.
int CompletionModel::first_file_of(int piece) const {
  auto it = std::upper_bound(files_.begin(), files_.end(), piece,
                             [](int value, const FilePieces& span) { return value < span.first; });
  while (it != files_.begin()) {
    const auto& before = *std::prev(it);
    const bool empty = before.last < before.first;
    if (empty ? before.first < piece : before.last < piece) break;
    --it;
  }
  return static_cast<int>(it - files_.begin());
}

bool CompletionModel::has(int piece) const {
  return piece >= 0 && piece < num_pieces() && complete_[static_cast<std::size_t>(piece)] != 0;
}

bool CompletionModel::set(int piece) {
  if (piece < 0 || piece >= num_pieces() || has(piece)) return false;
  complete_[static_cast<std::size_t>(piece)] = 1;
  ++count_;
  for_each_file_of(piece, [&](int file) { --missing_[static_cast<std::size_t>(file)]; });
  return true;
}

bool CompletionModel::clear(int piece) {
  if (!has(piece)) return false;
  complete_[static_cast<std::size_t>(piece)] = 0;
  --count_;
  for_each_file_of(piece, [&](int file) { ++missing_[static_cast<std::size_t>(file)]; });
  return true;
}

}  // namespace seeder::storage
