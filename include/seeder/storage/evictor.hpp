#pragma once
// Evictor: the thread that brings stores back within their cache budget as soon as a completed
// piece takes them over it. Separate from the CompletionWriter on purpose: eviction must not
// wait behind an fdatasync, or the disk overshoots the budget by whatever arrives meanwhile.

#include "seeder/storage/store_worker.hpp"

namespace seeder::storage {

class Evictor : public StoreWorker {
 public:
  Evictor();  // no batch delay: every moment over budget is disk the budget did not allow
};

}  // namespace seeder::storage
