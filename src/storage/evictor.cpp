#include "seeder/storage/evictor.hpp"

#include "seeder/storage/torrent_store.hpp"

namespace seeder::storage {

Evictor::Evictor()
    : StoreWorker([](TorrentStore& store) { store.enforce_budget(); },
                  std::chrono::milliseconds(0)) {}

}  // namespace seeder::storage
