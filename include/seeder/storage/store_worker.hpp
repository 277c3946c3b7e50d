#pragma once
// StoreWorker: one thread that does one job for the stores scheduled to it, in batches (each
// store once per batch, after an optional delay that lets a batch fill up). The completion
// writer and the evictor are two of them: separate threads on purpose, so that eviction never
// waits behind an fdatasync.

#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "seeder/core/mutex.hpp"

namespace seeder::storage {

class TorrentStore;

class StoreWorker {
 public:
  using Job = std::function<void(TorrentStore&)>;

  StoreWorker(Job job, std::chrono::milliseconds batch_delay);
  ~StoreWorker();  // finishes what is scheduled
  StoreWorker(const StoreWorker&) = delete;
  StoreWorker& operator=(const StoreWorker&) = delete;

  // Any thread: `store` wants the job done.
  void schedule(std::shared_ptr<TorrentStore> store);
  // Blocks until everything scheduled before the call is done (tests, shutdown).
  void flush();

 private:
  void run();

  const Job job_;
  const std::chrono::milliseconds batch_delay_;
  Mutex mutex_;
  ConditionVariable wake_;
  ConditionVariable idle_;
  std::vector<std::shared_ptr<TorrentStore>> scheduled_ GUARDED_BY(mutex_);
  bool busy_ GUARDED_BY(mutex_) = false;
  bool urgent_ GUARDED_BY(mutex_) = false;  // flush() waits
  bool stopping_ GUARDED_BY(mutex_) = false;
  std::thread thread_;  // last: starts once the rest exists
};

}  // namespace seeder::storage
