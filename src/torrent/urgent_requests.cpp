#include "seeder/torrent/urgent_requests.hpp"

#include <algorithm>

namespace seeder::torrent {

namespace {

using namespace std::chrono_literals;

// Until a connection has shown its pace: a round trip of a distant peer, and a modest seed.
constexpr auto kAssumedRtt = 100ms;
constexpr double kAssumedRate = 4.0 * 1024 * 1024;
// A rate is measured over at least this long while the connection stays busy (a capped seed
// sends in bursts, one per tick of its limiter).
constexpr auto kMeasureWindow = 50ms;
// Room every connection has, whatever its pace: a fresh one is tried with this much.
constexpr std::int64_t kMinRoom = 4 * UrgentRequests::kBlockSize;
// A copy elsewhere must be expected this much sooner to be worth its bytes.
constexpr auto kMargin = 5ms;
// An ask still unanswered this long is taken as lost (the peer dropped it): it no longer
// fills the pipeline.
constexpr auto kForgetAfter = 20s;
constexpr std::size_t kMaxCopies = 3;
constexpr std::size_t kMaxPieces = 8;
// Pieces whose blocks received are remembered (a copy that lost may arrive after its piece
// passed, and would start a record nobody clears): the oldest go beyond this many.
constexpr std::size_t kMaxTrackedPieces = 1024;

double seconds(UrgentRequests::Clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

UrgentRequests::Clock::duration after_bytes(std::int64_t bytes, double rate) {
  return std::chrono::duration_cast<UrgentRequests::Clock::duration>(
      std::chrono::duration<double>(static_cast<double>(bytes) / rate));
}

}  // namespace

UrgentRequests::UrgentRequests(Layout layout, std::shared_ptr<UrgentTally> tally)
    : layout_(layout), nearest_rtt_(kAssumedRtt), tally_(std::move(tally)) {}

void UrgentRequests::add(Connection& connection) {
  links_.try_emplace(&connection);
}

void UrgentRequests::remove(Connection& connection) {
  const auto found = links_.find(&connection);
  if (found == links_.end()) return;
  forget_all_asks(connection, found->second);  // gone: whatever it would have sent
  links_.erase(found);
}

int UrgentRequests::block_size() const {
  return static_cast<int>(std::min<std::int64_t>(kBlockSize, layout_.piece_length));
}

int UrgentRequests::blocks_in(int piece) const {
  const auto start = static_cast<std::int64_t>(piece) * layout_.piece_length;
  const auto size = std::min(layout_.piece_length, layout_.total_size - start);
  return static_cast<int>((size + block_size() - 1) / block_size());
}

int UrgentRequests::block_length(int piece, int block) const {
  const auto piece_start = static_cast<std::int64_t>(piece) * layout_.piece_length;
  const auto start = piece_start + static_cast<std::int64_t>(block) * block_size();
  const auto piece_end = std::min(piece_start + layout_.piece_length, layout_.total_size);
  return static_cast<int>(std::min<std::int64_t>(block_size(), piece_end - start));
}

bool UrgentRequests::valid(int piece, int offset) const {
  if (layout_.piece_length <= 0 || piece < 0 || offset < 0 || offset % block_size() != 0)
    return false;
  const auto start = static_cast<std::int64_t>(piece) * layout_.piece_length;
  return start + offset < layout_.total_size && offset < layout_.piece_length;
}

void UrgentRequests::asked(Connection& connection, int piece, int offset, Time now) {
  const auto found = links_.find(&connection);
  if (found == links_.end() || !valid(piece, offset)) return;
  const int block = offset / block_size();
  const auto& holders = holders_[key(piece, block)];
  if (std::find(holders.begin(), holders.end(), &connection) != holders.end()) return;
  record_ask(connection, found->second, piece, block, now, false);
}

void UrgentRequests::record_ask(Connection& connection, Link& link, int piece, int block, Time now,
                                bool ours) {
  const int length = block_length(piece, block);
  holders_[key(piece, block)].push_back(&connection);
  link.asks.push_back({piece, block, now, ours, link.asks.empty()});
  link.queued_bytes += length;
  if (ours) link.our_bytes += length;
}

std::deque<UrgentRequests::Ask>::iterator UrgentRequests::find_ask(Link& link, int piece,
                                                                   int block) {
  return std::find_if(link.asks.begin(), link.asks.end(),
                      [&](const Ask& ask) { return ask.piece == piece && ask.block == block; });
}

void UrgentRequests::forget_ask(Connection& connection, Link& link, int piece, int block) {
  const auto ask = find_ask(link, piece, block);
  if (ask == link.asks.end()) return;
  if (ask->ours) link.our_bytes -= block_length(piece, block);
  link.asks.erase(ask);
  link.queued_bytes -= block_length(piece, block);
  const auto holders = holders_.find(key(piece, block));
  if (holders == holders_.end()) return;
  auto& list = holders->second;
  list.erase(std::remove(list.begin(), list.end(), &connection), list.end());
  if (list.empty()) holders_.erase(holders);
}

void UrgentRequests::arrived(Connection& connection, int piece, int offset, Time now) {
  if (!valid(piece, offset)) return;
  const int block = offset / block_size();
  auto& got = received(piece);
  const bool first = !got[static_cast<std::size_t>(block)];
  got[static_cast<std::size_t>(block)] = true;

  const auto found = links_.find(&connection);
  if (found == links_.end()) return;
  auto& link = found->second;
  const auto ask = find_ask(link, piece, block);
  if (ask != link.asks.end()) {
    if (first && ask->ours) ++tally_->won;
    // Asked of an idle connection, the block took one round trip (and its own sending).
    if (ask->first_in_line) link.rtt = std::min(link.rtt.value_or(now - ask->at), now - ask->at);
    forget_ask(connection, link, piece, block);
  }
  link.last_arrival = now;
  measure(link, block_length(piece, block), now);
}

std::vector<bool>& UrgentRequests::received(int piece) {
  auto [entry, added] = received_.try_emplace(piece);
  if (!added) return entry->second;
  entry->second.resize(static_cast<std::size_t>(blocks_in(piece)));
  received_order_.push_back(piece);
  while (received_order_.size() > kMaxTrackedPieces) {
    received_.erase(received_order_.front());
    received_order_.pop_front();
  }
  return received_.at(piece);
}

void UrgentRequests::measure(Link& link, std::int64_t bytes, Time now) {
  if (!link.window_start) {
    // The first block of a busy spell only opens the window: its wait was the round trip.
    link.window_start = now;
    link.window_bytes = 0;
  } else {
    link.window_bytes += bytes;
    const auto span = now - *link.window_start;
    if (span >= kMeasureWindow) {
      const double sample = static_cast<double>(link.window_bytes) / seconds(span);
      link.rate = link.rate == 0 ? sample : 0.7 * link.rate + 0.3 * sample;
      link.window_start = now;
      link.window_bytes = 0;
    }
  }
  if (link.asks.empty()) link.window_start.reset();  // idle: the next spell measures afresh
}

void UrgentRequests::dropped(Connection& connection, int piece, int offset) {
  const auto found = links_.find(&connection);
  if (found == links_.end() || !valid(piece, offset)) return;
  forget_ask(connection, found->second, piece, offset / block_size());
}

void UrgentRequests::rejected(Connection& connection, int piece, int offset) {
  dropped(connection, piece, offset);
  const auto found = links_.find(&connection);
  if (found == links_.end()) return;
  auto& refused = found->second.refused;
  if (std::find(refused.begin(), refused.end(), piece) == refused.end()) refused.push_back(piece);
}

void UrgentRequests::unchoked(Connection& connection) {
  const auto found = links_.find(&connection);
  if (found != links_.end()) found->second.refused.clear();
}

void UrgentRequests::choked(Connection& connection) {
  const auto found = links_.find(&connection);
  if (found == links_.end()) return;
  auto& link = found->second;
  link.window_start.reset();
  if (connection.rejects_what_it_drops()) return;  // each drop comes as a reject
  forget_all_asks(connection, link);
}

void UrgentRequests::forget_all_asks(Connection& connection, Link& link) {
  while (!link.asks.empty()) {
    const auto ask = link.asks.front();
    forget_ask(connection, link, ask.piece, ask.block);
  }
}

void UrgentRequests::piece_done(int piece) {
  received_.erase(piece);  // its place in received_order_ goes with the oldest
}

void UrgentRequests::update_nearest_rtt() {
  std::optional<Clock::duration> nearest;
  for (const auto& [connection, link] : links_)
    if (link.rtt) nearest = std::min(nearest.value_or(*link.rtt), *link.rtt);
  nearest_rtt_ = nearest.value_or(kAssumedRtt);
}

double UrgentRequests::rate_of(const Link& link) const {
  return link.rate > 0 ? link.rate : kAssumedRate;
}

// What a connection delivers in two round trips at its pace: what keeps it busy until the next
// requests arrive. A block nobody asked for goes only where the whole queue is shorter than that
// (libtorrent fills a queue with room itself, and would ask for the block again, not knowing
// we did); a copy only needs our own asks there to be shorter.
std::int64_t UrgentRequests::room(const Link& link, bool copy) const {
  const auto pipeline =
      link.rate > 0 ? static_cast<std::int64_t>(link.rate * 2 * seconds(rtt_of(link))) : 0;
  return std::max(kMinRoom, pipeline) - (copy ? link.our_bytes : link.queued_bytes);
}

std::optional<UrgentRequests::Time> UrgentRequests::expected(const Link& link, int piece,
                                                             int block) const {
  std::int64_t ahead = 0;
  for (const auto& ask : link.asks) {
    ahead += block_length(ask.piece, ask.block);
    if (ask.piece != piece || ask.block != block) continue;
    const double rate = rate_of(link);
    const auto rtt = rtt_of(link);
    // Sending since its last block, or since the first ask still open reached it.
    auto sending = link.asks.front().at + rtt;
    if (link.last_arrival && *link.last_arrival > sending) sending = *link.last_arrival;
    return std::max(ask.at + rtt + after_bytes(block_length(piece, block), rate),
                    sending + after_bytes(ahead, rate));
  }
  return std::nullopt;
}

UrgentRequests::Time UrgentRequests::overdue_at(const Link& link, Time due) const {
  // Late by more than this, a peer sends nothing at all: a seed out of upload quota waits for
  // its limiter's next tick, hundreds of milliseconds on.
  const auto slack = std::max<Clock::duration>(5ms, rtt_of(link) / 8);
  const auto& front = link.asks.front();
  if (link.last_arrival && *link.last_arrival >= front.at) return due + slack;
  // Nothing since the oldest open ask: when that one is late, the whole queue is.
  const auto front_due =
      front.at + rtt_of(link) + after_bytes(block_length(front.piece, front.block), rate_of(link));
  return std::min(due, front_due) + slack;
}

bool UrgentRequests::wants_copy(const std::vector<Connection*>& holders, int piece, int block,
                                Time best_eta, Time now, std::optional<Time>& recheck) const {
  if (holders.empty()) return true;
  std::size_t healthy = 0;
  bool fresh = false;
  Time soonest = Time::max();
  Time first_overdue = Time::max();
  for (Connection* holder : holders) {
    const auto& link = links_.at(holder);
    const auto due = expected(link, piece, block);
    if (!due) continue;
    const auto overdue = overdue_at(link, *due);
    if (now >= overdue) continue;
    ++healthy;
    fresh = fresh || !proven(link);
    soonest = std::min(soonest, *due);
    first_overdue = std::min(first_overdue, overdue);
  }
  if (healthy == 0) return true;
  // A connection that has never delivered may be a seed out of upload quota: hedge it at once.
  if (healthy == 1 && (fresh || best_eta + kMargin < soonest)) return true;
  // Nothing changes until a copy falls overdue, unless a block arrives first.
  recheck = std::min(recheck.value_or(first_overdue), first_overdue);
  return false;
}

void UrgentRequests::send(Connection& connection, Link& link, int piece, int block, Time now) {
  connection.send_request(piece, block * block_size(), block_length(piece, block));
  record_ask(connection, link, piece, block, now, true);
  ++tally_->sent;
}

void UrgentRequests::forget_lost_asks(Time now) {
  for (auto& [connection, link] : links_) {
    while (!link.asks.empty() && now - link.asks.front().at > kForgetAfter) {
      const auto ask = link.asks.front();
      forget_ask(*connection, link, ask.piece, ask.block);
    }
  }
}

std::pair<UrgentRequests::Connection*, UrgentRequests::Link*> UrgentRequests::best_for(
    const std::vector<Connection*>& holders, int piece, int length, Time now, Time& eta) {
  std::pair<Connection*, Link*> best{nullptr, nullptr};
  eta = Time::max();
  for (auto& [connection, link] : links_) {
    if (room(link, !holders.empty()) < length) continue;
    if (std::find(holders.begin(), holders.end(), connection) != holders.end()) continue;
    if (std::find(link.refused.begin(), link.refused.end(), piece) != link.refused.end()) continue;
    if (!connection->can_serve(piece)) continue;
    const auto arrival =
        now + rtt_of(link) + after_bytes(link.queued_bytes + length, rate_of(link));
    if (arrival < eta) {
      best = {connection, &link};
      eta = arrival;
    }
  }
  return best;
}

std::optional<UrgentRequests::Time> UrgentRequests::request(const std::vector<int>& urgent,
                                                            Time now) {
  forget_lost_asks(now);
  update_nearest_rtt();
  std::optional<Time> recheck;
  const std::vector<Connection*> nobody;
  std::size_t pieces = 0;
  for (const int piece : urgent) {
    if (!valid(piece, 0) || ++pieces > kMaxPieces) continue;
    const int blocks = blocks_in(piece);
    const auto got = received_.find(piece);
    for (int block = 0; block < blocks; ++block) {
      if (got != received_.end() && got->second[static_cast<std::size_t>(block)]) continue;
      const auto held = holders_.find(key(piece, block));
      const auto& holders = held == holders_.end() ? nobody : held->second;
      if (holders.size() >= kMaxCopies) continue;  // before looking for a connection to ask
      Time eta;
      const auto [best, link] = best_for(holders, piece, block_length(piece, block), now, eta);
      if (best == nullptr) continue;  // nobody has room: an arrival will make some
      if (!wants_copy(holders, piece, block, eta, now, recheck)) continue;
      send(*best, *link, piece, block, now);
    }
  }
  return recheck;
}

}  // namespace seeder::torrent
