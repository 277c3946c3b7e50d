#include "seeder/storage/piece_lru.hpp"

#include <atomic>

namespace seeder::storage {
namespace {

// One clock for every torrent's LRU: uses are ordered across torrents. Starts at 1 (0 is "not
// used in this process").
std::atomic<std::uint64_t> use_clock{1};

std::uint64_t now() {
  return use_clock.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

PieceLru::PieceLru(std::vector<std::uint32_t> piece_bytes)
    : piece_bytes_(std::move(piece_bytes)),
      position_(piece_bytes_.size(), order_.end()),
      used_at_(piece_bytes_.size(), 0) {}

std::uint64_t PieceLru::used_at(int piece) const {
  return contains(piece) ? used_at_[static_cast<std::size_t>(piece)] : 0;
}

bool PieceLru::contains(int piece) const {
  return piece >= 0 && static_cast<std::size_t>(piece) < position_.size() &&
         position_[static_cast<std::size_t>(piece)] != order_.end();
}

void PieceLru::add(int piece) {
  if (piece < 0 || static_cast<std::size_t>(piece) >= position_.size()) return;
  if (contains(piece)) {
    touch(piece);
    return;
  }
  order_.push_front(piece);
  position_[static_cast<std::size_t>(piece)] = order_.begin();
  used_at_[static_cast<std::size_t>(piece)] = now();
  bytes_ += piece_bytes_[static_cast<std::size_t>(piece)];
}

void PieceLru::add_unused(int piece) {
  if (piece < 0 || static_cast<std::size_t>(piece) >= position_.size() || contains(piece)) return;
  order_.push_back(piece);
  position_[static_cast<std::size_t>(piece)] = std::prev(order_.end());
  used_at_[static_cast<std::size_t>(piece)] = 0;
  bytes_ += piece_bytes_[static_cast<std::size_t>(piece)];
}

void PieceLru::touch(int piece) {
  if (!contains(piece)) return;
  order_.splice(order_.begin(), order_, position_[static_cast<std::size_t>(piece)]);
  used_at_[static_cast<std::size_t>(piece)] = now();
}

void PieceLru::remove(int piece) {
  if (!contains(piece)) return;
  auto& position = position_[static_cast<std::size_t>(piece)];
  order_.erase(position);
  position = order_.end();
  bytes_ -= piece_bytes_[static_cast<std::size_t>(piece)];
}

std::vector<int> PieceLru::victims(std::uint64_t target,
                                   const std::function<bool(int)>& keep) const {
  std::vector<int> out;
  std::uint64_t bytes = bytes_;
  for (auto it = order_.rbegin(); it != order_.rend() && bytes > target; ++it) {
    if (keep(*it)) continue;
    out.push_back(*it);
    bytes -= piece_bytes_[static_cast<std::size_t>(*it)];
  }
  return out;
}

}  // namespace seeder::storage
