#pragma once
// Evictor: the thread that brings stores back within their cache budget as soon as a completed
// piece takes them over it, then (`after_each`) the data dir within its budget. Separate from
// the CompletionWriter on purpose: eviction must not wait behind an fdatasync, or the disk
// overshoots the budget by whatever arrives meanwhile.

#include <functional>

#include "seeder/storage/store_worker.hpp"

namespace seeder::storage {

class Evictor : public StoreWorker {
 public:
  // No batch delay: every moment over budget is disk the budget did not allow.
  explicit Evictor(std::function<void()> after_each = {});
};

}  // namespace seeder::storage
