#pragma once
// CountedSlot: one of a limited number of things at once (multipart bodies, media probes),
// taken from a shared counter and given back when the last holder lets go. Internal to the http
// module; any thread.

#include <atomic>
#include <memory>

namespace seeder::http {

class CountedSlot {
 public:
  // A slot, or null when none is free.
  static std::shared_ptr<CountedSlot> take(const std::shared_ptr<std::atomic<int>>& free) {
    for (int left = free->load(); left > 0;) {
      if (free->compare_exchange_weak(left, left - 1)) return std::make_shared<CountedSlot>(free);
    }
    return nullptr;
  }
  explicit CountedSlot(std::shared_ptr<std::atomic<int>> free) : free_(std::move(free)) {}
  ~CountedSlot() { ++*free_; }
  CountedSlot(const CountedSlot&) = delete;
  CountedSlot& operator=(const CountedSlot&) = delete;

 private:
  std::shared_ptr<std::atomic<int>> free_;
};

}  // namespace seeder::http
