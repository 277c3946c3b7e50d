#include "one_file_torrent.hpp"

#include <gtest/gtest.h>

#include "content.hpp"
#include "seeder/storage/content_path.hpp"

namespace seeder::test {

OneFileTorrent::OneFileTorrent(int pieces, int piece_size, std::uint32_t seed)
    : piece_size_(piece_size),
      bytes_(random_bytes(static_cast<std::size_t>(pieces) * piece_size, seed)) {
  write_file(content_ / "big.bin", bytes_);
  entry_ = *torrent::parse_torrent(
      make_torrent(content_ / "big.bin", {TorrentSpec::Kind::v1_only, piece_size}));
  spec_ = storage::spec_for(entry_->meta->hash(), *info_of(entry_), *entry_->torrent_file());
}

std::filesystem::path OneFileTorrent::content_file() const {
  return storage::content_path(data_.path(), entry_->meta->hash(), 0);
}

void OneFileTorrent::complete(storage::TorrentStore& store, int piece) const {
  const auto begin = static_cast<std::size_t>(piece) * static_cast<std::size_t>(piece_size_);
  ASSERT_TRUE(store.files().write(piece, 0, bytes_.substr(begin, piece_size_)));
  store.on_piece_passed(piece);
}

}  // namespace seeder::test
