#pragma once
// Which recorded pieces no longer have their bytes on disk: the content file is gone, shorter
// than the piece's end, or has a hole (SEEK_HOLE) where the piece's bytes were. Used when a
// store opens and when a completed file is found damaged. Touches the disk; any thread.

#include <vector>

#include "seeder/storage/torrent_files.hpp"

namespace seeder::storage {

// The pieces among `claimed` with bytes missing from their content files, sorted, unique.
std::vector<int> pieces_missing_bytes(const TorrentFiles& files, const std::vector<int>& claimed);

}  // namespace seeder::storage
