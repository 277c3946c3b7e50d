#include "seeder/storage/piece_lru.hpp"

namespace seeder::storage {

PieceLru::PieceLru(std::vector<std::uint32_t> piece_bytes)
    : piece_bytes_(std::move(piece_bytes)), position_(piece_bytes_.size(), order_.end()) {}

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
  bytes_ += piece_bytes_[static_cast<std::size_t>(piece)];
}

void PieceLru::touch(int piece) {
  if (!contains(piece)) return;
  order_.splice(order_.begin(), order_, position_[static_cast<std::size_t>(piece)]);
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
