#pragma once
// Evictor: the thread that brings stores back within their cache budget as soon as a completed
// piece takes them over it. Separate from the CompletionWriter on purpose: eviction must not
// wait behind an fdatasync, or the disk overshoots the budget by whatever arrives meanwhile.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace seeder::storage {

class TorrentStore;

class Evictor {
 public:
  Evictor();
  ~Evictor();  // finishes what is scheduled
  Evictor(const Evictor&) = delete;
  Evictor& operator=(const Evictor&) = delete;

  // Any thread: `store` is over its budget.
  void schedule(std::shared_ptr<TorrentStore> store);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<TorrentStore>> scheduled_;  // guarded by mutex_
  bool stopping_ = false;                                 // guarded by mutex_
  std::thread thread_;
};

}  // namespace seeder::storage
