#pragma once
// Test content: deterministic pseudo-random bytes written to files, and torrents made of them.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "seeder/torrent/catalog.hpp"

namespace seeder::test {

// `size` bytes from a seeded generator: the same seed gives the same bytes.
std::string random_bytes(std::size_t size, std::uint32_t seed);

void write_file(const std::filesystem::path& path, const std::string& bytes);
std::string read_file(const std::filesystem::path& path);

struct TorrentSpec {
  enum class Kind { v1_only, hybrid, v2_only };
  TorrentSpec(Kind kind_ = Kind::v1_only, int piece_size_ = 32 * 1024, std::string tracker_ = {})
      : kind(kind_), piece_size(piece_size_), tracker(std::move(tracker_)) {}
  Kind kind;
  int piece_size;
  std::string tracker;  // announce URL, none when empty
};

// Makes a .torrent of `content` (a file or a directory) whose parent dir is the save path.
// Returns the bencoded .torrent bytes.
std::string make_torrent(const std::filesystem::path& content, TorrentSpec spec);

// The entry's torrent, loaded (CatalogEntry::load_info); throws when it cannot be.
torrent::InfoPtr info_of(const torrent::EntryPtr& entry);

}  // namespace seeder::test
