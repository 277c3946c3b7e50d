#pragma once
// Opening a catalog torrent's storage: finds the open store, or opens it (slow: run it on a
// blocking worker).

#include <memory>

#include "seeder/core/result.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/torrent/catalog.hpp"

namespace seeder::torrent {

Result<std::shared_ptr<storage::TorrentStore>> open_store(storage::StoreRegistry& stores,
                                                          const CatalogEntry& entry);

}  // namespace seeder::torrent
