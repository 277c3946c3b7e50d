#pragma once
// PieceLru: which complete pieces of a torrent were used least recently, and how many bytes they
// hold on disk. Pure bookkeeping (no I/O, no locking): the TorrentStore guards it.
// "Used" means written, read by an HTTP reader, or warmed. Each use is stamped from one clock for
// the whole process, so that the pieces of different torrents compare (the disk budget).

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
  // The piece is complete but was not used in this process (found on disk): least recently used.
  void add_unused(int piece);
  // The piece was used; a no-op for pieces not tracked.
  void touch(int piece);
  // The piece is no longer on disk.
  void remove(int piece);

  [[nodiscard]] std::uint64_t bytes() const { return bytes_; }
  [[nodiscard]] std::size_t size() const { return order_.size(); }
  [[nodiscard]] bool contains(int piece) const;
  // When the piece was last used (0: not in this process); comparable across torrents.
  [[nodiscard]] std::uint64_t used_at(int piece) const;
  // The most recent use of any piece, 0 when none.
  [[nodiscard]] std::uint64_t last_use() const {
    return order_.empty() ? 0 : used_at(order_.front());
  }
  // What the piece occupies on disk.
  [[nodiscard]] std::uint64_t bytes_of(int piece) const {
    return piece >= 0 && static_cast<std::size_t>(piece) < piece_bytes_.size()
               ? piece_bytes_[static_cast<std::size_t>(piece)]
               : 0;
  }

  // Least recently used pieces, oldest first, whose removal brings bytes() down to `target`,
  // skipping those `keep` says must stay. May return too few when too much is kept.
  [[nodiscard]] std::vector<int> victims(std::uint64_t target,
                                         const std::function<bool(int)>& keep) const;

 private:
  std::vector<std::uint32_t> piece_bytes_;
  std::list<int> order_;                            // front = most recently used
  std::vector<std::list<int>::iterator> position_;  // per piece; order_.end() when untracked
  std::vector<std::uint64_t> used_at_;              // per piece: the clock at its last use
  std::uint64_t bytes_ = 0;
};

}  // namespace seeder::storage
