#pragma once
// TorrentMeta: what seeder knows about a torrent's content, in plain types (no libtorrent), so
// that HTTP code can list and route without touching lt:: types. Immutable once built.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "seeder/core/info_hash.hpp"

namespace seeder::torrent {

struct FileInfo {
  int index = 0;     // libtorrent's file_index_t of this file
  std::string path;  // "Name/dir/file" ("Name" for a single-file torrent), as in URLs
  std::uint64_t size = 0;
  std::uint64_t offset = 0;  // where the file starts in the torrent's concatenated byte stream
};

// The pieces [first, last] covering bytes [begin, end) of the torrent; empty when begin == end.
struct PieceSpan {
  int first = 0;
  int last = -1;
  [[nodiscard]] bool empty() const { return last < first; }
  [[nodiscard]] int count() const { return empty() ? 0 : last - first + 1; }
};

class TorrentMeta {
 public:
  TorrentMeta(InfoHash hash, std::string name, std::uint64_t total_size, int piece_length,
              int num_pieces, std::vector<FileInfo> files, bool has_v2);
  // by_path_ holds views into files_: the object stays where it was built.
  TorrentMeta(const TorrentMeta&) = delete;
  TorrentMeta& operator=(const TorrentMeta&) = delete;
  TorrentMeta(TorrentMeta&&) = delete;
  TorrentMeta& operator=(TorrentMeta&&) = delete;
  ~TorrentMeta() = default;

  [[nodiscard]] const InfoHash& hash() const { return hash_; }
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] std::uint64_t total_size() const { return total_size_; }
  [[nodiscard]] int piece_length() const { return piece_length_; }
  [[nodiscard]] int num_pieces() const { return num_pieces_; }
  [[nodiscard]] bool has_v2() const { return has_v2_; }
  // Files in torrent order, without pad files.
  [[nodiscard]] const std::vector<FileInfo>& files() const { return files_; }

  [[nodiscard]] const FileInfo* find_file(std::string_view path) const;
  // Pieces that hold bytes [begin, end) of the torrent's byte stream.
  [[nodiscard]] PieceSpan pieces_for(std::uint64_t begin, std::uint64_t end) const;
  [[nodiscard]] std::uint64_t piece_offset(int piece) const {
    return static_cast<std::uint64_t>(piece) * static_cast<std::uint64_t>(piece_length_);
  }
  [[nodiscard]] std::uint64_t piece_size(int piece) const;

 private:
  InfoHash hash_;
  std::string name_;
  std::uint64_t total_size_;
  int piece_length_;
  int num_pieces_;
  std::vector<FileInfo> files_;
  bool has_v2_;
  std::unordered_map<std::string_view, std::size_t> by_path_;  // views into files_
};

using MetaPtr = std::shared_ptr<const TorrentMeta>;

}  // namespace seeder::torrent
