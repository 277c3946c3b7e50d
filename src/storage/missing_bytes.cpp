#include "missing_bytes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "seeder/core/unique_fd.hpp"

namespace seeder::storage {
namespace {

using Range = std::pair<std::uint64_t, std::uint64_t>;  // [begin, end)

// The holes of a file (SEEK_HOLE/SEEK_DATA); a file system without hole reporting shows none.
std::vector<Range> holes_of(int fd, std::uint64_t size) {
  std::vector<Range> holes;
  std::uint64_t offset = 0;
  while (offset < size) {
    const off_t data = ::lseek(fd, static_cast<off_t>(offset), SEEK_DATA);
    if (data < 0) {  // ENXIO: no data from here on; another failure says nothing
      if (errno == ENXIO) holes.emplace_back(offset, size);
      break;
    }
    if (static_cast<std::uint64_t>(data) > offset)
      holes.emplace_back(offset, static_cast<std::uint64_t>(data));
    const off_t hole = ::lseek(fd, data, SEEK_HOLE);
    if (hole < 0) break;
    offset = static_cast<std::uint64_t>(hole);
  }
  return holes;
}

bool overlaps(const std::vector<Range>& holes, Range range) {
  return std::any_of(holes.begin(), holes.end(), [&](const Range& hole) {
    return hole.first < range.second && range.first < hole.second;
  });
}

}  // namespace

std::vector<int> pieces_missing_bytes(const TorrentFiles& files, const std::vector<int>& claimed) {
  const auto& layout = files.layout();
  std::map<int, std::vector<int>> by_file;
  for (const int piece : claimed) {
    for (const int file : files.files_of(piece))
      by_file[file].push_back(piece);
  }
  std::vector<int> missing;
  for (const auto& [file, pieces] : by_file) {
    const auto size = layout.file(file).size;
    const auto begin = layout.file(file).offset;
    UniqueFd fd(::open(files.path_of(file).c_str(), O_RDONLY | O_CLOEXEC));
    struct stat info {};
    if (!fd.valid() || ::fstat(fd.get(), &info) != 0 ||
        static_cast<std::uint64_t>(info.st_size) < size) {
      missing.insert(missing.end(), pieces.begin(), pieces.end());
      continue;
    }
    const auto holes = holes_of(fd.get(), size);
    for (const int piece : pieces) {
      const auto piece_begin =
          static_cast<std::uint64_t>(piece) * static_cast<std::uint64_t>(layout.piece_length());
      const auto piece_end = piece_begin + static_cast<std::uint64_t>(layout.piece_size(piece));
      const Range in_file{std::max(piece_begin, begin) - begin,
                          std::min(piece_end, begin + size) - begin};
      if (overlaps(holes, in_file)) missing.push_back(piece);
    }
  }
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  return missing;
}

}  // namespace seeder::storage
