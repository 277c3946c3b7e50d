#include "seeder/torrent/piece_demand.hpp"

#include <algorithm>

namespace seeder::torrent {

namespace {
constexpr std::uint8_t kBackgroundPriority = 1;  // libtorrent's low_priority
}  // namespace

PieceDemand::PieceDemand(int num_pieces)
    : counts_(static_cast<std::size_t>(num_pieces), 0),
      bands_(static_cast<std::size_t>(num_pieces), kUrgencyBands) {}

PieceDemand::Change PieceDemand::want(int piece, int band) {
  Change change;
  change.first = counts_[index(piece)]++ == 0;
  if (change.first) wanted_.insert(piece);
  auto& wanted_band = bands_[index(piece)];
  change.more_urgent = band < wanted_band;
  if (change.more_urgent) wanted_band = static_cast<std::uint8_t>(std::max(0, band));
  if (wanted_band == 0) urgent_.insert(piece);
  return change;
}

bool PieceDemand::raise(int piece, int band) {
  auto& wanted_band = bands_[index(piece)];
  if (counts_[index(piece)] == 0 || band >= wanted_band) return false;
  wanted_band = static_cast<std::uint8_t>(std::max(0, band));
  if (wanted_band == 0) urgent_.insert(piece);
  return true;
}

bool PieceDemand::unwant(int piece) {
  auto& count = counts_[index(piece)];
  if (count == 0 || --count != 0) return false;
  wanted_.erase(piece);
  urgent_.erase(piece);
  bands_[index(piece)] = kUrgencyBands;
  return true;
}

void PieceDemand::prefetch(int piece, std::uint8_t priority) {
  auto& wanted = prefetched_[piece];
  wanted = std::max(wanted, priority);
}

std::optional<std::uint8_t> PieceDemand::reader_priority(int piece) const {
  const int band = bands_[index(piece)];
  if (band == 0 || band >= kUrgencyBands) return std::nullopt;
  const auto prefetch = prefetched_.find(piece);
  const int floor = prefetch != prefetched_.end() ? prefetch->second : 0;
  return static_cast<std::uint8_t>(
      std::max({int{kLowestReaderPriority}, kTopPriority - band, floor}));
}

std::uint8_t PieceDemand::released_priority(int piece, bool in_background) const {
  const auto prefetch = prefetched_.find(piece);
  if (prefetch != prefetched_.end()) return prefetch->second;
  return in_background ? kBackgroundPriority : 0;
}

}  // namespace seeder::torrent
