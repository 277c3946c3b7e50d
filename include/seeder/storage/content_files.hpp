#pragma once
// ContentFiles: the one narrow seam through which readers reach a torrent's bytes on disk.
// Whatever disk backend libtorrent writes through, readers only ever ask it to open a file of a
// torrent for reading and then sendfile(2) verified ranges out of it.
//
// Implementations are thread-safe.

#include "seeder/core/info_hash.hpp"
#include "seeder/core/result.hpp"
#include "seeder/core/unique_fd.hpp"

namespace seeder::storage {

class ContentFiles {
 public:
  virtual ~ContentFiles() = default;
  // Opens file `file_index` of torrent `hash` read-only.
  // Errc::not_found when no byte of it was ever written.
  virtual Result<UniqueFd> open_for_read(const InfoHash& hash, int file_index) = 0;
};

}  // namespace seeder::storage
