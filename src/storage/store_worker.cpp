#include "seeder/storage/store_worker.hpp"

#include <algorithm>

namespace seeder::storage {

StoreWorker::StoreWorker(Job job, std::chrono::milliseconds batch_delay)
    : job_(std::move(job)), batch_delay_(batch_delay), thread_([this] { run(); }) {}

StoreWorker::~StoreWorker() {
  {
    LockGuard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void StoreWorker::schedule(std::shared_ptr<TorrentStore> store) {
  {
    LockGuard lock(mutex_);
    scheduled_.push_back(std::move(store));
  }
  wake_.notify_one();
}

void StoreWorker::flush() {
  UniqueLock lock(mutex_);
  urgent_ = true;
  wake_.notify_one();
  idle_.wait(lock, [this]() REQUIRES(mutex_) { return scheduled_.empty() && !busy_; });
}

void StoreWorker::run() {
  UniqueLock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this]() REQUIRES(mutex_) { return stopping_ || !scheduled_.empty(); });
    if (scheduled_.empty()) break;  // stopping with nothing left
    if (batch_delay_.count() > 0)
      wake_.wait_for(lock, batch_delay_,
                     [this]() REQUIRES(mutex_) { return stopping_ || urgent_; });
    urgent_ = false;
    std::vector<std::shared_ptr<TorrentStore>> batch;
    batch.swap(scheduled_);
    busy_ = true;
    lock.unlock();
    std::sort(batch.begin(), batch.end());
    batch.erase(std::unique(batch.begin(), batch.end()), batch.end());
    for (const auto& store : batch)
      job_(*store);
    batch.clear();  // stores may die here, outside the lock
    lock.lock();
    busy_ = false;
    idle_.notify_all();
  }
  idle_.notify_all();
}

}  // namespace seeder::storage
