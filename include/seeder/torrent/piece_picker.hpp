#pragma once
// PiecePicker: what a LiveTorrent asks of libtorrent's piece picker for its torrent: deadlines,
// priorities and a connect kick. The seam lets the window, urgency-band and prefetch logic
// (LiveTorrent, RangeReader) be unit-tested with a fake that records the calls; the real one
// forwards to a torrent_handle.
//
// Threads: called with the LiveTorrent's mutex held, from whichever thread changed a want
// (HTTP strands, libtorrent's alert thread, its network thread inside a piece's pass, where a
// handle's call runs at once rather than posted); implementations must not call back into it.

#include <chrono>
#include <cstdint>
#include <memory>

#include <libtorrent/torrent_handle.hpp>

namespace seeder::torrent {

class PiecePicker {
 public:
  virtual ~PiecePicker() = default;
  // Fetch `piece` first, in deadline order (libtorrent's time-critical list), at top priority.
  virtual void set_deadline(int piece, std::chrono::milliseconds deadline) = 0;
  virtual void clear_deadline(int piece) = 0;
  // libtorrent's 0 (never) .. 7 (top).
  virtual void set_priority(int piece, std::uint8_t priority) = 0;
  // Pause and resume: libtorrent's one public path to dialling known peers at once.
  virtual void kick() = 0;
};

// Forwards to `handle`; a handle gone meanwhile (torrent removed) is logged at debug and ignored.
std::unique_ptr<PiecePicker> libtorrent_picker(libtorrent::torrent_handle handle);

}  // namespace seeder::torrent
