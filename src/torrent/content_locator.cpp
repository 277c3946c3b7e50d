#include "seeder/torrent/content_locator.hpp"

#include "seeder/torrent/stores.hpp"

namespace seeder::torrent {
namespace {

Result<std::shared_ptr<LiveTorrent>> live_in(Registry& registry, const EntryPtr& entry) {
  auto torrent = registry.acquire(entry);
  if (!torrent) return make_error(Errc::unavailable, "gateway shutting down");
  return torrent;
}

}  // namespace

void ContentLocator::async_locate(const EntryPtr& entry, OnDisk on_disk, IfMissing if_missing,
                                  Executor executor, Handler handler) {
  // A store that cannot be opened fails the request here: the live torrent would open the same
  // store and fail the same way.
  async_store(stores_, blocking_, entry, std::move(executor),
              // The Registry, not `this`: the answer comes from the blocking pool, and the
              // Registry outlives every answer (Gateway joins the pool and the HTTP threads first).
              [&registry = registry_, entry, on_disk = std::move(on_disk), if_missing,
               handler = std::move(handler)](Result<std::shared_ptr<storage::TorrentStore>> store) {
                if (!store) {
                  handler(store.error());
                  return;
                }
                Location location{std::move(*store), false, nullptr};
                location.on_disk = on_disk(*location.store);
                if (!location.on_disk && if_missing == IfMissing::start_torrent) {
                  auto torrent = live_in(registry, entry);
                  if (!torrent) {
                    handler(torrent.error());
                    return;
                  }
                  location.torrent = std::move(*torrent);
                }
                handler(std::move(location));
              });
}

Result<std::shared_ptr<LiveTorrent>> ContentLocator::live(const EntryPtr& entry) {
  return live_in(registry_, entry);
}

}  // namespace seeder::torrent
