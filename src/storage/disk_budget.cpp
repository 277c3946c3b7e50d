#include "seeder/storage/disk_budget.hpp"

#include <algorithm>

namespace seeder::storage {

std::uint64_t DiskBudget::excess() const {
  if (!over()) return 0;
  const auto low_watermark = limit_ / 10 * 8;
  return used() - low_watermark;
}

void DiskBudget::add_closed(const InfoHash& key, std::uint64_t bytes, std::uint64_t last_use) {
  LockGuard lock(mutex_);
  auto& closed = closed_[key];
  // A second word for the same torrent replaces the first: its bytes are counted once.
  remove(closed.bytes);
  closed = {bytes, last_use};
  add(bytes);
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
