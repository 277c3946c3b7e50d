#include "missing_bytes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "seeder/core/file_holes.hpp"
#include "seeder/core/unique_fd.hpp"

namespace seeder::storage {
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
    // One lseek per piece: a scan of every hole first would cost as much per piece against a
    // file an eviction has punched full of holes.
    for (const int piece : pieces) {
      const auto piece_begin =
          static_cast<std::uint64_t>(piece) * static_cast<std::uint64_t>(layout.piece_length());
      const auto piece_end = piece_begin + static_cast<std::uint64_t>(layout.piece_size(piece));
      if (range_has_hole(fd.get(), std::max(piece_begin, begin) - begin,
                         std::min(piece_end, begin + size) - begin))
        missing.push_back(piece);
    }
  }
  std::sort(missing.begin(), missing.end());
  missing.erase(std::unique(missing.begin(), missing.end()), missing.end());
  return missing;
}

}  // namespace seeder::storage
