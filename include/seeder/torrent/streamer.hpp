#pragma once
// Streamer: what the HTTP layer asks for file bytes. It turns (torrent, file, byte range) into a
// ByteSource:
//   1. a file complete on disk is served from its content file, without the torrent joining the
//      session (right after a restart too);
//   2. otherwise the torrent is started if needed and a RangeReader follows the download.
// It completes only once the first byte is verified on disk, so the HTTP layer can still answer
// with an error status when it cannot be.
//
// Thread-safe; completions run on the caller's executor. Which of the two is the
// ContentLocator's answer (it opens the torrent's storage off the caller's thread).

#include <cstdint>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/byte_source.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/content_locator.hpp"
#include "seeder/torrent/range_reader.hpp"

namespace seeder::torrent {

// Owned by a shared_ptr: an open in flight holds the streamer weakly and, once it is gone,
// answers unavailable instead of touching it.
class Streamer : public std::enable_shared_from_this<Streamer> {
 public:
  using OpenHandler = std::function<void(Result<std::shared_ptr<ByteSource>>)>;

  Streamer(ContentLocator& locator, ReaderOptions options) : locator_(locator), options_(options) {}

  // Bytes [first, first + length) of `file` of torrent `entry`.
  void async_open(const EntryPtr& entry, const FileInfo& file, std::uint64_t first,
                  std::uint64_t length, boost::asio::any_io_executor executor, OpenHandler handler);
  // Starts the torrent in the background (a HEAD or an index page usually precedes a GET).
  // Starts the torrent and joins its swarm for `file` (LiveTorrent::join_for).
  void warm(const EntryPtr& entry, const FileInfo* file);

 private:
  struct Request {
    EntryPtr entry;
    const FileInfo* file;
    std::uint64_t first;
    std::uint64_t length;
    boost::asio::any_io_executor executor;
  };
  // The fast path when `store` says the file is complete; null otherwise.
  std::shared_ptr<ByteSource> completed_source(const std::shared_ptr<storage::TorrentStore>& store,
                                               const Request& request);
  void open_live(const std::shared_ptr<LiveTorrent>& torrent, const Request& request,
                 OpenHandler handler);

  ContentLocator& locator_;
  ReaderOptions options_;
};

}  // namespace seeder::torrent
