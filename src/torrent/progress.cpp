#include "seeder/torrent/progress.hpp"

#include <libtorrent/torrent_info.hpp>

#include "seeder/torrent/progress_streams.hpp"
#include "seeder/torrent/stores.hpp"

namespace seeder::torrent {
namespace {

bool complete_on_disk(const storage::TorrentStore& store, const Selection& selection) {
  for (const auto* file : selection.files) {
    if (!store.file_complete(file->index)) return false;
  }
  return true;
}

// Runs of consecutive pieces, for LiveTorrent::prefetch.
template <class Call>
void for_each_run(const std::vector<int>& pieces, Call call) {
  for (std::size_t i = 0; i < pieces.size();) {
    std::size_t j = i;
    while (j + 1 < pieces.size() && pieces[j + 1] == pieces[j] + 1)
      ++j;
    call(pieces[i], pieces[j]);
    i = j + 1;
  }
}

}  // namespace

Progress::Progress(Registry& registry, storage::StoreRegistry& stores,
                   boost::asio::any_io_executor blocking, ProgressOptions options)
    : registry_(registry), stores_(stores), blocking_(std::move(blocking)), options_(options) {}

void Progress::async_done(const EntryPtr& entry, Selection selection,
                          boost::asio::any_io_executor executor, DoneHandler handler) {
  async_store(stores_, blocking_, entry, executor,
              [selection = std::move(selection),
               handler = std::move(handler)](Result<std::shared_ptr<storage::TorrentStore>> store) {
                if (!store) {
                  handler(store.error());
                  return;
                }
                handler(complete_on_disk(**store, selection));
              });
}

void Progress::async_open_stats(const EntryPtr& entry, Selection selection,
                                boost::asio::any_io_executor executor, OpenHandler handler) {
  async_store(stores_, blocking_, entry, executor,
              [this, entry, executor, selection = std::move(selection),
               handler = std::move(handler)](Result<std::shared_ptr<storage::TorrentStore>> store) {
                if (!store) {
                  handler(store.error());
                  return;
                }
                if (complete_on_disk(**store, selection)) {
                  handler(make_error(Errc::not_found, "already complete on disk"));
                  return;
                }
                auto torrent = registry_.acquire(entry);
                if (!torrent) {
                  handler(make_error(Errc::unavailable, "gateway shutting down"));
                  return;
                }
                handler(std::shared_ptr<EventStream>(
                    std::make_shared<StatsStream>(torrent, selection, executor, options_)));
              });
}

void Progress::async_open_warmup(const EntryPtr& entry, Selection selection, std::uint64_t first,
                                 std::uint64_t length, boost::asio::any_io_executor executor,
                                 OpenHandler handler) {
  auto range = selection.intervals(first, length);
  async_store(
      stores_, blocking_, entry, executor,
      [this, entry, executor, range = std::move(range),
       handler = std::move(handler)](Result<std::shared_ptr<storage::TorrentStore>> opened) {
        if (!opened) {
          handler(opened.error());
          return;
        }
        const auto store = std::move(*opened);
        const auto pieces = pieces_of(*entry->meta, range);
        // All on disk already: report it without starting the torrent.
        if (std::all_of(pieces.begin(), pieces.end(),
                        [&](int piece) { return store->piece_complete(piece); })) {
          for (const int piece : pieces)
            store->touch(piece);  // warmed: used, for the LRU
          handler(std::shared_ptr<EventStream>(std::make_shared<WarmupStream>(
              entry->meta, range, [store](int piece) { return store->piece_complete(piece); },
              nullptr, executor, options_)));
          return;
        }
        auto torrent = registry_.acquire(entry);
        if (!torrent) {
          handler(make_error(Errc::unavailable, "gateway shutting down"));
          return;
        }
        // Prefetched once libtorrent has the torrent; the stream reports meanwhile.
        torrent->async_when_ready(executor, [torrent, pieces](const Status& ready) {
          if (ready) for_each_run(pieces, [&](int a, int b) { torrent->prefetch(a, b); });
        });
        const auto map = torrent->shared_pieces();
        handler(std::shared_ptr<EventStream>(std::make_shared<WarmupStream>(
            entry->meta, range, [map](int piece) { return map->have(piece); }, torrent, executor,
            options_)));
      });
}

}  // namespace seeder::torrent
