#include "seeder/storage/evictor.hpp"

#include <algorithm>

#include "seeder/storage/torrent_store.hpp"

namespace seeder::storage {

Evictor::Evictor() : thread_([this] { run(); }) {}

Evictor::~Evictor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Evictor::schedule(std::shared_ptr<TorrentStore> store) {
  {
    std::lock_guard lock(mutex_);
    scheduled_.push_back(std::move(store));
  }
  wake_.notify_one();
}

void Evictor::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !scheduled_.empty(); });
    if (scheduled_.empty()) break;
    std::vector<std::shared_ptr<TorrentStore>> batch;
    batch.swap(scheduled_);
    lock.unlock();
    std::sort(batch.begin(), batch.end());
    batch.erase(std::unique(batch.begin(), batch.end()), batch.end());
    for (const auto& store : batch)
      store->enforce_budget();
    batch.clear();  // stores may die here, outside the lock
    lock.lock();
  }
}

}  // namespace seeder::storage
