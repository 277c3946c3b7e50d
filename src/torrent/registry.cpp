#include "seeder/torrent/registry.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/peer_info.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_stats.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_info.hpp>

#include "seeder/core/units.hpp"
#include "seeder/storage/content_path.hpp"
#include "seeder/torrent/stores.hpp"
#include "seeder/torrent/torrent_plugin.hpp"

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
  boost::asio::post(blocking_, [this, torrent] {
    auto store = open_store(stores_, torrent->entry());
    if (!store) {
      spdlog::error("torrent {}: cannot open its storage: {}", torrent->meta().hash().hex(),
                    store.error().message);
      drop(torrent, make_error(Errc::unavailable, "cannot open storage: " + store.error().message));
      return;
    }
    torrent->attach_store(*store);
    torrent->on_resync_wanted([this, weak = std::weak_ptr<LiveTorrent>(torrent)] {
      boost::asio::post(blocking_, [this, weak] {
        if (auto torrent = weak.lock()) resync(torrent);
      });
    });
    // Asked from libtorrent's network thread too: never call the handle from there.
    torrent->on_reconnect_wanted([this, weak = std::weak_ptr<LiveTorrent>(torrent)] {
      boost::asio::post(blocking_, [this, weak] {
        if (auto torrent = weak.lock()) reconnect(*torrent);
      });
    });
    warn_if_budget_too_small(torrent->meta(), **store);
    const auto& meta = torrent->meta();
    if ((*store)->needs_full_check()) {
      spdlog::warn(
          "torrent {}: hash-checking everything on disk (its completion records were rebuilt)",
          meta.hash().hex());
    }
    spdlog::info("torrent {} ({}): adding to session, {} of {} pieces on disk", meta.hash().hex(),
                 meta.name(), (*store)->complete_pieces(), meta.num_pieces());
    auto params = params_for(*torrent, **store);
    torrent->on_adding(params.have_pieces);
    session_.async_add_torrent(std::move(params));
  });
}

// Readers' windows are never evicted, so a budget below one window plus the piece being
// written cannot hold: the torrent then keeps about that much on disk per reader anyway.
void Registry::warn_if_budget_too_small(const TorrentMeta& meta,
                                        const storage::TorrentStore& store) const {
  const auto budget = store.budget();
  const auto minimum =
      options_.readahead_bytes + 2 * static_cast<std::uint64_t>(meta.piece_length());
  if (budget == 0 || budget >= minimum) return;
  spdlog::warn(
      "torrent {}: cache budget {} is below one read-ahead window plus two pieces; "
      "effective minimum per active reader: {}",
      meta.hash().hex(), format_size(budget), format_size(minimum));
}

lt::add_torrent_params Registry::params_for(const LiveTorrent& torrent,
                                            const storage::TorrentStore& store) const {
  lt::add_torrent_params params;
  // libtorrent may mutate its torrent_info (renames, merkle trees): give it its own copy.
  params.ti = std::make_shared<lt::torrent_info>(*torrent.entry().info);
  params.save_path = storage::torrent_dir(stores_.data_dir(), torrent.meta().hash()).string();
  // Added paused and resumed on the add alert: see on_added.
  params.flags &= ~lt::torrent_flags::auto_managed;
  params.flags |= lt::torrent_flags::paused;
  // Only what readers want is fetched (and, without a budget, the files they read, paced in
  // the background): a page view or a HEAD downloads nothing.
  params.flags |= lt::torrent_flags::default_dont_download;
  if (!store.needs_full_check()) {
    // seeder's records say what is verified: no file check, resume from them.
    params.flags |= lt::torrent_flags::no_verify_files;
    params.have_pieces = store.have_pieces();
  }
  params.peers = options_.extra_peers;
  const auto& known = torrent.entry().peers;
  params.peers.insert(params.peers.end(), known.begin(), known.end());
  params.extensions.push_back(
      [store = torrent.store(),
       weak = std::weak_ptr<LiveTorrent>(std::const_pointer_cast<LiveTorrent>(
           torrent.shared_from_this()))](const lt::torrent_handle&, lt::client_data_t) {
        return make_torrent_plugin(store, weak);
      });
  return params;
}

// libtorrent 2.0.8 counts a torrent's connect candidates lazily, inside the very call that
// want_peers() gates on the count: a seed that hung up while the torrent was finished (wanting
// nothing) is never counted again, and the torrent never dials anyone. A change of the session's
// max_failcount makes every torrent recount (peer_list::set_max_failcount); alternating 3 and 4
// forces it. Then the pause/resume kick dials at once.
void Registry::reconnect(LiveTorrent& torrent) {
  lt::settings_pack pack;
  pack.set_int(lt::settings_pack::max_failcount, recount_toggle_.fetch_xor(1) == 0 ? 4 : 3);
  session_.apply_settings(std::move(pack));
  torrent.reconnect();
}

// libtorrent 2.0 cannot forget a piece: the only way to make it fetch an evicted piece again is
// to remove the torrent and add it back with what the store really has. Connections drop; the
// peers it had are given to the new torrent, which dials them at once when resumed.
void Registry::resync(const std::shared_ptr<LiveTorrent>& torrent) {
  const auto store = torrent->store();
  const auto old = torrent->begin_resync();
  if (!store || !old.is_valid()) return;
  auto params = params_for(*torrent, *store);
  // Costs seeding what is on disk until it is fetched again: see resync_reports_pieces().
  if (!torrent->resync_reports_pieces()) params.have_pieces.clear();
  try {
    std::vector<lt::peer_info> peers;
    old.get_peer_info(peers);
    for (const auto& peer : peers)
      params.peers.push_back(peer.ip);
  } catch (const lt::system_error&) {
    // Gone already: the known peers will do.
  }
  spdlog::info("torrent {}: resyncing with libtorrent ({} of {} pieces on disk)",
               torrent->meta().hash().hex(), store->complete_pieces(),
               torrent->meta().num_pieces());
  session_.remove_torrent(old);
  torrent->on_adding(params.have_pieces);
  session_.async_add_torrent(std::move(params));
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
    on_checked(checked->handle);
  } else if (const auto* failed = lt::alert_cast<lt::torrent_error_alert>(&alert)) {
    if (auto torrent = find_by_handle(failed->handle)) {
      spdlog::error("torrent {}: {} ({})", torrent->meta().hash().hex(), failed->error.message(),
                    failed->filename());
      drop(torrent, make_error(Errc::unavailable, "torrent error: " + failed->error.message()));
    }
  } else if (const auto* file_error = lt::alert_cast<lt::file_error_alert>(&alert)) {
    if (auto torrent = find_by_handle(file_error->handle)) {
      spdlog::error("torrent {}: disk error on {}: {} ({})", torrent->meta().hash().hex(),
                    file_error->filename(), file_error->error.message(),
                    lt::operation_name(file_error->op));
      drop(torrent, make_error(Errc::unavailable, "disk error: " + file_error->error.message()));
    }
  } else if (const auto* update = lt::alert_cast<lt::state_update_alert>(&alert)) {
    for (const auto& status : update->status) {
      if (auto torrent = find_by_handle(status.handle)) {
        torrent->set_swarm({status.num_peers, status.num_seeds, status.download_payload_rate,
                            status.upload_payload_rate});
      }
    }
  } else if (const auto* stats = lt::alert_cast<lt::session_stats_alert>(&alert)) {
    static const int recv = lt::find_metric_idx("net.recv_payload_bytes");
    static const int sent = lt::find_metric_idx("net.sent_payload_bytes");
    static const int connected = lt::find_metric_idx("peer.num_peers_connected");
    static const int half_open = lt::find_metric_idx("peer.num_peers_half_open");
    const auto counters = stats->counters();
    const auto value = [&](int index) { return index >= 0 ? counters[index] : 0; };
    downloaded_bytes_ = value(recv);
    uploaded_bytes_ = value(sent);
    peers_connected_ = value(connected);
    peers_half_open_ = value(half_open);
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
  if (added.error) {
    spdlog::error("torrent {}: cannot add to session: {}", torrent->meta().hash().hex(),
                  added.error.message());
    drop(torrent, make_error(Errc::unavailable, "cannot start torrent: " + added.error.message()));
    return;
  }
  // Resuming is libtorrent's one public path to an immediate "connect boost"
  // (torrent::do_resume); peers it was given at add time are otherwise only dialled by the
  // session's once-a-second connection tick: up to a second of nothing before the first byte.
  if (torrent->state() == LiveTorrent::State::resyncing) {
    // Before the resume: while paused, nothing the new handle fetches can land among the pieces
    // finish_resync records as hidden from it.
    torrent->finish_resync(added.handle);
    added.handle.resume();
    ++resyncs_total_;
    spdlog::debug("torrent {}: resynced", torrent->meta().hash().hex());
    return;
  }
  added.handle.resume();
  torrent->mark_ready(added.handle);
  spdlog::debug("torrent {}: in session", torrent->meta().hash().hex());
}

void Registry::on_checked(const lt::torrent_handle& handle) {
  auto torrent = find_by_handle(handle);
  auto store = torrent ? torrent->store() : nullptr;
  if (!store || !store->needs_full_check()) return;
  spdlog::info("torrent {}: hash check done, {} pieces verified on disk",
               torrent->meta().hash().hex(), store->complete_pieces());
  store->on_full_check_finished();
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

Registry::SessionFigures Registry::session_figures() const {
  return {downloaded_bytes_, uploaded_bytes_, peers_connected_, peers_half_open_};
}

void Registry::start() {
  schedule_sweep();
  schedule_status();
  if (!options_.live.budget_mode) schedule_pace();  // under a budget nothing is paced
}

void Registry::schedule_pace() {
  pace_timer_.expires_after(std::chrono::milliseconds(100));
  pace_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const auto now = LiveTorrent::Clock::now();
    std::vector<std::shared_ptr<LiveTorrent>> torrents;
    {
      LockGuard lock(mutex_);
      for (const auto& [hash, torrent] : torrents_)
        torrents.push_back(torrent);
    }
    for (const auto& torrent : torrents)
      torrent->pace_background(now);
    schedule_pace();
  });
}

// Swarm figures for ?stats and the metrics: libtorrent reports the torrents that changed.
void Registry::schedule_status() {
  status_timer_.expires_after(std::chrono::seconds(1));
  status_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    session_.post_torrent_updates();
    session_.post_session_stats();
    schedule_status();
  });
}

void Registry::schedule_sweep() {
  const auto period =
      std::clamp(options_.ttl / 4, std::chrono::milliseconds(50), std::chrono::milliseconds(5'000));
  sweep_timer_.expires_after(period);
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    sweep(LiveTorrent::Clock::now());
    schedule_sweep();
  });
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
