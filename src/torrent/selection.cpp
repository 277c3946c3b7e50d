#include "seeder/torrent/selection.hpp"

#include <algorithm>

namespace seeder::torrent {

std::uint64_t Selection::size() const {
  std::uint64_t total = 0;
  for (const auto* file : files)
    total += file->size;
  return total;
}

std::vector<Interval> Selection::intervals(std::uint64_t first, std::uint64_t length) const {
  std::vector<Interval> out;
  const auto end = first + length;
  std::uint64_t position = 0;  // where the current file starts in the selection
  for (const auto* file : files) {
    const auto begin = std::max(first, position);
    const auto stop = std::min(end, position + file->size);
    if (begin < stop) {
      Interval interval{file->offset + (begin - position), file->offset + (stop - position)};
      // Files that follow each other in the torrent make one interval.
      if (!out.empty() && out.back().end == interval.begin)
        out.back().end = interval.end;
      else
        out.push_back(interval);
    }
    position += file->size;
    if (position >= end) break;
  }
  return out;
}

Result<Selection> select(const TorrentMeta& meta, std::string_view path) {
  Selection selection;
  if (path.empty()) {
    for (const auto& file : meta.files())
      selection.files.push_back(&file);
    return selection;
  }
  if (const auto* file = meta.find_file(path)) {
    selection.kind = Selection::Kind::file;
    selection.files.push_back(file);
    return selection;
  }
  while (!path.empty() && path.back() == '/')
    path.remove_suffix(1);
  selection.kind = Selection::Kind::directory;
  for (const auto& file : meta.files()) {
    const std::string_view name = file.path;
    if (name.size() > path.size() && name.substr(0, path.size()) == path &&
        name[path.size()] == '/')
      selection.files.push_back(&file);
  }
  if (path.empty() || selection.files.empty()) {
    return make_error(Errc::not_found, "no file or directory '" + std::string(path) +
                                           "' in torrent " + meta.hash().hex());
  }
  return selection;
}

std::vector<int> pieces_of(const TorrentMeta& meta, const std::vector<Interval>& intervals) {
  std::vector<int> pieces;
  for (const auto& interval : intervals) {
    const auto span = meta.pieces_for(interval.begin, interval.end);
    for (int piece = span.first; piece <= span.last; ++piece) {
      if (pieces.empty() || pieces.back() < piece) pieces.push_back(piece);
    }
  }
  return pieces;
}

std::uint64_t verified_bytes(const TorrentMeta& meta, const std::vector<Interval>& intervals,
                             const std::function<bool(int)>& verified) {
  std::uint64_t total = 0;
  for (const auto& interval : intervals) {
    const auto span = meta.pieces_for(interval.begin, interval.end);
    for (int piece = span.first; piece <= span.last; ++piece) {
      if (!verified(piece)) continue;
      const auto begin = std::max(interval.begin, meta.piece_offset(piece));
      const auto end = std::min(interval.end, meta.piece_offset(piece) + meta.piece_size(piece));
      total += end - begin;
    }
  }
  return total;
}

}  // namespace seeder::torrent
