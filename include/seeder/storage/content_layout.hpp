#pragma once
// ContentLayout: a torrent's files as seeder stores and serves them: every file's offset in the
// torrent's byte stream, its size, whether it is padding, and its unique name (the path in its
// URL and in the completion records). Owns all of it: libtorrent's file_storage borrows its names
// from the metadata buffer, which may be freed while a store still lives (a torrent added from a
// magnet link and replaced by its catalog entry), so nothing here points into libtorrent.
//
// Naming rule (docs/ARCHITECTURE.md, "File names"): the original path's components, each made
// safe (empty, "." and ".." dropped; control characters, '\' and invalid UTF-8 bytes become '_';
// at most 255 bytes), joined by '/'; a path taken by an earlier file of the torrent (or the
// reserved top-level "source.torrent") gets ".1", ".2", … before its extension. Content files
// on disk are named by file index, so no name ever reaches the file system.
//
// Immutable once built; safe to share between threads.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace libtorrent {
class file_storage;
}

namespace seeder::storage {

struct ContentFile {
  std::string name;  // unique within the torrent; empty for pad files
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  bool pad = false;
};

// The part of a piece that lies in one file.
struct FileSlice {
  int file = 0;
  std::uint64_t offset = 0;  // in the file
  std::uint64_t length = 0;
};

class ContentLayout {
 public:
  ContentLayout() = default;  // no files, no pieces
  // `files` in torrent order, offsets ascending and contiguous (as libtorrent lays them out).
  ContentLayout(int piece_length, int num_pieces, std::vector<ContentFile> files);
  // libtorrent's original layout (orig_files()), with names made unique by the rule above.
  static ContentLayout from(const libtorrent::file_storage& files);

  [[nodiscard]] int piece_length() const { return piece_length_; }
  [[nodiscard]] int num_pieces() const { return num_pieces_; }
  [[nodiscard]] std::uint64_t total_size() const { return total_size_; }
  [[nodiscard]] int num_files() const { return static_cast<int>(files_.size()); }
  [[nodiscard]] const ContentFile& file(int index) const {
    return files_[static_cast<std::size_t>(index)];
  }
  [[nodiscard]] const std::vector<ContentFile>& files() const { return files_; }

  [[nodiscard]] int piece_size(int piece) const;
  // A v2 piece's size: it ends where the next file starts (BEP 52 aligns files to pieces).
  [[nodiscard]] int piece_size2(int piece) const;
  // The slices of files holding [offset, offset + length) of `piece`, zero-length files skipped.
  [[nodiscard]] std::vector<FileSlice> map_block(int piece, std::int64_t offset,
                                                 std::int64_t length) const;

 private:
  int piece_length_ = 0;
  int num_pieces_ = 0;
  std::uint64_t total_size_ = 0;
  std::vector<ContentFile> files_;
};

// The unique, safe names of `paths` (original "Name/dir/file" paths, in torrent order) by the
// rule above. Entries that are empty strings stay empty (pad files).
std::vector<std::string> unique_file_names(const std::vector<std::string>& paths);
// Steps 1 and 2 of that rule alone: the path made safe, before clashes are numbered.
std::string safe_file_path(std::string_view path);

}  // namespace seeder::storage
