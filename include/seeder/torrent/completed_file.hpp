#pragma once
// CompletedFileSource: a byte range of a file whose every piece is verified on disk, served
// straight from its content file without the torrent being in the session (the completed-file
// fast path). Yields large slices for sendfile; keeps the store open while it lives.

#include <cstdint>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/byte_source.hpp"
#include "seeder/core/unique_fd.hpp"
#include "seeder/storage/torrent_store.hpp"

namespace seeder::torrent {

class CompletedFileSource final : public ByteSource {
 public:
  CompletedFileSource(std::shared_ptr<storage::TorrentStore> store, UniqueFd fd,
                      std::uint64_t first, std::uint64_t length,
                      boost::asio::any_io_executor executor);

  [[nodiscard]] std::uint64_t size() const override { return length_; }
  void async_next(std::uint64_t max_bytes, NextHandler handler) override;
  void cancel() override { cancelled_ = true; }

 private:
  std::shared_ptr<storage::TorrentStore> store_;
  UniqueFd fd_;
  std::uint64_t cursor_;
  std::uint64_t end_;
  std::uint64_t length_;
  boost::asio::any_io_executor executor_;
  bool cancelled_ = false;
};

}  // namespace seeder::torrent
