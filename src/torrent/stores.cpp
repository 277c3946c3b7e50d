#include "seeder/torrent/stores.hpp"

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
                 const EntryPtr& entry, boost::asio::any_io_executor executor, StoreHandler then) {
  using Opened = Result<std::shared_ptr<storage::TorrentStore>>;
  if (auto store = stores.find(entry->info->info_hashes().get_best())) {
    deliver(executor, std::move(then), Opened(std::move(store)));
    return;
  }
  boost::asio::post(blocking, [&stores, entry, executor, then = std::move(then)]() mutable {
    auto opened = open_store(stores, *entry);
    if (!opened) {
      opened = make_error(Errc::unavailable,
                          "cannot open the torrent's storage: " + opened.error().message);
    }
    deliver(executor, std::move(then), std::move(opened));
  });
}

}  // namespace seeder::torrent
