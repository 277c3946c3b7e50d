#include "seeder/storage/completion_writer.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "seeder/storage/torrent_store.hpp"

namespace seeder::storage {

CompletionWriter::CompletionWriter(std::chrono::milliseconds batch_delay)
    : batch_delay_(batch_delay), thread_([this] { run(); }) {}

CompletionWriter::~CompletionWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CompletionWriter::schedule(std::shared_ptr<TorrentStore> store) {
  {
    std::lock_guard lock(mutex_);
    scheduled_.push_back(std::move(store));
  }
  wake_.notify_one();
}

void CompletionWriter::flush() {
  std::unique_lock lock(mutex_);
  urgent_ = true;
  wake_.notify_one();
  idle_.wait(lock, [this] { return scheduled_.empty() && !busy_; });
}

void CompletionWriter::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !scheduled_.empty(); });
    if (scheduled_.empty()) break;  // stopping with nothing left
    // Let completions pile up for a moment: one fdatasync and one transaction per batch.
    wake_.wait_for(lock, batch_delay_, [this] { return stopping_ || urgent_; });
    urgent_ = false;
    std::vector<std::shared_ptr<TorrentStore>> batch;
    batch.swap(scheduled_);
    busy_ = true;
    lock.unlock();
    write(batch);
    batch.clear();  // stores may die here, outside the lock
    lock.lock();
    busy_ = false;
    idle_.notify_all();
  }
  idle_.notify_all();
}

void CompletionWriter::write(std::vector<std::shared_ptr<TorrentStore>>& stores) {
  std::sort(stores.begin(), stores.end());
  stores.erase(std::unique(stores.begin(), stores.end()), stores.end());
  for (const auto& store : stores) {
    // A failure leaves the changes pending: they are retried with the next batch for this
    // torrent, and until then completed pieces are served (their bytes are in the page cache)
    // but not claimed.
    if (auto written = store->persist_pending(); !written) {
      spdlog::error("torrent {}: cannot record completed pieces: {}", store->key().hex(),
                    written.error().message);
    }
  }
}

}  // namespace seeder::storage
