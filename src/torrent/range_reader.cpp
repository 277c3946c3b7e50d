#include "seeder/torrent/range_reader.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/post.hpp>

#include "seeder/core/file_holes.hpp"
#include "seeder/core/units.hpp"
#include "seeder/torrent/sent_check.hpp"

namespace seeder::torrent {

RangeReader::RangeReader(std::shared_ptr<LiveTorrent> torrent, const FileInfo& file,
                         std::uint64_t first, std::uint64_t length, storage::ContentFiles& files,
                         boost::asio::any_io_executor executor, ReaderOptions options)
    : lease_(std::move(torrent)),
      file_(file),
      files_(files),
      executor_(std::move(executor)),
      options_(options),
      timer_(executor_),
      begin_(file.offset + first),
      end_(file.offset + first + length),
      cursor_(begin_),
      last_piece_(lease_.torrent().meta().pieces_for(begin_, end_).last) {}

RangeReader::~RangeReader() {
  if (ticket_ != 0) lease_.torrent().pieces().cancel(ticket_);
  // The hold first: what it held is asked again before the window's pieces go (the other way
  // round, libtorrent could want nothing for a moment).
  stop_holding_prefetches();
  release_window();
  if (file_open_) lease_.torrent().close_file(file_);
}

int RangeReader::cursor_piece() const {
  return lease_.torrent().meta().pieces_for(cursor_, cursor_ + 1).first;
}

// Wants pieces [cursor, cursor + window) of the range and lets go of those behind the cursor.
// Deadlines rise with the distance from the cursor so libtorrent fetches them in read order.
// Every piece of the window gets a deadline, not just the next few: each time libtorrent's list
// of time-critical pieces goes from empty to non-empty it cancels every other outstanding block
// request (torrent::cancel_non_critical), and a short list empties all the time (measured: half
// the throughput of whole-window deadlines).
//
// An open-ended window opens small and grows with what the client has taken (four times that,
// up to the read-ahead): a player that probes the head and jumps to the index should not have asked
// for 20 MiB it will never read, and those requests would stand before the jump's at the seeders
// (measured: ffprobe on an MP4 with its index at the end spent 480 ms on its first 1.3 MiB
// while the whole 15 MiB file came down behind it).
void RangeReader::slide_window(int cursor) {
  auto& torrent = lease_.torrent();
  // A range that stops short of the file's end is wanted whole from the start (up to the
  // read-ahead): its client asked for exactly that much.
  const bool open_ended = end_ == file_.offset + file_.size;
  const auto initial = open_ended ? options_.initial_window_bytes : end_ - begin_;
  const auto window_bytes =
      std::clamp<std::uint64_t>(4 * (cursor_ - begin_), std::min(options_.readahead_bytes, initial),
                                options_.readahead_bytes);
  // The pieces holding the window's bytes: a range that starts inside a piece reaches into one
  // more than its length alone would say. Not cut at the range's end, so the bands (which
  // divide by it) do not make the pieces near that end less urgent: new_end is cut there.
  const auto window_last = torrent.meta().pieces_for(cursor_, cursor_ + window_bytes).last;
  const int window_pieces = std::max(1, window_last - cursor + 1);
  const int new_end = std::min(last_piece_, cursor + window_pieces - 1) + 1;

  check_sent(window_first_, std::min(cursor, window_end_) - 1);
  for (; window_first_ < std::min(cursor, window_end_); ++window_first_) {
    torrent.unwant(window_first_);
  }
  if (window_first_ < cursor) window_first_ = window_end_ = cursor;  // jumped past the window
  if (window_end_ < window_first_) window_end_ = window_first_;
  const auto& meta = torrent.meta();
  const auto band = [&](int piece) {
    if (meta.piece_offset(piece) < cursor_ + options_.urgent_bytes) return 0;
    return (piece - cursor) * LiveTorrent::kUrgencyBands / window_pieces;
  };
  // The cursor moved on: the pieces of the window came closer. Only those crossing into a more
  // urgent band reach libtorrent.
  if (cursor != banded_cursor_) {
    for (int piece = window_first_; piece < window_end_; ++piece)
      torrent.raise(piece, band(piece));
    banded_cursor_ = cursor;
  }
  for (; window_end_ < new_end; ++window_end_) {
    torrent.want(window_end_, options_.deadline_step * (window_end_ - cursor), band(window_end_));
  }
}

void RangeReader::release_window() {
  check_sent(window_first_, window_end_ - 1);
  for (; window_first_ < window_end_; ++window_first_)
    lease_.torrent().unwant(window_first_);
}

void RangeReader::check_sent(int first, int last) const {
  if (!options_.verify_sent || cursor_ == begin_) return;  // nothing sent yet
  const auto store = lease_.torrent().store();
  if (!store) return;
  // Only pieces bytes were sent from: [the range's first piece, the piece of the last byte sent].
  first = std::max(first, lease_.torrent().meta().pieces_for(begin_, begin_ + 1).first);
  last = std::min(last, cursor_piece_of_last_byte());
  for (int piece = first; piece <= last; ++piece)
    check_sent_piece(*store, *lease_.torrent().info(), piece);
}

int RangeReader::cursor_piece_of_last_byte() const {
  return lease_.torrent().meta().pieces_for(cursor_ - 1, cursor_).first;
}

void RangeReader::async_start(std::function<void(Status)> handler) {
  // A status line is a promise that the body can start: the first piece's bytes are in the
  // content file before it is sent. The file's ends (and its background fetch) are held until
  // that piece is here: any piece wanted at all may be requested from a seed's allowed-fast set
  // while it still chokes us, and a seed answers in the order asked, so an end asked for with
  // the reader's piece went first (seen with --log-peers: the tail's blocks before piece 0's,
  // on every cold start of a media file). Prefetches already asked for (a visit's, another
  // reader's) wait too (LiveTorrent::hold_prefetches). libtorrent recounts its interest in
  // each peer at every priority change, and tells every seed NOT_INTERESTED (a seed chokes such
  // a peer at once) whenever it wants nothing, if only for a moment: so the window is wanted
  // before the hold, and the file is opened now, its ends held (opened once the piece was here,
  // a read of that one piece left libtorrent wanting nothing in between).
  slide_window(cursor_piece());
  lease_.torrent().hold_prefetches();
  holds_prefetches_ = true;
  lease_.torrent().open_file(file_);
  file_open_ = true;
  wait_for_cursor(
      [this, handler = std::move(handler)](Status ready) {
        stop_holding_prefetches();
        if (ready) lease_.torrent().file_started(file_);
        started_piece_ = ready ? cursor_piece() : -1;
        handler(std::move(ready));
      },
      kRefetches);
}

void RangeReader::async_next(std::uint64_t max_bytes, NextHandler handler) {
  if (cancelled_) {
    boost::asio::post(executor_, [handler = std::move(handler)] {
      handler(make_error(Errc::cancelled, "read cancelled"));
    });
    return;
  }
  lease_.torrent().touch();
  // The first slice comes from the piece async_start just waited for and checked on disk: unless
  // it went since (or the torrent failed), it is taken at once (the store's vouch still guards
  // the send), not waited for and checked a second time.
  const int piece = cursor_piece();
  const auto& pieces = lease_.torrent().pieces();
  if (std::exchange(started_piece_, -1) == piece && pieces.have(piece) && !pieces.failed()) {
    boost::asio::post(executor_, [self = shared_from_this(), max_bytes,
                                  handler = std::move(handler)] {
      handler(self->cancelled_ ? Result<FileSlice>(make_error(Errc::cancelled, "read cancelled"))
                               : self->take_slice(max_bytes));
    });
    return;
  }
  wait_for_cursor(
      [this, max_bytes, handler = std::move(handler)](Status status) {
        if (!status) {
          handler(status.error());
          return;
        }
        handler(take_slice(max_bytes));
      },
      kRefetches);
}

// Waits for the piece under the cursor, then makes sure its bytes are still in the content file:
// one removed, cut short or punched behind seeder's back would send holes as zeros. Bytes found
// gone are forgotten and fetched again, a few times at most.
void RangeReader::wait_for_cursor(std::function<void(Status)> handler, int refetches_left) {
  const int piece = cursor_piece();
  slide_window(piece);
  // Forgotten after libtorrent verified it (a file that lost bytes, a refused pass): only a
  // resync brings it.
  if (!lease_.torrent().pieces().have(piece)) lease_.torrent().resync_if_stale(piece);
  wait_for(piece, [this, handler = std::move(handler), refetches_left](Status ready) mutable {
    if (!ready) {
      handler(std::move(ready));
      return;
    }
    auto checked = check_cursor_bytes();
    if (checked || checked.error().code != Errc::corrupt) {
      handler(std::move(checked));
      return;
    }
    refetch_cursor_piece();
    if (refetches_left == 0) {
      handler(make_error(Errc::unavailable, "the content file of " + file_.path +
                                                " lost verified bytes; they are being fetched "
                                                "again"));
      return;
    }
    wait_for_cursor(std::move(handler), refetches_left - 1);
  });
}

// Errc::corrupt: the bytes are not in the file (or the file is not the one they were written to).
Status RangeReader::check_cursor_bytes() {
  if (!fd_.valid()) {
    auto fd = files_.open_for_read(lease_.torrent().meta().hash(), file_.index);
    if (!fd && fd.error().code == Errc::not_found)
      return make_error(Errc::corrupt, "content file removed");
    if (!fd) return fd.error();
    fd_ = std::move(*fd);
  }
  const auto& meta = lease_.torrent().meta();
  const int piece = cursor_piece();
  const auto piece_end = meta.piece_offset(piece) + meta.piece_size(piece);
  const auto state = check_slice_on_disk(fd_.get(), cursor_ - file_.offset,
                                         std::min(end_, piece_end) - file_.offset);
  if (state == SliceOnDisk::intact) return {};
  return make_error(Errc::corrupt, "content file changed");
}

void RangeReader::refetch_cursor_piece() {
  bytes_missing();  // the store forgets what is gone (and closes a replaced file)
  fd_.reset();      // the next look opens what is at the path now
  lease_.torrent().refetch(cursor_piece());
}

void RangeReader::wait_for(int piece, std::function<void(Status)> handler) {
  waiting_ = std::move(handler);
  timed_out_ = false;
  wait_started_ = std::chrono::steady_clock::now();
  timer_.expires_after(options_.piece_timeout);
  // Handlers hold a strong reference: the reader lives until its pending wait completes.
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->ticket_ == 0) return;
    self->timed_out_ = true;
    self->lease_.torrent().pieces().cancel(self->ticket_);
  });
  ticket_ = lease_.torrent().pieces().async_wait(
      piece, executor_,
      [self = shared_from_this()](Status status) { self->on_wait_done(std::move(status)); });
}

void RangeReader::on_wait_done(Status status) {
  ticket_ = 0;
  timer_.cancel();
  count_stall();
  auto handler = std::move(waiting_);
  waiting_ = nullptr;
  if (!status && timed_out_) status = make_error(Errc::timeout, timeout_message());
  if (handler) handler(std::move(status));
}

// Says what was seen while waiting: a torrent nobody can be found for reads differently from
// one whose peers are connected but send nothing.
std::string RangeReader::timeout_message() const {
  const auto swarm = lease_.torrent().swarm();
  std::string seen = swarm.known == 0 && swarm.peers == 0
                         ? "no peer found"
                         : std::to_string(swarm.known) + " peer(s) known, " +
                               std::to_string(swarm.peers) + " connected (" +
                               std::to_string(swarm.seeds) + " seed(s))";
  const auto& torrent = lease_.torrent();
  return "no peer delivered piece " + std::to_string(cursor_piece()) + " within " +
         format_duration(options_.piece_timeout) + ": " + seen + "; " + torrent.tracker_summary() +
         "; " + std::to_string(swarm.dht_nodes) + " DHT node(s)";
}

void RangeReader::count_stall() const {
  const auto waited = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - wait_started_)
                          .count();
  if (waited <= 0 || !options_.stalls) return;
  auto& stalls = *options_.stalls;
  auto& counter = cursor_ > begin_                             ? stalls.download_us
                  : lease_.torrent().peer_count()->load() == 0 ? stalls.discovery_us
                                                               : stalls.idle_us;
  counter += static_cast<std::uint64_t>(waited);
}

void RangeReader::bytes_missing() {
  if (auto store = lease_.torrent().store()) store->recheck_file(file_.index);
}

Result<FileSlice> RangeReader::take_slice(std::uint64_t max_bytes) {
  const auto& meta = lease_.torrent().meta();
  const int piece = cursor_piece();
  const auto piece_end = meta.piece_offset(piece) + meta.piece_size(piece);
  const auto length = std::min({end_, piece_end, cursor_ + max_bytes}) - cursor_;
  const auto store = lease_.torrent().store();
  if (store) store->touch(piece);  // used, for the LRU
  FileSlice slice{fd_.get(), cursor_ - file_.offset, length, {}};
  if (store) slice.still_vouched = store->vouch(piece, piece);
  cursor_ += length;
  return slice;
}

void RangeReader::stop_holding_prefetches() {
  if (std::exchange(holds_prefetches_, false)) lease_.torrent().release_prefetches();
}

void RangeReader::cancel() {
  cancelled_ = true;
  stop_holding_prefetches();  // first, as in the destructor
  if (ticket_ != 0) lease_.torrent().pieces().cancel(ticket_);
  release_window();
}

}  // namespace seeder::torrent
