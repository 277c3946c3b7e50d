#include "seeder/storage/disk_budget.hpp"

#include <algorithm>

namespace seeder::storage {

std::uint64_t DiskBudget::excess() const {
  const auto used = used_.load();  // once: compared and subtracted from the same value
  if (!limited() || used <= limit_) return 0;
  return used - low_watermark(limit_);
}

void DiskBudget::add_closed(const InfoHash& key, std::uint64_t bytes, std::uint64_t last_use) {
  add(bytes);
  forget_closed_then(key, bytes, last_use);
}

void DiskBudget::store_closed(const InfoHash& key, std::uint64_t bytes, std::uint64_t last_use) {
  forget_closed_then(key, bytes, last_use);  // its bytes stay counted: open until now
}

void DiskBudget::forget_closed_then(const InfoHash& key, std::uint64_t bytes,
                                    std::uint64_t last_use) {
  LockGuard lock(mutex_);
  // A second word for the same torrent replaces the first: its bytes are counted once.
  if (const auto found = closed_.find(key); found != closed_.end()) {
    remove(found->second.bytes);
    closed_.erase(found);
  }
  if (bytes > 0) closed_[key] = {bytes, last_use};  // nothing to evict: not listed
}

void DiskBudget::take_closed(const InfoHash& key) {
  LockGuard lock(mutex_);
  const auto found = closed_.find(key);
  if (found == closed_.end()) return;
  remove(found->second.bytes);
  closed_.erase(found);
}

std::optional<InfoHash> DiskBudget::oldest_closed(std::uint64_t before) const {
  LockGuard lock(mutex_);
  const auto oldest = std::min_element(
      closed_.begin(), closed_.end(),
      [](const auto& a, const auto& b) { return a.second.last_use < b.second.last_use; });
  if (oldest == closed_.end() || oldest->second.last_use >= before) return std::nullopt;
  return oldest->first;
}

std::size_t DiskBudget::closed_count() const {
  LockGuard lock(mutex_);
  return closed_.size();
}

}  // namespace seeder::storage
