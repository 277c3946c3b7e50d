#include "seeder/storage/cache_budget.hpp"

#include <algorithm>

namespace seeder::storage {

CacheBudget::CacheBudget(std::uint64_t budget, std::vector<std::uint32_t> piece_bytes)
    : budget_(budget), pins_(piece_bytes.size()), lru_(std::move(piece_bytes)) {}

std::vector<int> CacheBudget::victims(std::uint64_t incoming) const {
  if (!over(incoming)) return {};
  const auto low = low_watermark(budget_);
  const auto target = low - std::min(incoming, low);
  return lru_.victims(target, [this](int piece) { return pinned(piece); });
}

std::vector<int> CacheBudget::least_used(std::uint64_t bytes) const {
  const auto target = lru_.bytes() - std::min(bytes, lru_.bytes());
  return lru_.victims(target, [this](int piece) { return pinned(piece); });
}

}  // namespace seeder::storage
