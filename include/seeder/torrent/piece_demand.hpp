#pragma once
// PieceDemand: which pieces of one torrent are wanted, and how urgently. Readers want pieces
// (counted per piece, so readers sharing one don't cancel each other) at an urgency band; warm-ups
// and the ends of media files prefetch pieces at a priority of their own. From those it decides
// the libtorrent priority each piece should have; LiveTorrent applies it to the handle.
//
// Pure logic, not thread-safe: LiveTorrent calls it under its mutex.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace seeder::torrent {

class PieceDemand {
 public:
  // How soon a reader needs a wanted piece: band 0 is next, kUrgencyBands - 1 the far end of its
  // window. libtorrent's picker takes same-priority pieces in random order and honours deadlines
  // only on its tick, so without bands a window arrives in random order and the reader waits on
  // its cursor piece while bandwidth goes to the window's tail (measured: a 20 MiB window under a
  // budget ran at 0.75x the speed of an unbudgeted stream).
  static constexpr int kUrgencyBands = 7;
  // libtorrent's top_priority: a reader's most urgent band, and a ?warmup's prefetch.
  static constexpr std::uint8_t kTopPriority = 7;
  // The order of urgency, high to low: a reader's next piece (its deadline: top), the rest of its
  // window (bands 1.. map to 6..3), the ends of a media file being read, the background (1).
  // The ends go below every reader's window: a seek's own range must not wait behind a tail a
  // player may want later (measured: the last piece of a 1 MiB seek asked 480 ms late, behind
  // both ends, on the 60 ms swarm). A player's first window is small (it grows with what the
  // client takes), so the index it jumps to next still comes early.
  static constexpr std::uint8_t kLowestReaderPriority = 3;
  static constexpr std::uint8_t kEndsPriority = 2;

  explicit PieceDemand(int num_pieces);

  struct Change {
    bool first = false;        // no reader wanted the piece before
    bool more_urgent = false;  // its band went down
  };
  // One more reader wants `piece` at `band`.
  Change want(int piece, int band);
  // A reader came closer to a piece it wants: true when that raised its urgency.
  bool raise(int piece, int band);
  // A reader let go of `piece`: true when it was the last.
  bool unwant(int piece);

  [[nodiscard]] int readers_of(int piece) const { return counts_[index(piece)]; }
  // Pieces with at least one reader, in piece order.
  [[nodiscard]] const std::set<int>& wanted() const { return wanted_; }
  // Pieces a reader wants at band 0 (its next bytes), in piece order.
  [[nodiscard]] const std::set<int>& urgent() const { return urgent_; }

  // `piece` is prefetched at `priority` at least, until forget_prefetch().
  void prefetch(int piece, std::uint8_t priority);
  void forget_prefetch(int piece) { prefetched_.erase(piece); }
  [[nodiscard]] bool prefetched(int piece) const { return prefetched_.count(piece) != 0; }
  // Prefetched pieces with their priority, in piece order.
  [[nodiscard]] const std::map<int, std::uint8_t>& prefetches() const { return prefetched_; }

  // Wanted by a reader or prefetched.
  [[nodiscard]] bool demanded(int piece) const {
    return readers_of(piece) > 0 || prefetched(piece);
  }
  [[nodiscard]] bool any() const { return !wanted_.empty() || !prefetched_.empty(); }

  // The priority a wanted piece's band gives it (bands map to 6..3, above the ends and the
  // background), kept at least at its prefetch priority (a ?warmup's top stays top).
  // None for band 0 (its deadline gives libtorrent's top priority) or a piece nobody wants.
  [[nodiscard]] std::optional<std::uint8_t> reader_priority(int piece) const;
  // What a piece goes back to when its last reader lets go: its prefetch priority, the
  // background's lowest when the background fetches it, or 0 (not wanted at all).
  [[nodiscard]] std::uint8_t released_priority(int piece, bool in_background) const;

 private:
  static std::size_t index(int piece) { return static_cast<std::size_t>(piece); }

  std::vector<std::uint16_t> counts_;  // one per piece: readers wanting it
  std::vector<std::uint8_t> bands_;    // one per piece: most urgent wanted band
  std::set<int> wanted_;               // pieces with a count
  std::set<int> urgent_;               // pieces with a count at band 0
  std::map<int, std::uint8_t> prefetched_;
};

}  // namespace seeder::torrent
