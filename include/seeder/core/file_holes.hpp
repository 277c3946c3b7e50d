#pragma once
// Holes in a file's bytes: a range that reads back as zeros the file system never stored. A
// content file truncated behind seeder's back and later sized up again (by anything that opens
// it for writing) has the right length and a hole where its data was; its verified pieces must
// not be served from there.

#include <cstdint>

namespace seeder {

// Whether [begin, end) of the open file `fd` is not all stored data: it reaches past the end of
// the file or crosses a hole (SEEK_HOLE). On a file system without hole reporting, only the
// end of the file counts. Any thread; one lseek.
bool range_has_hole(int fd, std::uint64_t begin, std::uint64_t end);

// What the open file `fd` says about bytes [begin, end) that were verified there.
enum class SliceOnDisk {
  intact,
  unlinked,  // the file was removed (its bytes are still readable through this fd)
  lost,      // shorter than `end`, or a hole in the range: those bytes would read as zeros
};
SliceOnDisk check_slice_on_disk(int fd, std::uint64_t begin, std::uint64_t end);

}  // namespace seeder
