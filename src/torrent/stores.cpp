#include "seeder/torrent/stores.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <libtorrent/torrent_info.hpp>

#include "seeder/core/deliver.hpp"

namespace seeder::torrent {

Result<std::shared_ptr<storage::TorrentStore>> open_store(storage::StoreRegistry& stores,
                                                          const CatalogEntry& entry) {
  const auto libtorrent_key = entry.info->info_hashes().get_best();
  if (auto store = stores.find(libtorrent_key)) return store;
  stores.expect(libtorrent_key, entry.meta->hash());
  return stores.open(
      storage::spec_for(entry.meta->hash(), *entry.info, entry.meta->torrent_file()));
}

void async_store(storage::StoreRegistry& stores, const boost::asio::any_io_executor& blocking,
                 const EntryPtr& entry, boost::asio::any_io_executor executor,
                 std::function<void(std::shared_ptr<storage::TorrentStore>)> then) {
  if (auto store = stores.find(entry->info->info_hashes().get_best())) {
    deliver(executor, std::move(then), std::move(store));
    return;
  }
  boost::asio::post(blocking, [&stores, entry, executor, then = std::move(then)]() mutable {
    std::shared_ptr<storage::TorrentStore> store;
    if (auto opened = open_store(stores, *entry)) {
      store = std::move(*opened);
    } else {
      spdlog::warn("torrent {}: cannot open its storage: {}", entry->meta->hash().hex(),
                   opened.error().message);
    }
    deliver(executor, std::move(then), std::move(store));
  });
}

}  // namespace seeder::torrent
