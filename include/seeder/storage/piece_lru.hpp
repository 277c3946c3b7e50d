#pragma once
// PieceLru: which complete pieces of a torrent were used least recently, and how many bytes they
// hold on disk. Pure bookkeeping (no I/O, no locking): the TorrentStore guards it.
// "Used" means written, read by an HTTP reader, or warmed.

#include <cstdint>
#include <functional>
#include <list>
#include <vector>

namespace seeder::storage {

class PieceLru {
 public:
  // `piece_bytes[i]`: what piece i occupies on disk (pad bytes are not stored).
  explicit PieceLru(std::vector<std::uint32_t> piece_bytes);

  // The piece became complete: most recently used.
  void add(int piece);
  // The piece was used; a no-op for pieces not tracked.
  void touch(int piece);
  // The piece is no longer on disk.
  void remove(int piece);

  [[nodiscard]] std::uint64_t bytes() const { return bytes_; }
  [[nodiscard]] std::size_t size() const { return order_.size(); }
  [[nodiscard]] bool contains(int piece) const;

  // Least recently used pieces, oldest first, whose removal brings bytes() down to `target`,
  // skipping those `keep` says must stay. May return too few when too much is kept.
  [[nodiscard]] std::vector<int> victims(std::uint64_t target,
                                         const std::function<bool(int)>& keep) const;

 private:
  std::vector<std::uint32_t> piece_bytes_;
  std::list<int> order_;                            // front = most recently used
  std::vector<std::list<int>::iterator> position_;  // per piece; order_.end() when untracked
  std::uint64_t bytes_ = 0;
};

}  // namespace seeder::storage
