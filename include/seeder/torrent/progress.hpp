#pragma once
// Progress: the query modes on a torrent path, as the reference gateway's web UI and proxies
// use them (formats in the README):
//   ?done    is the selection complete on disk? Never starts the torrent.
//   ?stats   SSE frames of the selection's progress until it is complete. A selection already
//            complete on disk is Errc::not_found (the UI reads that 404 as "cached").
//   ?warmup  fetches a byte range of the selection at top priority (the prefetch outlives the
//            request) and reports it every second until it is verified.
//
// Thread-safe; completions run on the caller's executor. Where the bytes are (on disk, or the
// live torrent) is the ContentLocator's answer, as for file requests.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/event_stream.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/content_locator.hpp"
#include "seeder/torrent/selection.hpp"

namespace seeder::torrent {

struct ProgressOptions {
  // How often ?stats looks for changes (it sends a frame only when something changed).
  std::chrono::milliseconds stats_interval{3'000};
  std::chrono::milliseconds ping_interval{10'000};
  // A ?stats stream ends after this long however far the download is (the client reconnects).
  std::chrono::milliseconds stats_timeout{30 * 60'000};
  std::chrono::milliseconds warmup_interval{1'000};
  std::chrono::milliseconds warmup_timeout{30 * 60'000};
  // Piece entries per ?stats frame: a bigger set is spread over frames sent back to back.
  std::size_t max_pieces_per_frame = 4096;
};

class Progress {
 public:
  using DoneHandler = std::function<void(Result<bool>)>;
  using OpenHandler = std::function<void(Result<std::shared_ptr<EventStream>>)>;

  Progress(ContentLocator& locator, ProgressOptions options)
      : locator_(locator), options_(options) {}

  void async_done(const EntryPtr& entry, Selection selection, boost::asio::any_io_executor executor,
                  DoneHandler handler);
  void async_open_stats(const EntryPtr& entry, Selection selection,
                        boost::asio::any_io_executor executor, OpenHandler handler);
  // Bytes [first, first + length) of the selection; length > 0.
  void async_open_warmup(const EntryPtr& entry, Selection selection, std::uint64_t first,
                         std::uint64_t length, boost::asio::any_io_executor executor,
                         OpenHandler handler);

 private:
  ContentLocator& locator_;
  ProgressOptions options_;
};

}  // namespace seeder::torrent
