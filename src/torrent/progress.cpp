#include "seeder/torrent/progress.hpp"

#include <libtorrent/torrent_info.hpp>

#include "seeder/torrent/progress_streams.hpp"

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

void Progress::async_done(const EntryPtr& entry, Selection selection,
                          boost::asio::any_io_executor executor, DoneHandler handler) {
  locator_.async_locate(
      entry,
      [selection = std::move(selection)](storage::TorrentStore& store) {
        return complete_on_disk(store, selection);
      },
      ContentLocator::IfMissing::report, std::move(executor),
      [handler = std::move(handler)](Result<Location> location) {
        if (!location) {
          handler(location.error());
          return;
        }
        handler(location->on_disk);
      });
}

void Progress::async_open_stats(const EntryPtr& entry, Selection selection,
                                boost::asio::any_io_executor executor, OpenHandler handler) {
  auto shared = std::make_shared<const Selection>(std::move(selection));
  locator_.async_locate(
      entry, [shared](storage::TorrentStore& store) { return complete_on_disk(store, *shared); },
      ContentLocator::IfMissing::start_torrent, executor,
      // The options by value, not `this`: the answer comes from the blocking pool, and needs
      // nothing else of the Progress.
      [options = options_, executor, shared,
       handler = std::move(handler)](Result<Location> location) {
        if (!location) {
          handler(location.error());
          return;
        }
        if (location->on_disk) {
          handler(make_error(Errc::not_found, "already complete on disk"));
          return;
        }
        // A ?stats view, like a page view, is usually followed by a GET: join the swarm now.
        location->torrent->join_for(shared->kind == Selection::Kind::file ? shared->files.front()
                                                                          : nullptr);
        handler(std::shared_ptr<EventStream>(
            std::make_shared<StatsStream>(location->torrent, *shared, executor, options)));
      });
}

void Progress::async_open_warmup(const EntryPtr& entry, Selection selection, std::uint64_t first,
                                 std::uint64_t length, boost::asio::any_io_executor executor,
                                 OpenHandler handler) {
  auto range = selection.intervals(first, length);
  auto pieces = std::make_shared<const std::vector<int>>(pieces_of(*entry->meta, range));
  const auto on_disk = [pieces](storage::TorrentStore& store) {
    if (!std::all_of(pieces->begin(), pieces->end(),
                     [&](int piece) { return store.piece_complete(piece); }))
      return false;
    for (const int piece : *pieces)
      store.touch(piece);  // warmed: used, for the LRU
    return true;
  };
  locator_.async_locate(
      entry, on_disk, ContentLocator::IfMissing::start_torrent, executor,
      [options = options_, entry, executor, range = std::move(range), pieces,
       handler = std::move(handler)](Result<Location> location) {
        if (!location) {
          handler(location.error());
          return;
        }
        if (location->on_disk) {  // reported without starting the torrent
          auto store = location->store;
          handler(std::shared_ptr<EventStream>(std::make_shared<WarmupStream>(
              entry->meta, range, [store](int piece) { return store->piece_complete(piece); },
              nullptr, executor, options)));
          return;
        }
        const auto torrent = location->torrent;
        // Prefetched once libtorrent has the torrent; the stream reports meanwhile.
        torrent->async_when_ready(executor, [torrent, pieces](const Status& ready) {
          if (ready) for_each_run(*pieces, [&](int a, int b) { torrent->prefetch(a, b); });
        });
        const auto map = torrent->shared_pieces();
        handler(std::shared_ptr<EventStream>(std::make_shared<WarmupStream>(
            entry->meta, range, [map](int piece) { return map->have(piece); }, torrent, executor,
            options)));
      });
}

}  // namespace seeder::torrent
