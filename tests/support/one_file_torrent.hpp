#pragma once
// A v1 torrent of one file of random bytes, and a data dir for its store: for the tests of the
// store and of what reads verified bytes from it (the completed-file source, the sent check).

#include <cstdint>
#include <filesystem>
#include <string>

#include "seeder/storage/torrent_store.hpp"
#include "seeder/torrent/catalog.hpp"
#include "temp_dir.hpp"

namespace seeder::test {

class OneFileTorrent {
 public:
  OneFileTorrent(int pieces, int piece_size, std::uint32_t seed);

  [[nodiscard]] const torrent::EntryPtr& entry() const { return entry_; }
  [[nodiscard]] const storage::StoreSpec& spec() const { return spec_; }
  [[nodiscard]] const std::filesystem::path& data_dir() const { return data_.path(); }
  // The source bytes of the torrent's one file.
  [[nodiscard]] const std::string& bytes() const { return bytes_; }
  // The store's copy of the file, in the data dir.
  [[nodiscard]] std::filesystem::path content_file() const;
  // Writes `piece` with the source bytes and has the store record it verified, as libtorrent
  // does after it downloaded and hashed the piece.
  void complete(storage::TorrentStore& store, int piece) const;

 private:
  int piece_size_;
  TempDir content_{"seeder-content"};
  TempDir data_{"seeder-data"};
  std::string bytes_;
  torrent::EntryPtr entry_;
  storage::StoreSpec spec_;
};

}  // namespace seeder::test
