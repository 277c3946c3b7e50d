#include "seeder/torrent/stores.hpp"

#include <optional>

#include <boost/asio/post.hpp>
#include <libtorrent/torrent_info.hpp>

#include "seeder/core/deliver.hpp"
#include "seeder/storage/content_path.hpp"

namespace seeder::torrent {

Result<std::shared_ptr<storage::TorrentStore>> open_store(storage::StoreRegistry& stores,
                                                          const CatalogEntry& entry,
                                                          const CatalogEntry::Loaded* loaded) {
  if (auto store = stores.find(entry.libtorrent_key)) return store;
  // One read and parse of the .torrent for both the store's layout and its copy.
  std::optional<CatalogEntry::Loaded> loaded_here;
  if (loaded == nullptr) {
    auto read = entry.load();
    if (!read) return read.error();
    loaded = &loaded_here.emplace(std::move(*read));
  }
  // The store keeps a copy of the .torrent in the data dir, so that a torrent seen once stays
  // servable; none is needed when the entry's file is that copy.
  const auto& hash = entry.meta->hash();
  std::string torrent_file;
  if (entry.torrent_path != storage::metadata_path(stores.data_dir(), hash))
    torrent_file = loaded->bytes;
  stores.expect(entry.libtorrent_key, hash);
  return stores.open(storage::spec_for(hash, *loaded->info, std::move(torrent_file)));
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
