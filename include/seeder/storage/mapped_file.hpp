#pragma once
// MappedFile: one content file, created sparse at its full size and mapped shared read-write.
//
// Writes go through the mapping after fallocate() has reserved their blocks, so a full disk is
// an ENOSPC error instead of a SIGBUS. Once created, a MappedFile never changes: the torrent's
// strand writes and hashes through it while other threads may fdatasync it; all callers hold a
// shared_ptr, so it is unmapped only when the last of them lets go.

#include <sys/types.h>

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
  // `create` is Errc::not_found. A file shorter than `size` is extended (sparse).
  static Result<std::shared_ptr<MappedFile>> open(const std::filesystem::path& path,
                                                  std::uint64_t size, bool create);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  [[nodiscard]] std::uint64_t size() const { return size_; }
  [[nodiscard]] int fd() const { return fd_.get(); }
  // The mapped bytes [offset, offset + length); the caller keeps within size().
  [[nodiscard]] std::span<const char> view(std::uint64_t offset, std::uint64_t length) const {
    return {data_ + offset, static_cast<std::size_t>(length)};
  }

  // Reserves the blocks, then copies `bytes` in at `offset`. ENOSPC comes back as Errc::io.
  Status write(std::uint64_t offset, std::span<const char> bytes);
  // Copies bytes out with pread (not through the mapping: no page-table growth for peers' reads).
  Status read(std::uint64_t offset, std::span<char> out) const;
  // Drops this process's page-table entries for the range; the page cache keeps the data.
  void release_pages(std::uint64_t offset, std::uint64_t length) const;
  Status sync() const;

 private:
  MappedFile(UniqueFd fd, char* data, std::uint64_t size);
  UniqueFd fd_;
  char* data_;
  std::uint64_t size_;
};

}  // namespace seeder::storage
