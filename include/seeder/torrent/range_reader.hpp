#pragma once
// RangeReader: the bytes [begin, end) of one file of a live torrent, as a ByteSource.
//
// It keeps a read-ahead window of pieces ahead of its cursor wanted from libtorrent with rising
// deadlines (the piece under the cursor first), waits asynchronously for the piece under the
// cursor to be verified, and yields slices of it for the HTTP layer to sendfile. The window only
// moves when the client has taken the previous slice, so the download never runs further ahead
// of the client than the window. Cancelling or destroying it lets go of the whole window.
//
// Lives on one connection's strand (`executor`), like every ByteSource.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "seeder/core/byte_source.hpp"
#include "seeder/core/unique_fd.hpp"
#include "seeder/storage/content_files.hpp"
#include "seeder/torrent/live_torrent.hpp"

namespace seeder::torrent {

// Time readers spent waiting for pieces, for the metrics (the reference gateway's stall
// counters): before their first byte with no peer (discovery) or with peers (idle), and after
// it (download). Microseconds.
struct StallCounters {
  std::atomic<std::uint64_t> discovery_us{0};
  std::atomic<std::uint64_t> idle_us{0};
  std::atomic<std::uint64_t> download_us{0};
};

struct ReaderOptions {
  std::shared_ptr<StallCounters> stalls = std::make_shared<StallCounters>();
  std::uint64_t readahead_bytes = 20ull << 20;
  // The window an open-ended reader starts with; it grows to four times what the client has
  // taken, up to readahead_bytes.
  std::uint64_t initial_window_bytes = 1ull << 20;
  // The pieces holding this much after the cursor are the reader's next bytes (band 0): asked
  // of seeds beyond libtorrent's pipeline when it is short (urgent_requests.hpp). A seek's
  // first MiB is what a player waits for before it shows a frame.
  std::uint64_t urgent_bytes = 1ull << 20;
  // How long the reader waits for the piece under its cursor before failing the read.
  std::chrono::milliseconds piece_timeout{60'000};
  // Deadline spacing between consecutive pieces of the window.
  std::chrono::milliseconds deadline_step{20};
  // Test mode: each piece bytes were sent from is hashed again once the reader leaves it
  // (sent_check.hpp).
  bool verify_sent = false;
};

class RangeReader final : public ByteSource, public std::enable_shared_from_this<RangeReader> {
 public:
  // Bytes [first, first + length) of `file`; length > 0.
  RangeReader(std::shared_ptr<LiveTorrent> torrent, const FileInfo& file, std::uint64_t first,
              std::uint64_t length, storage::ContentFiles& files,
              boost::asio::any_io_executor executor, ReaderOptions options);
  ~RangeReader() override;
  RangeReader(const RangeReader&) = delete;
  RangeReader& operator=(const RangeReader&) = delete;

  // Wants the first window and completes once the first byte is verified (or it failed).
  void async_start(std::function<void(Status)> handler);

  [[nodiscard]] std::uint64_t size() const override { return end_ - begin_; }
  void async_next(std::uint64_t max_bytes, NextHandler handler) override;
  void cancel() override;
  void bytes_missing() override;

 private:
  [[nodiscard]] int cursor_piece() const;
  // The piece of the last byte taken (cursor_ > begin_).
  [[nodiscard]] int cursor_piece_of_last_byte() const;
  void slide_window(int cursor_piece);
  void count_stall() const;
  [[nodiscard]] std::string timeout_message() const;
  void release_window();
  // With ReaderOptions::verify_sent: hashes the pieces in [first, last] bytes were sent from.
  void check_sent(int first, int last) const;
  void wait_for(int piece, std::function<void(Status)> handler);
  void on_wait_done(Status status);
  // Times the bytes of one cursor piece are fetched again after they were found gone from the
  // content file, before the read fails.
  static constexpr int kRefetches = 3;
  void wait_for_cursor(std::function<void(Status)> handler, int refetches_left);
  Status check_cursor_bytes();
  void refetch_cursor_piece();
  Result<FileSlice> take_slice(std::uint64_t max_bytes);
  void stop_holding_prefetches();

  LiveTorrent::ReaderLease lease_;
  const FileInfo& file_;
  storage::ContentFiles& files_;
  boost::asio::any_io_executor executor_;
  ReaderOptions options_;
  boost::asio::steady_timer timer_;

  // Offsets in the torrent's byte stream.
  const std::uint64_t begin_;
  const std::uint64_t end_;
  std::uint64_t cursor_;

  int last_piece_;        // the last piece of the range
  int window_first_ = 0;  // pieces [window_first_, window_end_) are wanted from libtorrent
  int window_end_ = 0;
  int banded_cursor_ = -1;  // the cursor piece the window's urgency bands were last set for
  std::chrono::steady_clock::time_point wait_started_;
  UniqueFd fd_;

  PieceMap::Ticket ticket_ = 0;  // the pending piece wait, 0 when none
  std::function<void(Status)> waiting_;
  bool timed_out_ = false;
  bool cancelled_ = false;
  bool file_open_ = false;         // counted among the file's readers (LiveTorrent::open_file)
  bool holds_prefetches_ = false;  // until the first piece is here (LiveTorrent::hold_prefetches)
  int started_piece_ = -1;         // the piece async_start waited for, until the first async_next
};

}  // namespace seeder::torrent
