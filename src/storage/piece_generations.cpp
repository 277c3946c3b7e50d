#include "seeder/storage/piece_generations.hpp"

namespace seeder::storage {

PieceGenerations::PieceGenerations(int num_pieces)
    : generation_(static_cast<std::size_t>(num_pieces), kFirst),
      hashed_(static_cast<std::size_t>(num_pieces), kNeverHashed) {}

void PieceGenerations::changed(int piece) {
  auto& generation = generation_[static_cast<std::size_t>(piece)];
  // Wraps past the two markers: 2^32 changes of one piece are never in flight at once.
  if (++generation < kFirst) generation = kFirst;
}

std::uint32_t PieceGenerations::begin_hash(int piece) const {
  return generation_[static_cast<std::size_t>(piece)];
}

void PieceGenerations::hashed(int piece, std::uint32_t token) {
  const auto index = static_cast<std::size_t>(piece);
  hashed_[index] = generation_[index] == token ? token : kHashRaced;
}

bool PieceGenerations::pass_is_current(int piece) const {
  const auto index = static_cast<std::size_t>(piece);
  return hashed_[index] == kNeverHashed || hashed_[index] == generation_[index];
}

}  // namespace seeder::storage
