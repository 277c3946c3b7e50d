#pragma once
// Selection: what a query mode (?stats, ?warmup, ?done) is about: one file, the files under a
// directory, or the whole torrent. Byte positions inside a selection count through its files
// concatenated in torrent order; `intervals` maps them to the torrent's byte stream.

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "seeder/core/result.hpp"
#include "seeder/torrent/meta.hpp"

namespace seeder::torrent {

// Bytes [begin, end) of a torrent's byte stream.
struct Interval {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

struct Selection {
  enum class Kind { file, directory, torrent };
  Kind kind = Kind::torrent;
  std::vector<const FileInfo*> files;  // torrent order; pointers into the TorrentMeta

  [[nodiscard]] std::uint64_t size() const;
  // The torrent bytes behind selection bytes [first, first + length).
  [[nodiscard]] std::vector<Interval> intervals(std::uint64_t first, std::uint64_t length) const;
  [[nodiscard]] std::vector<Interval> intervals() const { return intervals(0, size()); }
};

// "" selects the torrent, a file's path that file, "Name/dir" (a trailing slash allowed) the
// files under it. Errc::not_found for anything else.
Result<Selection> select(const TorrentMeta& meta, std::string_view path);

// The pieces holding any of the intervals' bytes, ascending, each once.
std::vector<int> pieces_of(const TorrentMeta& meta, const std::vector<Interval>& intervals);
// Bytes of the intervals that lie in pieces for which `verified` is true.
std::uint64_t verified_bytes(const TorrentMeta& meta, const std::vector<Interval>& intervals,
                             const std::function<bool(int)>& verified);

}  // namespace seeder::torrent
