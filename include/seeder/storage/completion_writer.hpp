#pragma once
// CompletionWriter: the one thread that makes completions (and evictions) durable, in batches:
// fdatasync the content files first, then one SQLite transaction, so a row never claims bytes a
// crash could still lose. Keeps SQLite commits and fsyncs off libtorrent's network thread and
// HTTP threads.

#include <chrono>

#include "seeder/storage/store_worker.hpp"

namespace seeder::storage {

class CompletionWriter : public StoreWorker {
 public:
  // Completions wait up to `batch_delay` for others: one fdatasync and one transaction a batch.
  explicit CompletionWriter(std::chrono::milliseconds batch_delay = std::chrono::milliseconds(50));
};

}  // namespace seeder::storage
