#include "seeder/torrent/registry.hpp"

#include "session_link.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_stats.hpp>

#include "seeder/torrent/stores.hpp"

namespace seeder::torrent {
namespace {

// How long a torrent with many stale pieces must go unused before it is resynced.
constexpr std::chrono::seconds kResyncQuiet{2};

InfoHash key_of(const lt::info_hash_t& hashes) {
  const auto& best = hashes.has_v1() ? hashes.v1 : hashes.get_best();
  return *InfoHash::from_raw(std::string_view(best.data(), best.size()));
}

}  // namespace

Registry::Registry(lt::session& session, storage::StoreRegistry& stores,
                   boost::asio::any_io_executor executor, boost::asio::any_io_executor blocking,
                   RegistryOptions options)
    : session_(session),
      stores_(stores),
      blocking_(std::move(blocking)),
      options_(std::move(options)),
      link_(std::make_unique<SessionLink>(
          session,
          SessionLinkOptions{stores.data_dir(), options_.extra_peers, options_.readahead_bytes})),
      sweep_timer_(executor),
      status_timer_(executor),
      pace_timer_(std::move(executor)) {}

Registry::~Registry() {
  shutdown();
}

std::shared_ptr<LiveTorrent> Registry::acquire(const EntryPtr& entry) {
  std::shared_ptr<LiveTorrent> torrent;
  {
    LockGuard lock(mutex_);
    if (shut_down_) return nullptr;
    auto& slot = torrents_[entry->meta->hash()];
    if (slot) {
      slot->touch();
      return slot;
    }
    slot = std::make_shared<LiveTorrent>(entry, options_.live);
    torrent = slot;
  }
  open_and_add(torrent);
  return torrent;
}

void Registry::open_and_add(const std::shared_ptr<LiveTorrent>& torrent) {
  boost::asio::post(blocking_, [weak_self = weak_from_this(), torrent] {
    if (auto self = weak_self.lock()) self->open_store_and_add(torrent);
  });
}

void Registry::open_store_and_add(const std::shared_ptr<LiveTorrent>& torrent) {
  auto loaded = torrent->entry().load();
  auto store = loaded ? open_store(stores_, torrent->entry(), &*loaded)
                      : Result<std::shared_ptr<storage::TorrentStore>>(loaded.error());
  if (!store) {
    spdlog::error("torrent {}: cannot open its storage: {}", torrent->meta().hash().hex(),
                  store.error().message);
    drop(torrent, make_error(Errc::unavailable, "cannot open storage: " + store.error().message));
    return;
  }
  {
    LockGuard lock(mutex_);
    // Its readers were failed; the session is on its way out. A shutdown after this check is
    // caught when the add alert finds no torrent (on_added removes it).
    if (shut_down_) return;
  }
  torrent->attach_store(*store, std::move(loaded->info));
  // The torrent holds these callbacks: each holds it and the Registry weakly.
  torrent->on_resync_wanted(
      [weak_self = weak_from_this(), blocking = blocking_, weak = std::weak_ptr(torrent)] {
        boost::asio::post(blocking, [weak_self, weak] {
          const auto self = weak_self.lock();
          const auto torrent = weak.lock();
          if (self && torrent) self->link_->resync(torrent);
        });
      });
  // Asked from libtorrent's network thread too: never call the handle from there.
  torrent->on_reconnect_wanted(
      [weak_self = weak_from_this(), blocking = blocking_, weak = std::weak_ptr(torrent)] {
        boost::asio::post(blocking, [weak_self, weak] {
          const auto self = weak_self.lock();
          const auto torrent = weak.lock();
          if (self && torrent) self->link_->reconnect(*torrent);
        });
      });
  link_->add(*torrent, **store);
}

std::shared_ptr<LiveTorrent> Registry::find(const InfoHash& hash) const {
  LockGuard lock(mutex_);
  const auto it = torrents_.find(hash);
  return it == torrents_.end() ? nullptr : it->second;
}

std::size_t Registry::size() const {
  LockGuard lock(mutex_);
  return torrents_.size();
}

std::shared_ptr<LiveTorrent> Registry::find_by_handle(const lt::torrent_handle& handle) const {
  LockGuard lock(mutex_);
  for (const auto& [hash, torrent] : torrents_) {
    if (torrent->handle() == handle) return torrent;
  }
  return nullptr;
}

void Registry::on_alert(const lt::alert& alert) {
  if (const auto* added = lt::alert_cast<lt::add_torrent_alert>(&alert)) {
    on_added(*added);
  } else if (const auto* checked = lt::alert_cast<lt::torrent_checked_alert>(&alert)) {
    if (auto torrent = find_by_handle(checked->handle)) SessionLink::on_checked(*torrent);
  } else if (const auto* failed = lt::alert_cast<lt::torrent_error_alert>(&alert)) {
    if (auto torrent = find_by_handle(failed->handle)) {
      spdlog::error("torrent {}: {} ({})", torrent->meta().hash().hex(), failed->error.message(),
                    failed->filename());
      drop(torrent, make_error(Errc::unavailable, "torrent error: " + failed->error.message()));
    }
  } else if (const auto* file_error = lt::alert_cast<lt::file_error_alert>(&alert)) {
    if (auto torrent = find_by_handle(file_error->handle)) {
      const std::string file = file_error->filename();
      spdlog::error("torrent {}: disk error on {}: {} ({})", torrent->meta().hash().hex(),
                    file.empty() ? std::string("its storage") : file, file_error->error.message(),
                    lt::operation_name(file_error->op));
      drop(torrent, make_error(Errc::unavailable, "disk error: " + file_error->error.message()));
    }
  } else if (const auto* tracker = dynamic_cast<const lt::tracker_alert*>(&alert)) {
    // Readers quote it in their timeout messages: kept fresh here, off the HTTP threads.
    if (auto torrent = find_by_handle(tracker->handle)) {
      boost::asio::post(blocking_, [weak = std::weak_ptr<LiveTorrent>(torrent)] {
        if (auto live = weak.lock()) live->refresh_tracker_summary();
      });
    }
  } else if (const auto* update = lt::alert_cast<lt::state_update_alert>(&alert)) {
    for (const auto& status : update->status) {
      if (auto torrent = find_by_handle(status.handle)) {
        torrent->set_swarm({status.num_peers, status.num_seeds, status.download_payload_rate,
                            status.upload_payload_rate, status.list_peers, dht_nodes_.load()});
      }
    }
  } else if (const auto* stats = lt::alert_cast<lt::session_stats_alert>(&alert)) {
    static const int recv = lt::find_metric_idx("net.recv_payload_bytes");
    static const int sent = lt::find_metric_idx("net.sent_payload_bytes");
    static const int redundant = lt::find_metric_idx("net.recv_redundant_bytes");
    static const int connected = lt::find_metric_idx("peer.num_peers_connected");
    static const int half_open = lt::find_metric_idx("peer.num_peers_half_open");
    static const int dht_nodes = lt::find_metric_idx("dht.dht_nodes");
    const auto counters = stats->counters();
    const auto value = [&](int index) { return index >= 0 ? counters[index] : 0; };
    downloaded_bytes_ = value(recv);
    uploaded_bytes_ = value(sent);
    redundant_bytes_ = value(redundant);
    peers_connected_ = value(connected);
    peers_half_open_ = value(half_open);
    dht_nodes_ = value(dht_nodes);
  } else if (const auto* failed_hash = lt::alert_cast<lt::hash_failed_alert>(&alert)) {
    spdlog::debug("{}", failed_hash->message());
  }
}

void Registry::on_added(const lt::add_torrent_alert& added) {
  if (!added.params.ti) return;
  auto torrent = find(key_of(added.params.ti->info_hashes()));
  if (!torrent) {
    // Dropped (or shut down) while libtorrent was adding it.
    if (!added.error) session_.remove_torrent(added.handle);
    return;
  }
  if (auto ready = link_->on_added(*torrent, added); !ready) {
    drop(torrent, ready.error());
    return;
  }
  boost::asio::post(blocking_, [weak = std::weak_ptr<LiveTorrent>(torrent)] {
    if (auto live = weak.lock()) live->refresh_tracker_summary();  // "no tracker", if so
  });
}

void Registry::drop(const std::shared_ptr<LiveTorrent>& torrent, const Error& reason) {
  {
    LockGuard lock(mutex_);
    const auto it = torrents_.find(torrent->meta().hash());
    if (it != torrents_.end() && it->second == torrent) torrents_.erase(it);
  }
  torrent->mark_failed(reason);
  // Data stays on disk: a later request adds the torrent again and resumes from it.
  if (const auto handle = torrent->handle(); handle.is_valid()) session_.remove_torrent(handle);
}

std::uint64_t Registry::resyncs_total() const {
  return link_->resyncs_total();
}

Registry::SessionFigures Registry::session_figures() const {
  return {downloaded_bytes_, uploaded_bytes_, redundant_bytes_, peers_connected_, peers_half_open_};
}

const UrgentTally& Registry::urgent_tally() const {
  return link_->urgent_tally();
}

void Registry::start() {
  const auto sweep_period =
      std::clamp(options_.ttl / 4, std::chrono::milliseconds(50), std::chrono::milliseconds(5'000));
  every(sweep_timer_, sweep_period, &Registry::sweep_now);
  every(status_timer_, std::chrono::seconds(1), &Registry::ask_status);
  // Under a budget nothing is paced.
  if (!options_.live.budget_mode)
    every(pace_timer_, std::chrono::milliseconds(100), &Registry::pace);
}

void Registry::every(boost::asio::steady_timer& timer, std::chrono::milliseconds period,
                     void (Registry::*tick)()) {
  timer.expires_after(period);
  // `timer` is a member: alive while the Registry is locked.
  timer.async_wait(
      [weak_self = weak_from_this(), &timer, period, tick](const boost::system::error_code& ec) {
        const auto self = weak_self.lock();
        // A tick that fired as shutdown() cancelled it finds the session stopping.
        if (ec || !self || self->is_shut_down()) return;
        ((*self).*tick)();
        self->every(timer, period, tick);
      });
}

void Registry::pace() {
  const auto now = LiveTorrent::Clock::now();
  std::vector<std::shared_ptr<LiveTorrent>> torrents;
  {
    LockGuard lock(mutex_);
    for (const auto& [hash, torrent] : torrents_)
      torrents.push_back(torrent);
  }
  for (const auto& torrent : torrents) {
    torrent->pace_background(now);
    torrent->retry_reconnect(now);
  }
}

// libtorrent reports the torrents that changed.
void Registry::ask_status() {
  session_.post_torrent_updates();
  session_.post_session_stats();
}

std::size_t Registry::sweep(LiveTorrent::Clock::time_point now) {
  std::vector<std::shared_ptr<LiveTorrent>> idle;
  {
    LockGuard lock(mutex_);
    for (const auto& [hash, torrent] : torrents_) {
      if (torrent->readers() == 0 && now - torrent->last_active() >= options_.ttl)
        idle.push_back(torrent);
      else
        torrent->resync_if_idle(now, kResyncQuiet);
    }
  }
  for (const auto& torrent : idle) {
    spdlog::info("torrent {}: idle for {} s, dropping it from the session (data stays on disk)",
                 torrent->meta().hash().hex(),
                 std::chrono::duration_cast<std::chrono::seconds>(options_.ttl).count());
    drop(torrent, make_error(Errc::unavailable, "torrent dropped"));
  }
  return idle.size();
}

bool Registry::is_shut_down() const {
  LockGuard lock(mutex_);
  return shut_down_;
}

void Registry::shutdown() {
  std::unordered_map<InfoHash, std::shared_ptr<LiveTorrent>, InfoHashHasher> torrents;
  {
    LockGuard lock(mutex_);
    if (shut_down_) return;
    shut_down_ = true;
    torrents.swap(torrents_);
  }
  sweep_timer_.cancel();
  status_timer_.cancel();
  pace_timer_.cancel();
  for (const auto& [hash, torrent] : torrents) {
    torrent->mark_failed(make_error(Errc::unavailable, "gateway shutting down"));
  }
}

}  // namespace seeder::torrent
