#include "seeder/torrent/background_fetch.hpp"

#include <algorithm>

#include "seeder/torrent/file_plan.hpp"

namespace seeder::torrent {

void BackgroundFetch::add_file(const FileInfo& file) {
  if (std::find(files_.begin(), files_.end(), &file) == files_.end()) files_.push_back(&file);
}

void BackgroundFetch::remove_file(const FileInfo& file) {
  files_.erase(std::remove_if(files_.begin(), files_.end(),
                              [&](const FileInfo* kept) { return kept->index == file.index; }),
               files_.end());
  cursors_.erase(file.index);
}

int BackgroundFetch::pace(const Tick& tick) {
  // The first tick finds a full allowance (the time since the clock's epoch).
  const auto elapsed = std::chrono::duration<double>(tick.now - last_tick_).count();
  last_tick_ = tick.now;
  const auto piece_length = static_cast<double>(meta_.piece_length());
  const auto rate = std::max(kMinRate, static_cast<double>(peak_rate_) / 4);
  allowance_ = std::min(allowance_ + rate * std::max(elapsed, 0.0), 2 * piece_length);
  forget_had(tick.have);
  if (in_flight_.size() >= kMaxInFlight || allowance_ < piece_length || tick.reader_waiting)
    return -1;
  const int piece = next_piece(tick.may_take);
  if (piece < 0) return -1;
  allowance_ -= piece_length;
  in_flight_.insert(piece);
  return piece;
}

int BackgroundFetch::take_now(const std::function<bool(int)>& have,
                              const std::function<bool(int)>& may_take) {
  forget_had(have);
  // One piece of debt at most: a piece taken now whose own pass wants nothing else would
  // otherwise take the next at once, and the pace would be gone.
  if (in_flight_.size() >= kMaxInFlight || allowance_ < 0) return -1;
  const int piece = next_piece(may_take);
  if (piece < 0) return -1;
  allowance_ -= static_cast<double>(meta_.piece_length());
  in_flight_.insert(piece);
  return piece;
}

void BackgroundFetch::forget_had(const std::function<bool(int)>& have) {
  for (auto it = in_flight_.begin(); it != in_flight_.end();)
    it = have(*it) ? in_flight_.erase(it) : std::next(it);
}

// The next piece of the first unfinished file; files done are forgotten.
int BackgroundFetch::next_piece(const std::function<bool(int)>& may_take) {
  const auto skip = [&](int piece) { return in_flight(piece) || !may_take(piece); };
  while (!files_.empty()) {
    const auto& file = *files_.front();
    auto& cursor = cursors_[file.index];
    const int piece = next_background(meta_, file, cursor, skip);
    if (piece >= 0) {
      cursor = piece;
      return piece;
    }
    cursors_.erase(file.index);
    files_.erase(files_.begin());
  }
  return -1;
}

}  // namespace seeder::torrent
