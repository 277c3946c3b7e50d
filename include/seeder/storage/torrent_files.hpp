#pragma once
// TorrentFiles: a torrent's byte stream laid onto its content files. Maps (piece, offset, length)
// through the torrent's ContentLayout, skips pad files (never created; they read as zeros) and
// opens content files lazily.
//
// Thread-safe: open files live in the shared OpenFiles pool (bounded, LRU); I/O happens on
// shared_ptr copies, so a file the pool closes stays usable by the job holding it.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "seeder/core/info_hash.hpp"
#include "seeder/core/result.hpp"
#include "seeder/storage/content_layout.hpp"
#include "seeder/storage/mapped_file.hpp"
#include "seeder/storage/open_files.hpp"

namespace seeder::storage {

class TorrentFiles {
 public:
  TorrentFiles(const std::filesystem::path& data_dir, const InfoHash& hash, ContentLayout layout,
               std::shared_ptr<OpenFiles> open_files);
  ~TorrentFiles();
  TorrentFiles(const TorrentFiles&) = delete;
  TorrentFiles& operator=(const TorrentFiles&) = delete;

  [[nodiscard]] const ContentLayout& layout() const { return layout_; }

  Status write(int piece, int offset, std::span<const char> bytes);
  Status read(int piece, int offset, std::span<char> out);
  // Calls `consume` with consecutive spans covering [offset, offset + length) of the piece, read
  // from the content files (zeros for pad files and for files never written).
  Status visit(int piece, int offset, int length,
               const std::function<void(std::span<const char>)>& consume);
  // Lets go of this process's pages of the piece (the page cache keeps them).
  void release_pages(int piece);
  // Gives back the piece's disk blocks and pages (for eviction). Best effort: a failure is
  // logged, and the piece is recorded missing either way.
  void punch(int piece);
  // Bytes of the piece that are stored on disk (pad files are not).
  [[nodiscard]] std::uint64_t stored_bytes(int piece) const;
  // fdatasync one content file; Errc::io when it is not there (never written, or deleted).
  Status sync_file(int file_index);
  // Closes every content file (jobs in flight keep theirs until done).
  void release();

  // Called (on the writing thread, with no lock of the caller's held) when a write finds that
  // a content file lost bytes behind seeder's back: it had to be created anew, or it was
  // shorter than its size (then before and after it is sized back). Everything recorded of it is
  // suspect, including a piece whose last block held the cut: its zeros read as data, not as a
  // hole. Set once, before the first write.
  void on_lost_bytes(std::function<void(int file_index)> lost) { lost_bytes_ = std::move(lost); }
  // Whether the open content file `file_index` is no longer the one at its path (removed or
  // replaced behind seeder's back). False when it is not open.
  [[nodiscard]] bool replaced(int file_index) const;
  // Closes content file `file_index`: writes from now on go to the file at its path.
  void close_file(int file_index);

  // Content files (torrent file indices) that pieces touch, without pad files.
  [[nodiscard]] std::vector<int> files_of(int piece) const;
  [[nodiscard]] std::filesystem::path path_of(int file_index) const;

 private:
  // The open file, opening (and with `create`, creating) it on first use; null when it does not
  // exist and `create` is false.
  Result<std::shared_ptr<MappedFile>> file(int index, bool create);
  // One slice of a write into one content file; a file found cut short is sized back and
  // reported lost before the bytes go in.
  Status write_slice(MappedFile& target, int file_index, std::uint64_t offset,
                     std::span<const char> bytes);

  std::filesystem::path data_dir_;
  InfoHash hash_;
  ContentLayout layout_;
  std::shared_ptr<OpenFiles> open_files_;
  std::uint64_t owner_;  // this torrent's key in open_files_
  std::function<void(int)> lost_bytes_;
};

}  // namespace seeder::storage
