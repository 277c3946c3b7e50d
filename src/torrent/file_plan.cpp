#include "seeder/torrent/file_plan.hpp"

#include <algorithm>
#include <array>

#include "seeder/core/text.hpp"

namespace seeder::torrent {
namespace {

constexpr std::uint64_t kMinEnd = 1ull << 20;
constexpr std::uint64_t kMaxEnd = 8ull << 20;

}  // namespace

bool is_media_file(std::string_view path) {
  static constexpr std::array<std::string_view, 24> kExtensions{
      "mp4", "m4v", "mkv", "webm", "mov",  "avi", "ts",   "m2ts", "mpg", "mpeg", "flv", "wmv",
      "ogv", "3gp", "mp3", "m4a",  "flac", "ogg", "opus", "wav",  "aac", "wma",  "mka", "m4b"};
  const auto dot = path.rfind('.');
  if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos) return false;
  const auto extension = to_lower(path.substr(dot + 1));
  return std::find(kExtensions.begin(), kExtensions.end(), extension) != kExtensions.end();
}

FileEnds file_ends(const TorrentMeta& meta, const FileInfo& file) {
  if (file.size == 0) return {};
  const auto end_bytes = std::min(file.size, std::clamp(file.size / 100, kMinEnd, kMaxEnd));
  const auto begin = file.offset;
  const auto end = file.offset + file.size;
  return {meta.pieces_for(begin, begin + end_bytes), meta.pieces_for(end - end_bytes, end)};
}

std::vector<int> media_end_pieces(const TorrentMeta& meta, const FileInfo& file) {
  if (!is_media_file(file.path)) return {};
  std::vector<int> pieces;
  const auto ends = file_ends(meta, file);
  for (const auto& span : {ends.head, ends.tail})
    for (int piece = span.first; piece <= span.last; ++piece)
      pieces.push_back(piece);
  return pieces;
}

int next_background(const TorrentMeta& meta, const FileInfo& file, int from,
                    const std::function<bool(int)>& skip) {
  if (file.size == 0) return -1;
  const auto pieces = meta.pieces_for(file.offset, file.offset + file.size);
  for (int piece = std::max(from, pieces.first); piece <= pieces.last; ++piece) {
    if (!skip(piece)) return piece;
  }
  return -1;
}

}  // namespace seeder::torrent
