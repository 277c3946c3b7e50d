#pragma once
// CompletionWriter: the one thread that makes completions (and evictions) durable, in batches:
// fdatasync the content files first, then one SQLite transaction, so a row never claims bytes a
// crash could still lose. Keeps SQLite commits and fsyncs off libtorrent's network thread and
// HTTP threads.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace seeder::storage {

class TorrentStore;

class CompletionWriter {
 public:
  explicit CompletionWriter(std::chrono::milliseconds batch_delay = std::chrono::milliseconds(50));
  ~CompletionWriter();  // flushes everything still pending
  CompletionWriter(const CompletionWriter&) = delete;
  CompletionWriter& operator=(const CompletionWriter&) = delete;

  // Any thread: `store` has changes to record.
  void schedule(std::shared_ptr<TorrentStore> store);
  // Blocks until everything scheduled before the call is written (tests, shutdown).
  void flush();

 private:
  void run();
  void write(std::vector<std::shared_ptr<TorrentStore>>& stores);

  const std::chrono::milliseconds batch_delay_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::vector<std::shared_ptr<TorrentStore>> scheduled_;  // guarded by mutex_
  bool busy_ = false;                                     // guarded by mutex_
  bool urgent_ = false;                                   // guarded by mutex_: flush() waits
  bool stopping_ = false;                                 // guarded by mutex_
  std::thread thread_;
};

}  // namespace seeder::storage
