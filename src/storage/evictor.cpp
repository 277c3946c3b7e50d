#include "seeder/storage/evictor.hpp"

#include "seeder/storage/torrent_store.hpp"

namespace seeder::storage {

Evictor::Evictor(std::function<void()> after_each)
    : StoreWorker(
          [after_each = std::move(after_each)](TorrentStore& store) {
            store.enforce_budget();
            if (after_each) after_each();
          },
          std::chrono::milliseconds(0)) {}

}  // namespace seeder::storage
