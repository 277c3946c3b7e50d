#include "seeder/core/file_holes.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace seeder {

bool range_has_hole(int fd, std::uint64_t begin, std::uint64_t end) {
  if (begin >= end) return false;
  // The next hole at or after `begin`; the end of the file counts as one (ENXIO: begin is past
  // it). Another failure says nothing about the bytes.
  const off_t hole = ::lseek(fd, static_cast<off_t>(begin), SEEK_HOLE);
  if (hole < 0) return errno == ENXIO;
  return static_cast<std::uint64_t>(hole) < end;
}

SliceOnDisk check_slice_on_disk(int fd, std::uint64_t begin, std::uint64_t end) {
  struct stat info {};
  if (::fstat(fd, &info) != 0) return SliceOnDisk::intact;  // says nothing about the bytes
  if (static_cast<std::uint64_t>(info.st_size) < end || range_has_hole(fd, begin, end))
    return SliceOnDisk::lost;
  return info.st_nlink == 0 ? SliceOnDisk::unlinked : SliceOnDisk::intact;
}

}  // namespace seeder
