#include "seeder/torrent/progress_streams.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "seeder/core/json.hpp"

namespace seeder::torrent {
namespace {

// The reference gateway's status enum (only these three are ever sent, as there).
constexpr int kStatusSeeding = 1;
constexpr int kStatusTerminated = 3;
constexpr int kStatusWaitingForPeers = 4;

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

// ---- PolledStream ----

PolledStream::PolledStream(boost::asio::any_io_executor executor)
    : executor_(executor), timer_(std::move(executor)) {}

void PolledStream::async_next(NextHandler handler) {
  waiting_ = std::move(handler);
  if (!started_ && !cancelled_) {
    started_ = true;
    next_tick_ = start(Clock::now());
  }
  if (cancelled_ || !frames_.empty() || ended_) {
    deliver();
    return;
  }
  arm();
}

void PolledStream::arm() {
  timer_.expires_at(next_tick_);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->cancelled_ || !self->waiting_) return;
    self->next_tick_ = self->tick(Clock::now());
    if (self->frames_.empty() && !self->ended_) {
      self->arm();
      return;
    }
    self->deliver();
  });
}

// Completes the waiting handler (posted: never inside async_next's caller).
void PolledStream::deliver() {
  if (!waiting_) return;
  Result<std::optional<std::string>> result = std::optional<std::string>{};
  if (cancelled_) {
    result = make_error(Errc::cancelled, "stream cancelled");
  } else if (!frames_.empty()) {
    result = std::optional<std::string>(std::move(frames_.front()));
    frames_.pop_front();
  }
  boost::asio::post(executor_, [handler = std::move(waiting_), result = std::move(result)]() {
    handler(result);
  });
  waiting_ = nullptr;
}

void PolledStream::cancel() {
  cancelled_ = true;
  timer_.cancel();
  deliver();
}

// ---- StatsStream ----

StatsStream::StatsStream(std::shared_ptr<LiveTorrent> torrent, Selection selection,
                         boost::asio::any_io_executor executor, ProgressOptions options)
    : PolledStream(std::move(executor)),
      torrent_(std::move(torrent)),
      selection_(std::move(selection)),
      options_(options),
      intervals_(selection_.intervals()),
      pieces_(pieces_of(torrent_->meta(), intervals_)),
      sent_(pieces_.size(), 0xff) {
  if (selection_.kind == Selection::Kind::file && !pieces_.empty()) position_base_ = pieces_[0];
}

std::string StatsStream::event(std::string_view name, std::string_view data) {
  std::string frame = "id: " + std::to_string(id_++) + "\nevent: ";
  frame.append(name).append("\ndata: ").append(data).append("\n\n");
  return frame;
}

PolledStream::Clock::time_point StatsStream::start(Clock::time_point now) {
  started_at_ = now;
  next_check_ = now + options_.stats_interval;
  next_ping_ = now + options_.ping_interval;
  poll();
  return std::min(next_check_, next_ping_);
}

PolledStream::Clock::time_point StatsStream::tick(Clock::time_point now) {
  if (now >= next_ping_) {
    push(event("ping", std::to_string(unix_seconds())));
    next_ping_ = now + options_.ping_interval;
  }
  if (now >= next_check_) {
    poll();
    next_check_ = now + options_.stats_interval;
  }
  if (now - started_at_ >= options_.stats_timeout) end();
  return std::min(next_check_, next_ping_);
}

// One statupdate when anything the client sees changed: totals, swarm, or a piece's state.
// Only changed pieces are listed (all of them the first time), at most max_pieces_per_frame
// per frame; the rest follow in further frames at once.
void StatsStream::poll() {
  torrent_->touch();  // an open stats stream keeps its torrent alive, as the reference does
  auto& map = torrent_->pieces();
  const bool terminated = torrent_->state() == LiveTorrent::State::failed;
  Snapshot now{
      selection_.size(),
      verified_bytes(torrent_->meta(), intervals_, [&map](int piece) { return map.have(piece); }),
      torrent_->swarm(), 0};
  now.status = terminated          ? kStatusTerminated
               : now.completed > 0 ? kStatusSeeding
                                   : kStatusWaitingForPeers;
  const auto changed = changed_pieces();
  const Totals totals{now.completed, now.swarm.peers, now.swarm.seeds, now.status};
  if (!first_ && changed.empty() && totals == last_totals_) return;
  first_ = false;
  last_totals_ = totals;
  std::size_t next = 0;
  do {
    push(event("statupdate", statupdate(now, changed, next)));
  } while (next < changed.size());
  if (terminated || (now.total > 0 && now.completed >= now.total)) end();
}

// Indices into pieces_ whose state (complete, interest) differs from what was last sent; the
// new state is recorded as sent.
std::vector<std::size_t> StatsStream::changed_pieces() {
  auto& map = torrent_->pieces();
  std::vector<std::size_t> changed;
  for (std::size_t i = 0; i < pieces_.size(); ++i) {
    const int piece = pieces_[i];
    // A piece on disk is fetched for no one, whatever its readers' interest says: that is
    // lowered on the torrent's strand after the store has recorded the piece, and a frame in
    // between showed a complete piece still wanted.
    const auto state =
        map.have(piece) ? std::uint8_t{4} : static_cast<std::uint8_t>(torrent_->interest(piece));
    if (state == sent_[i]) continue;
    sent_[i] = state;
    changed.push_back(i);
  }
  return changed;
}

// One frame's JSON, listing changed[next..] up to max_pieces_per_frame (next moves on).
std::string StatsStream::statupdate(const Snapshot& now, const std::vector<std::size_t>& changed,
                                    std::size_t& next) const {
  JsonWriter json;
  json.begin_object().key("total").value(now.total).key("completed").value(now.completed);
  json.key("peers").value(now.swarm.peers).key("status").value(now.status).key("pieces");
  if (changed.empty()) {
    json.null();
  } else {
    json.begin_array();
    const auto stop = std::min(changed.size(), next + options_.max_pieces_per_frame);
    for (; next < stop; ++next) {
      const auto i = changed[next];
      json.begin_object()
          .key("position")
          .value(static_cast<std::int64_t>(pieces_[i] - position_base_))
          .key("complete")
          .value((sent_[i] & 4) != 0)
          .key("priority")
          .value(static_cast<int>(sent_[i] & 3))
          .end_object();
    }
    json.end_array();
  }
  json.key("seeders").value(now.swarm.seeds);
  json.key("leechers").value(std::max(0, now.swarm.peers - now.swarm.seeds));
  json.key("download_rate").value(now.swarm.download_rate);
  json.key("upload_rate").value(now.swarm.upload_rate);
  return json.end_object().take();
}

// ---- WarmupStream ----

WarmupStream::WarmupStream(MetaPtr meta, std::vector<Interval> range,
                           std::function<bool(int)> verified, std::shared_ptr<LiveTorrent> torrent,
                           boost::asio::any_io_executor executor, ProgressOptions options)
    : PolledStream(std::move(executor)),
      meta_(std::move(meta)),
      range_(std::move(range)),
      pieces_(pieces_of(*meta_, range_)),
      verified_(std::move(verified)),
      torrent_(std::move(torrent)),
      options_(options) {
  for (const auto& interval : range_)
    length_ += interval.end - interval.begin;
}

PolledStream::Clock::time_point WarmupStream::start(Clock::time_point now) {
  deadline_ = now + options_.warmup_timeout;
  report();
  return now + options_.warmup_interval;
}

PolledStream::Clock::time_point WarmupStream::tick(Clock::time_point now) {
  report();
  if (now >= deadline_) end();
  return now + options_.warmup_interval;
}

void WarmupStream::report() {
  std::uint64_t have = 0;
  std::uint64_t span = 0;
  for (const int piece : pieces_) {
    span += meta_->piece_size(piece);
    if (verified_(piece)) have += meta_->piece_size(piece);
  }
  const auto data = verified_bytes(*meta_, range_, verified_);
  push("have: " + std::to_string(have) + "\nspan: " + std::to_string(span) +
       "\ndata: " + std::to_string(data) + "\n\n");
  if (torrent_) {
    torrent_->touch();
    if (torrent_->state() == LiveTorrent::State::failed) end();
  }
  if (data >= length_) end();
}

}  // namespace seeder::torrent
