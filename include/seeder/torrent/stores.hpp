#pragma once
// Opening a catalog torrent's storage: finds the open store, or opens it (slow: run it on a
// blocking worker, or let async_store do so).

#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/result.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/torrent/catalog.hpp"

namespace seeder::torrent {

// `loaded`: the entry's .torrent, loaded by the caller (CatalogEntry::load); null to have it
// loaded here when the store is not open yet.
Result<std::shared_ptr<storage::TorrentStore>> open_store(
    storage::StoreRegistry& stores, const CatalogEntry& entry,
    const CatalogEntry::Loaded* loaded = nullptr);

// Calls `then` on `executor` (posted) with the torrent's store: the open one, or one opened on
// `blocking`; when it cannot be opened, Errc::unavailable naming why (not logged here: by
// whoever answers with it).
using StoreHandler = std::function<void(Result<std::shared_ptr<storage::TorrentStore>>)>;
void async_store(storage::StoreRegistry& stores, const boost::asio::any_io_executor& blocking,
                 const EntryPtr& entry, boost::asio::any_io_executor executor, StoreHandler then);

}  // namespace seeder::torrent
