#include "seeder/torrent/metadata_resolver.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/peer_info.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include "seeder/core/deliver.hpp"
#include "seeder/core/endpoint.hpp"
#include "seeder/core/units.hpp"
#include "seeder/storage/content_path.hpp"

namespace seeder::torrent {
namespace lt = libtorrent;
namespace {

// seeder's key: the v1 hash when there is one (hybrids too), else the truncated v2 hash.
InfoHash key_of_hashes(const lt::info_hash_t& hashes) {
  const auto& best = hashes.has_v1() ? hashes.v1 : hashes.get_best();
  return *InfoHash::from_raw(std::string_view(best.data(), best.size()));
}

void append_string(std::string& out, const std::string& text) {
  out += std::to_string(text.size()) + ":" + text;
}

// A .torrent made of the info dictionary exactly as the swarm sent it (so it hashes to the
// info-hash) and the trackers that found it.
std::string torrent_file_of(const lt::torrent_info& info,
                            const std::vector<std::string>& trackers) {
  std::string out = "d";
  if (!trackers.empty()) {  // keys in order: "announce-list" < "info"
    out += "13:announce-listl";
    for (const auto& url : trackers) {
      out += "l";
      append_string(out, url);
      out += "e";
    }
    out += "e";
  }
  const auto section = info.info_section();
  out += "4:info";
  out.append(section.data(), static_cast<std::size_t>(section.size()));
  return out + "e";
}

}  // namespace

Result<MagnetLink> parse_magnet(const std::string& uri) {
  lt::error_code ec;
  const auto params = lt::parse_magnet_uri(uri, ec);
  if (ec) return make_error(Errc::bad_request, "not a usable magnet link: " + ec.message());
  MagnetLink magnet{key_of_hashes(params.info_hashes), params.name, params.trackers, params.peers};
  return magnet;
}

MetadataResolver::MetadataResolver(lt::session& session, Catalog& catalog,
                                   boost::asio::any_io_executor executor, ResolverOptions options)
    : session_(session),
      catalog_(catalog),
      executor_(std::move(executor)),
      options_(std::move(options)) {}

MetadataResolver::~MetadataResolver() {
  shutdown();
}

// A stranger's magnet link may not aim the gateway at its own network: its peers and trackers on
// loopback, private or link-local addresses are not kept.
MagnetLink MetadataResolver::public_part(const MagnetLink& magnet) const {
  if (options_.allow_private_peers) return magnet;
  MagnetLink kept{magnet.hash, magnet.name, {}, {}};
  for (const auto& tracker : magnet.trackers)
    if (url_host_is_public(tracker)) kept.trackers.push_back(tracker);
  for (const auto& peer : magnet.peers)
    if (is_public_address(peer.address())) kept.peers.push_back(peer);
  const auto dropped =
      magnet.trackers.size() + magnet.peers.size() - kept.trackers.size() - kept.peers.size();
  if (dropped > 0) {
    if (const auto held = private_dropped_logged_.admit())
      spdlog::warn(
          "magnet {}: {} peer(s) and tracker(s) on private addresses ignored "
          "(--allow-private-peers allows them){}",
          magnet.hash.hex(), dropped,
          *held > 0 ? fmt::format("; {} more such links since the last line", *held) : "");
  }
  return kept;
}

void MetadataResolver::remember(const MagnetLink& link) {
  const auto magnet = public_part(link);
  LockGuard lock(mutex_);
  if (hints_.size() >= kMaxHints && hints_.count(magnet.hash) == 0) {
    const auto before = hints_.size();
    // A loop, not erase_if: the thread-safety analysis cannot see the lock from a lambda.
    for (auto it = hints_.begin(); it != hints_.end();)
      it = pending_.count(it->first) == 0 ? hints_.erase(it) : std::next(it);
    spdlog::warn("{} magnet links remembered: the {} not being resolved are forgotten", before,
                 before - hints_.size());
  }
  hints_[magnet.hash] = magnet;
}

std::size_t MetadataResolver::remembered() const {
  LockGuard lock(mutex_);
  return hints_.size();
}

std::size_t MetadataResolver::resolving() const {
  LockGuard lock(mutex_);
  return pending_.size();
}

void MetadataResolver::async_resolve(const InfoHash& hash, const std::string& client,
                                     boost::asio::any_io_executor executor, Handler handler) {
  if (auto entry = catalog_.find(hash)) {
    deliver(executor, std::move(handler), Result<EntryPtr>(entry));
    return;
  }
  LockGuard lock(mutex_);
  if (shut_down_) {
    deliver(executor, std::move(handler),
            Result<EntryPtr>(make_error(Errc::unavailable, "gateway shutting down")));
    return;
  }
  if (pending_.count(hash) == 0) {
    if (auto refused = refuses_new(client)) {
      deliver(executor, std::move(handler), Result<EntryPtr>(std::move(*refused)));
      return;
    }
  }
  auto& pending = pending_[hash];
  const bool first = !pending;
  if (first) {
    pending = std::make_unique<Pending>(executor_);
    pending->started_by = client;
  }
  pending->waiters.push_back({std::move(executor), std::move(handler)});
  if (first) start(hash, *pending);
}

std::size_t MetadataResolver::started_this_hour(const std::string& client) {
  const auto hour_ago = std::chrono::steady_clock::now() - std::chrono::hours(1);
  // The whole map now and then, so that clients gone for an hour take no memory.
  if (started_.size() > 4096) {
    for (auto it = started_.begin(); it != started_.end();)
      it = it->second.empty() || it->second.back() < hour_ago ? started_.erase(it) : std::next(it);
  }
  const auto found = started_.find(client);
  if (found == started_.end()) return 0;
  auto& times = found->second;
  while (!times.empty() && times.front() < hour_ago)
    times.pop_front();
  return times.size();
}

// Any client may ask for any hash: lookups are capped in all and per client, at once and per
// hour; a refusal counts nothing.
std::optional<Error> MetadataResolver::refuses_new(const std::string& client) {
  if (pending_.size() >= kMaxResolving) {
    return make_error(
        Errc::too_many_requests,
        std::to_string(pending_.size()) + " torrents are being looked up already; try again");
  }
  const auto mine = std::count_if(pending_.begin(), pending_.end(), [&](const auto& pending) {
    return pending.second->started_by == client;
  });
  if (static_cast<std::size_t>(mine) >= kMaxResolvingPerClient) {
    return make_error(Errc::too_many_requests,
                      "you are looking up " + std::to_string(mine) +
                          " torrents already; try again once one is found");
  }
  const auto cap = options_.new_per_client_per_hour;
  if (cap > 0 && !is_loopback_client(client)) {
    if (started_this_hour(client) >= static_cast<std::size_t>(cap)) {
      return make_error(Errc::too_many_requests,
                        "you have added " + std::to_string(cap) +
                            " new torrents in the last hour; try again later");
    }
    started_[client].push_back(std::chrono::steady_clock::now());
  }
  return std::nullopt;
}

// Called with mutex_ held.
void MetadataResolver::start(const InfoHash& hash, Pending& pending) {
  failures_.erase(hash);  // a new try: the last one's failure is history
  lt::add_torrent_params params;
  const auto hint = hints_.find(hash);
  params.info_hashes = lt::info_hash_t(lt::sha1_hash(hash.raw().data()));
  params.save_path = storage::torrent_dir(options_.data_dir, hash).string();
  // Upload mode: the metadata is all this torrent is for; the Registry adds it properly after.
  params.flags |= lt::torrent_flags::upload_mode | lt::torrent_flags::paused;
  params.flags &= ~lt::torrent_flags::auto_managed;
  params.trackers = options_.trackers;
  params.peers = options_.extra_peers;
  if (hint != hints_.end()) {
    params.name = hint->second.name;
    params.trackers.insert(params.trackers.end(), hint->second.trackers.begin(),
                           hint->second.trackers.end());
    params.peers.insert(params.peers.end(), hint->second.peers.begin(), hint->second.peers.end());
  }
  spdlog::info("torrent {}: no metadata yet, asking the swarm ({} tracker(s), {} peer(s))",
               hash.hex(), params.trackers.size(), params.peers.size());
  session_.async_add_torrent(std::move(params));
  pending.timer.expires_after(options_.timeout);
  pending.timer.async_wait([this, hash](const boost::system::error_code& ec) {
    if (!ec) on_timeout(hash);
  });
  pending.redial_delay = options_.redial_after;
  if (pending.redial_delay > std::chrono::milliseconds::zero()) schedule_redial(hash, pending);
}

// Called with mutex_ held.
void MetadataResolver::schedule_redial(const InfoHash& hash, Pending& pending) {
  pending.redial_timer.expires_after(pending.redial_delay);
  pending.redial_timer.async_wait([this, hash](const boost::system::error_code& ec) {
    if (!ec) redial(hash);
  });
  pending.redial_delay *= 2;
}

// libtorrent dials a peer that dropped a connection (busy, between choking rounds, the torrent
// not loaded yet) again only after a minute per failure: longer than anyone waits for a
// magnet. So while nobody is connected, the peer list is cleared, the known peers are dialled
// afresh and the trackers are asked again; the delay between tries doubles.
void MetadataResolver::redial(const InfoHash& hash) {
  lt::torrent_handle handle;
  std::vector<lt::tcp::endpoint> peers = options_.extra_peers;
  bool has_trackers = !options_.trackers.empty();
  {
    LockGuard lock(mutex_);
    const auto it = pending_.find(hash);
    if (it == pending_.end()) return;
    handle = it->second->handle;
    if (const auto hint = hints_.find(hash); hint != hints_.end()) {
      peers.insert(peers.end(), hint->second.peers.begin(), hint->second.peers.end());
      has_trackers = has_trackers || !hint->second.trackers.empty();
    }
    schedule_redial(hash, *it->second);
  }
  if (!handle.is_valid()) return;  // not added yet
  try {
    // Not while a connection is up or being made. The list is cleared (libtorrent dials a
    // cleared peer at once) only when it holds no peer but the known ones: peers from the DHT
    // or peer exchange would be lost until the next announce.
    const auto status = handle.status(lt::status_flags_t{});
    if (status.num_connections > 0) return;
    spdlog::debug("torrent {}: no peer connected, dialling {} known peer(s) again", hash.hex(),
                  peers.size());
    if (static_cast<std::size_t>(status.list_peers) <= peers.size()) handle.clear_peers();
    for (const auto& peer : peers)
      handle.connect_peer(peer);
    if (has_trackers) handle.force_reannounce(0, -1, lt::torrent_handle::ignore_min_interval);
    handle.force_dht_announce();  // a no-op without the DHT
  } catch (const lt::system_error& error) {
    spdlog::debug("torrent {}: redial skipped, the handle went away: {}", hash.hex(), error.what());
  }
}

InfoHash MetadataResolver::key_of(const lt::torrent_handle& handle) const {
  return key_of_hashes(handle.info_hashes());
}

void MetadataResolver::on_alert(const lt::alert& alert) {
  if (const auto* added = lt::alert_cast<lt::add_torrent_alert>(&alert)) {
    if (added->params.ti) return;  // not a magnet: the Registry's
    const auto hash = key_of_hashes(added->params.info_hashes);
    {
      LockGuard lock(mutex_);
      const auto it = pending_.find(hash);
      if (it == pending_.end()) {
        if (!added->error) session_.remove_torrent(added->handle);
        return;
      }
      it->second->handle = added->handle;
    }
    if (added->error) {
      finish(hash, make_error(Errc::unavailable,
                              "cannot add the magnet link: " + added->error.message()));
      return;
    }
    added->handle.resume();  // resuming dials the known peers at once
  } else if (const auto* received = lt::alert_cast<lt::metadata_received_alert>(&alert)) {
    on_metadata(received->handle);
  }
}

void MetadataResolver::on_metadata(const lt::torrent_handle& handle) {
  const auto hash = key_of(handle);
  {
    LockGuard lock(mutex_);
    if (pending_.count(hash) == 0) return;
  }
  const auto info = handle.torrent_file();
  std::vector<std::string> trackers;
  for (const auto& tracker : handle.trackers())
    trackers.push_back(tracker.url);
  // Whoever sent the metadata likely has the data: the torrent starts by dialling them.
  std::vector<lt::tcp::endpoint> peers;
  std::vector<lt::peer_info> connected;
  handle.get_peer_info(connected);
  peers.reserve(connected.size());
  for (const auto& peer : connected)
    peers.push_back(peer.ip);
  {
    LockGuard lock(mutex_);
    if (const auto hint = hints_.find(hash); hint != hints_.end())
      peers.insert(peers.end(), hint->second.peers.begin(), hint->second.peers.end());
  }
  session_.remove_torrent(handle);
  if (!info) {
    finish(hash, make_error(Errc::internal, "metadata received but not readable"));
    return;
  }
  auto parsed =
      parse_torrent(torrent_file_of(*info, trackers),
                    options_.allow_private_peers ? Origin::operator_given : Origin::stranger);
  if (!parsed) {
    finish(hash, parsed.error());
    return;
  }
  auto with_peers = std::make_shared<CatalogEntry>(**parsed);
  with_peers->peers = std::move(peers);
  EntryPtr entry = std::move(with_peers);
  if (auto saved = save_entry(options_.data_dir, entry); saved) {
    entry = std::move(*saved);
  } else {
    spdlog::warn("torrent {}: metadata not saved: {}", hash.hex(), saved.error().message);
  }
  spdlog::info("torrent {} ({}): metadata received from the swarm", hash.hex(),
               entry->meta->name());
  finish(hash, catalog_.add(entry));
}

void MetadataResolver::on_timeout(const InfoHash& hash) {
  lt::torrent_handle handle;
  {
    LockGuard lock(mutex_);
    const auto it = pending_.find(hash);
    if (it == pending_.end()) return;
    handle = it->second->handle;
  }
  std::string seen = "the torrent was not added";
  if (handle.is_valid()) {
    try {
      const auto status = handle.status();
      seen = std::to_string(status.list_peers) + " peer(s) found, " +
             std::to_string(status.num_peers) + " connected";
    } catch (const lt::system_error&) {
      seen = "the torrent went away";
    }
    session_.remove_torrent(handle);
  }
  spdlog::warn("torrent {}: no metadata within {} ({})", hash.hex(),
               format_duration(options_.timeout), seen);
  finish(hash, make_error(Errc::timeout, "no metadata for " + hash.hex() + " within " +
                                             format_duration(options_.timeout) + ": " + seen));
}

void MetadataResolver::finish(const InfoHash& hash, const Result<EntryPtr>& result) {
  std::unique_ptr<Pending> pending;
  {
    LockGuard lock(mutex_);
    const auto it = pending_.find(hash);
    if (it == pending_.end()) return;
    pending = std::move(it->second);
    pending_.erase(it);
    if (result)
      hints_.erase(hash);  // its peers are in the entry now
    else
      remember_failure_locked(hash, result.error());
  }
  pending->timer.cancel();
  pending->redial_timer.cancel();
  for (auto& waiter : pending->waiters) {
    deliver(waiter.executor, std::move(waiter.handler), result);
  }
}

// Called with mutex_ held. Old failures go first; never more than kMaxFailures kept.
void MetadataResolver::remember_failure_locked(const InfoHash& hash, const Error& error) {
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(failures_, [&](const auto& item) { return now - item.second.at > kFailureMemory; });
  if (failures_.size() >= kMaxFailures) failures_.clear();
  failures_[hash] = Failure{error, now};
}

std::optional<MetadataResolver::Progress> MetadataResolver::progress(const InfoHash& hash) const {
  Progress progress;
  lt::torrent_handle handle;
  {
    LockGuard lock(mutex_);
    const auto it = pending_.find(hash);
    if (it == pending_.end()) return std::nullopt;
    progress.waited = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - it->second->started);
    handle = it->second->handle;
  }
  progress.timeout = options_.timeout;
  if (handle.is_valid()) {
    try {
      const auto status = handle.status();
      progress.known = status.list_peers;
      progress.connected = status.num_peers;
    } catch (const lt::system_error&) {
      // Gone meanwhile: the figures stay 0; the resolution's own end says why.
    }
  }
  return progress;
}

std::optional<Error> MetadataResolver::recent_failure(const InfoHash& hash) const {
  LockGuard lock(mutex_);
  const auto it = failures_.find(hash);
  if (it == failures_.end() || std::chrono::steady_clock::now() - it->second.at > kFailureMemory)
    return std::nullopt;
  return it->second.error;
}

void MetadataResolver::forget_failure(const InfoHash& hash) {
  LockGuard lock(mutex_);
  failures_.erase(hash);
}

void MetadataResolver::known_elsewhere(const InfoHash& hash, const EntryPtr& entry) {
  lt::torrent_handle handle;
  {
    LockGuard lock(mutex_);
    const auto it = pending_.find(hash);
    if (it == pending_.end()) return;
    handle = it->second->handle;
  }
  spdlog::info("torrent {}: known from an upload, no longer asking the swarm", hash.hex());
  if (handle.is_valid()) session_.remove_torrent(handle);
  finish(hash, entry);
}

void MetadataResolver::note_failure(const InfoHash& hash, const Error& error) {
  LockGuard lock(mutex_);
  remember_failure_locked(hash, error);
}

void MetadataResolver::shutdown() {
  std::vector<InfoHash> hashes;
  {
    LockGuard lock(mutex_);
    shut_down_ = true;
    for (const auto& [hash, pending] : pending_)
      hashes.push_back(hash);
  }
  for (const auto& hash : hashes)
    finish(hash, make_error(Errc::unavailable, "gateway shutting down"));
}

}  // namespace seeder::torrent
