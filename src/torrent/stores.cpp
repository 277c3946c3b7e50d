#include "seeder/torrent/stores.hpp"

#include <libtorrent/torrent_info.hpp>

namespace seeder::torrent {

Result<std::shared_ptr<storage::TorrentStore>> open_store(storage::StoreRegistry& stores,
                                                          const CatalogEntry& entry) {
  const auto libtorrent_key = entry.info->info_hashes().get_best();
  if (auto store = stores.find(libtorrent_key)) return store;
  stores.expect(libtorrent_key, entry.meta->hash());
  return stores.open(
      storage::spec_for(entry.meta->hash(), *entry.info, entry.meta->torrent_file()));
}

}  // namespace seeder::torrent
