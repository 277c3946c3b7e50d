#pragma once
// CompletionModel: which pieces of one torrent are verified, and how many pieces each file still
// lacks. Pure bookkeeping over a ContentLayout: no disk, no lock (its owner, TorrentStore, holds
// one around it), so it is unit-tested on its own.
//
// A piece counts toward every non-pad file it overlaps; a file is complete when none of its
// pieces is missing. Pad files and zero-length files are complete from the start.

#include <cstdint>
#include <vector>

#include "seeder/storage/content_layout.hpp"

namespace seeder::storage {

class CompletionModel {
 public:
  // The pieces a file's bytes lie in; empty (last < first) for a zero-length file.
  struct FilePieces {
    int first = 0;  // for a zero-length file: the piece its offset is in
    int last = -1;
    bool pad = false;
  };

  explicit CompletionModel(const ContentLayout& layout);

  [[nodiscard]] int num_pieces() const { return static_cast<int>(complete_.size()); }
  [[nodiscard]] int num_files() const { return static_cast<int>(files_.size()); }
  [[nodiscard]] bool has(int piece) const;
  [[nodiscard]] int count() const { return count_; }
  [[nodiscard]] const FilePieces& pieces_of(int file) const {
    return files_[static_cast<std::size_t>(file)];
  }
  // Pieces of `file` not verified; 0 for pad and zero-length files.
  [[nodiscard]] int missing(int file) const { return missing_[static_cast<std::size_t>(file)]; }
  [[nodiscard]] bool file_complete(int file) const { return missing(file) == 0; }
  // Calls visit(file) for each non-pad file that `piece` overlaps, in file order. A binary
  // search, not a table: a per-piece list would cost more than the rest of the model on a
  // torrent of millions of pieces.
  template <class Visit>
  void for_each_file_of(int piece, Visit visit) const {
    for (int file = first_file_of(piece); file < num_files(); ++file) {
      const auto& span = files_[static_cast<std::size_t>(file)];
      if (span.first > piece) break;
      if (!span.pad && span.last >= piece) visit(file);
    }
  }

  // Returns whether the piece changed state; out-of-range pieces never do.
  bool set(int piece);
  bool clear(int piece);

 private:
  // The first file that may overlap `piece` (files are contiguous, so those that do follow).
  [[nodiscard]] int first_file_of(int piece) const;

  std::vector<FilePieces> files_;       // first is non-decreasing in file order
  std::vector<std::uint8_t> complete_;  // per piece
  std::vector<int> missing_;            // per file
  int count_ = 0;
};

}  // namespace seeder::storage
