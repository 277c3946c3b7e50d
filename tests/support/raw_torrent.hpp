#pragma once
// Hand-made .torrent files for hostile-input tests: any path components (empty, "..", NUL,
// slashes, invalid UTF-8, duplicates), any piece length, optionally a broken `pieces` string.
// libtorrent's own creator refuses most of these, so the info dictionary is bencoded here.

#include <string>
#include <vector>

namespace seeder::test {

struct RawFile {
  std::vector<std::string> path;  // components as they go into the info dictionary
  std::string bytes;
};

struct RawTorrentSpec {
  std::string name = "T";
  int piece_length = 16 * 1024;
  bool single_file = false;    // the first file only, named `name`
  int pieces_bytes_delta = 0;  // corrupts the length of `pieces` by this many bytes
};

// The bencoded .torrent (v1) of `files` concatenated, with real SHA-1 piece hashes.
std::string make_raw_torrent(const std::vector<RawFile>& files, const RawTorrentSpec& spec);

}  // namespace seeder::test
