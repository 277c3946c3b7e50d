#include "seeder/torrent/streamer.hpp"

#include <sys/stat.h>

#include <spdlog/spdlog.h>
#include <libtorrent/torrent_info.hpp>

#include "seeder/core/deliver.hpp"
#include "seeder/core/file_holes.hpp"
#include "seeder/torrent/completed_file.hpp"

namespace seeder::torrent {
namespace {

class EmptySource final : public ByteSource {
 public:
  [[nodiscard]] std::uint64_t size() const override { return 0; }
  void async_next(std::uint64_t, NextHandler handler) override {
    handler(make_error(Errc::internal, "read past the end of an empty body"));
  }
  void cancel() override {}
};

}  // namespace

void Streamer::async_open(const EntryPtr& entry, const FileInfo& file, std::uint64_t first,
                          std::uint64_t length, boost::asio::any_io_executor executor,
                          OpenHandler handler) {
  if (length == 0) {
    deliver(executor, std::move(handler),
            Result<std::shared_ptr<ByteSource>>(std::make_shared<EmptySource>()));
    return;
  }
  Request request{entry, &file, first, length, std::move(executor)};
  const int file_index = file.index;
  locator_.async_locate(
      entry, [file_index](storage::TorrentStore& store) { return store.file_complete(file_index); },
      ContentLocator::IfMissing::start_torrent, request.executor,
      [weak = weak_from_this(), request,
       handler = std::move(handler)](Result<Location> location) mutable {
        const auto self = weak.lock();
        if (!self) {  // gone while the store opened: the gateway is stopping
          handler(make_error(Errc::unavailable, "gateway shutting down"));
          return;
        }
        if (!location) {
          handler(location.error());
          return;
        }
        if (location->on_disk) {
          if (auto source = self->completed_source(location->store, request)) {
            handler(std::move(source));
            return;
          }
          // Recorded complete, yet not servable from disk: fetched again by the live torrent.
          auto torrent = self->locator_.live(request.entry);
          if (!torrent) {
            handler(torrent.error());
            return;
          }
          location->torrent = std::move(*torrent);
        }
        self->open_live(location->torrent, request, std::move(handler));
      });
}

std::shared_ptr<ByteSource> Streamer::completed_source(
    const std::shared_ptr<storage::TorrentStore>& store, const Request& request) {
  if (!store->file_complete(request.file->index)) return nullptr;
  const auto begin = request.file->offset + request.first;
  const auto pieces = request.entry->meta->pieces_for(begin, begin + request.length);
  // Protected before it is served: an eviction either came first (then this fails and the live
  // path fetches the bytes again) or leaves these pieces alone until the source is gone.
  if (!store->protect_if_complete(pieces.first, pieces.last)) return nullptr;
  auto fd = locator_.stores().open_for_read(request.entry->meta->hash(), request.file->index);
  if (!fd && fd.error().code != Errc::not_found) {
    // Out of descriptors, say: nothing is known about the file, so nothing is forgotten. The
    // live path meets the same condition and answers with it.
    store->unprotect(pieces.first, pieces.last);
    return nullptr;
  }
  struct stat info {};
  // A complete file has no hole anywhere: its bytes were synced before it was recorded. One
  // where it was truncated behind seeder's back and sized up again has one from the block where
  // it was cut (the rest of that block reads as zeros but counts as data).
  const bool lost = !fd || ::fstat(fd->get(), &info) != 0 ||
                    static_cast<std::uint64_t>(info.st_size) < request.file->size ||
                    range_has_hole(fd->get(), 0, request.file->size);
  if (lost) {
    store->unprotect(pieces.first, pieces.last);
    // An eviction marks its pieces incomplete before it punches them: a hole in a file still
    // recorded complete was not made by one. Then forget what is missing; either way the live
    // path serves (and fetches what it must).
    if (store->file_complete(request.file->index)) store->recheck_file(request.file->index);
    return nullptr;
  }
  for (int piece = pieces.first; piece <= pieces.last; ++piece)
    store->touch(piece);
  auto source = std::make_shared<CompletedFileSource>(
      store, pieces.first, pieces.last, request.file->index, std::move(*fd), request.first,
      request.length, request.executor);
  // A test mode: the .torrent is read here, on the caller's strand.
  if (options_.verify_sent) {
    if (auto info = request.entry->load_info()) source->verify_sent_against(std::move(*info));
  }
  return source;
}

void Streamer::open_live(const std::shared_ptr<LiveTorrent>& torrent, const Request& request,
                         OpenHandler handler) {
  auto reader = std::make_shared<RangeReader>(torrent, *request.file, request.first, request.length,
                                              locator_.stores(), request.executor, options_);
  torrent->async_when_ready(
      request.executor, [reader, handler = std::move(handler)](Status ready) mutable {
        if (!ready) {
          handler(ready.error());
          return;
        }
        reader->async_start([reader, handler = std::move(handler)](Status started) {
          if (!started) {
            handler(started.error());
            return;
          }
          handler(std::shared_ptr<ByteSource>(reader));
        });
      });
}

void Streamer::warm(const EntryPtr& entry, const FileInfo* file) {
  // A page view or a HEAD during shutdown has nothing to warm: the error is no one's to report.
  if (auto torrent = locator_.live(entry)) (*torrent)->join_for(file);
}

}  // namespace seeder::torrent
