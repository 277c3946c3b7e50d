#include "seeder/torrent/stores.hpp"

#include <boost/asio/post.hpp>
#include <libtorrent/torrent_info.hpp>

#include "seeder/core/deliver.hpp"
#include "seeder/storage/content_path.hpp"

namespace seeder::torrent {

Result<std::shared_ptr<storage::TorrentStore>> open_store(storage::StoreRegistry& stores,
                                                          const CatalogEntry& entry, InfoPtr info) {
  if (auto store = stores.find(entry.libtorrent_key)) return store;
  if (!info) {
    auto loaded = entry.load_info();
    if (!loaded) return loaded.error();
    info = std::move(*loaded);
  }
  // The store keeps a copy of the .torrent in the data dir, so that a torrent seen once stays
  // servable; none is needed when the entry's file is that copy.
  const auto& hash = entry.meta->hash();
  std::string torrent_file;
  if (entry.torrent_path != storage::metadata_path(stores.data_dir(), hash)) {
    auto bytes = entry.torrent_file();
    if (!bytes) return bytes.error();
    torrent_file = std::move(*bytes);
  }
  stores.expect(entry.libtorrent_key, hash);
  return stores.open(storage::spec_for(hash, *info, std::move(torrent_file)));
}

void async_store(storage::StoreRegistry& stores, const boost::asio::any_io_executor& blocking,
                 const EntryPtr& entry, boost::asio::any_io_executor executor, StoreHandler then) {
  using Opened = Result<std::shared_ptr<storage::TorrentStore>>;
  if (auto store = stores.find(entry->libtorrent_key)) {
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
