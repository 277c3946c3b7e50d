#pragma once
// Streamer: what the HTTP layer asks for file bytes. It turns (torrent, file, byte range) into a
// ByteSource, starting the torrent when needed, and completes only once the first byte is
// verified on disk, so the HTTP layer can still answer with an error status when it cannot be.
//
// Thread-safe; completions run on the caller's executor.

#include <cstdint>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/byte_source.hpp"
#include "seeder/storage/content_files.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/range_reader.hpp"
#include "seeder/torrent/registry.hpp"

namespace seeder::torrent {

class Streamer {
 public:
  using OpenHandler = std::function<void(Result<std::shared_ptr<ByteSource>>)>;

  Streamer(Registry& registry, storage::ContentFiles& files, ReaderOptions options);

  // Bytes [first, first + length) of `file` of torrent `entry`.
  void async_open(const EntryPtr& entry, const FileInfo& file, std::uint64_t first,
                  std::uint64_t length, boost::asio::any_io_executor executor, OpenHandler handler);
  // Starts the torrent in the background (a HEAD or an index page usually precedes a GET).
  void warm(const EntryPtr& entry);

 private:
  Registry& registry_;
  storage::ContentFiles& files_;
  ReaderOptions options_;
};

}  // namespace seeder::torrent
