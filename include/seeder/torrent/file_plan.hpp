#pragma once
// FilePlan: what the gateway fetches for a file beyond its readers' windows, as pure arithmetic
// on the torrent's layout (no libtorrent, no clock; unit-tested alone).
//
// - Ends: a player reads a media file's head, then jumps to its tail for the index (MP4 `moov`
//   at the end, Matroska/WebM Cues), then back. When a video or audio file is first read, its
//   first and last pieces are fetched at once, alongside the reader, so the jump to the index
//   finds them on disk. Each end is 1% of the file, at least 1 MiB and at most 8 MiB (TorrServer
//   keeps 8 MiB of each end), and never less than one piece.
// - Background: without a cache budget, the rest of a file that has been read is fetched
//   behind the readers, piece by piece in file order, so a later seek inside it is a disk read.
//   next_background() picks the next piece.

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "seeder/torrent/meta.hpp"

namespace seeder::torrent {

// Video and audio by file extension (case-insensitive): the files players seek in.
[[nodiscard]] bool is_media_file(std::string_view path);

struct FileEnds {
  PieceSpan head;
  PieceSpan tail;  // may overlap head on a small file
};

// The pieces of each end of `file` (both empty for an empty file).
[[nodiscard]] FileEnds file_ends(const TorrentMeta& meta, const FileInfo& file);

// The pieces of `file`'s ends when it is a media file, the head's then the tail's (a piece where
// they overlap comes twice); none for another file.
[[nodiscard]] std::vector<int> media_end_pieces(const TorrentMeta& meta, const FileInfo& file);

// The first piece of `file` at or after `from` for which `skip` is false, or -1.
[[nodiscard]] int next_background(const TorrentMeta& meta, const FileInfo& file, int from,
                                  const std::function<bool(int)>& skip);

}  // namespace seeder::torrent
