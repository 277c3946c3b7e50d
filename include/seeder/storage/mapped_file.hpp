#pragma once
// MappedFile: one content file, created sparse at its full size and mapped shared read-write.
//
// Writes go through the mapping, after fallocate() has reserved their blocks: a full disk is
// then an ENOSPC error, not a SIGBUS. Reads (for peers and for hashing) use pread, never the
// mapping: touching a hole through a mapping on a full tmpfs, or a page past the end of a file
// truncated behind our back, raises SIGBUS; pread returns zeros or a short count instead.
// Once created, a MappedFile never changes: the torrent's strand writes and reads through it
// while other threads may fdatasync it; all callers hold a shared_ptr, so it is unmapped only
// when the last of them lets go.

#include <sys/stat.h>
#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

#include "seeder/core/result.hpp"
#include "seeder/core/unique_fd.hpp"

namespace seeder::storage {

class MappedFile {
 public:
  // Opens the file, creating it (and its directory) when `create`; a missing file without
  // `create` is Errc::not_found. A file it creates is sized to `size` (sparse); an existing file
  // found shorter is left short, for the store to notice (mapped_file.cpp says why).
  static Result<std::shared_ptr<MappedFile>> open(const std::filesystem::path& path,
                                                  std::uint64_t size, bool create);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  [[nodiscard]] std::uint64_t size() const { return size_; }
  [[nodiscard]] int fd() const { return fd_.get(); }
  // True once, the first time it is asked, when open() created the file (it was not there).
  bool take_created() { return created_.exchange(false); }
  // Whether `path` names this very file (not removed, nor replaced by another).
  [[nodiscard]] bool is_at(const std::filesystem::path& path) const;
  // Whether the file on disk is shorter than the size it was opened for (truncated behind our
  // back): the bytes cut off are gone, and grown back they would read as a hole.
  [[nodiscard]] bool shorter_on_disk() const;
  // Sizes the file back to the size it was opened for (sparse), once what it lost was forgotten.
  void restore_size() const;
  // Another open of the same new file keeps the word that it was created (OpenFiles' race).
  void mark_created() { created_ = true; }
  enum class Written { done, cut_short };
  // Reserves the blocks, then copies `bytes` in at `offset`, unless the file is shorter on disk
  // than its size (cut behind our back): then nothing is written, and the file is not grown.
  // ENOSPC comes back as Errc::unavailable.
  Result<Written> write(std::uint64_t offset, std::span<const char> bytes);
  // Copies bytes out with pread; what is missing from the file reads as zeros.
  Status read(std::uint64_t offset, std::span<char> out) const;
  // Drops this process's page-table entries for the range; the page cache keeps the data.
  void release_pages(std::uint64_t offset, std::uint64_t length) const;
  // Gives the range's disk blocks back (a hole) and drops its pages. Only whole file-system
  // blocks inside the range are punched, even at the end of the file: the kernel zeroes partial
  // blocks in place, and those hold a neighbouring piece's bytes or bytes a socket still sends.
  Status punch(std::uint64_t offset, std::uint64_t length);
  Status sync() const;

 private:
  MappedFile(UniqueFd fd, char* data, std::uint64_t size, std::uint64_t block_size,
             const struct stat& info, bool created);
  UniqueFd fd_;
  char* data_;
  std::uint64_t size_;
  std::uint64_t block_size_;
  dev_t device_;
  ino_t inode_;
  std::atomic<bool> created_;
};

}  // namespace seeder::storage
