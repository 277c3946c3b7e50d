#pragma once
// CompletedFileSource: a byte range of a file whose every piece is verified on disk, served
// straight from its content file without the torrent being in the session (the completed-file
// fast path). Yields large slices for sendfile; keeps the store open, and the pieces it serves
// protected from eviction, while it lives.

#include <cstdint>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/byte_source.hpp"
#include "seeder/core/unique_fd.hpp"
#include "seeder/storage/torrent_store.hpp"

namespace libtorrent {
class torrent_info;
}

namespace seeder::torrent {

class CompletedFileSource final : public ByteSource {
 public:
  // Takes over the protection of pieces [first_piece, last_piece], which the caller obtained
  // (TorrentStore::protect_if_complete), and releases it when destroyed.
  CompletedFileSource(std::shared_ptr<storage::TorrentStore> store, int first_piece, int last_piece,
                      int file_index, UniqueFd fd, std::uint64_t first, std::uint64_t length,
                      boost::asio::any_io_executor executor);
  ~CompletedFileSource() override;
  // Test mode (sent_check.hpp): the pieces bytes were sent from are hashed against `info` when
  // the source is done with them.
  void verify_sent_against(std::shared_ptr<const libtorrent::torrent_info> info) {
    verify_against_ = std::move(info);
  }
  CompletedFileSource(const CompletedFileSource&) = delete;
  CompletedFileSource& operator=(const CompletedFileSource&) = delete;

  [[nodiscard]] std::uint64_t size() const override { return length_; }
  void async_next(std::uint64_t max_bytes, NextHandler handler) override;
  void cancel() override { cancelled_ = true; }
  void bytes_missing() override { store_->recheck_file(file_index_); }

 private:
  // The piece that holds byte `offset_in_file` of this source's file.
  [[nodiscard]] int piece_of(std::uint64_t offset_in_file) const;

  std::shared_ptr<storage::TorrentStore> store_;
  int first_piece_;
  int last_piece_;
  int file_index_;
  UniqueFd fd_;
  std::uint64_t cursor_;
  std::uint64_t end_;
  std::uint64_t length_;
  boost::asio::any_io_executor executor_;
  bool cancelled_ = false;
  bool told_store_ = false;
  std::shared_ptr<const libtorrent::torrent_info> verify_against_;  // --verify-sent
};

}  // namespace seeder::torrent
