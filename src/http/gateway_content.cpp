#include "seeder/http/gateway_content.hpp"

#include <boost/asio/post.hpp>

#include "seeder/core/deliver.hpp"

#include "seeder/http/target.hpp"
#include "seeder/storage/content_path.hpp"

namespace seeder::http {

torrent::MetadataResolver* GatewayContent::resolver() const {
  return parts_.sources != nullptr ? parts_.sources->resolver() : nullptr;
}

std::vector<torrent::MetaPtr> GatewayContent::list() const {
  return parts_.catalog.list();
}

void GatewayContent::async_find(const InfoHash& hash, const std::string& client, Executor executor,
                                FindHandler handler) {
  if (auto entry = parts_.catalog.find(hash)) {
    handler(std::move(entry));
    return;
  }
  if (parts_.sources == nullptr) {
    handler(make_error(Errc::not_found, "unknown torrent " + hash.hex()));
    return;
  }
  parts_.sources->async_find(hash, client, std::move(executor), std::move(handler));
}

std::optional<LiveState> GatewayContent::live_state(const InfoHash& hash) const {
  const auto torrent = parts_.registry.find(hash);
  if (!torrent) return std::nullopt;
  const auto swarm = torrent->swarm();
  LiveState state;
  state.pieces_had = torrent->shared_pieces()->have_count();
  state.peers = swarm.peers;
  state.seeds = swarm.seeds;
  state.download_rate = swarm.download_rate;
  state.known = swarm.known;
  state.seconds_joined =
      std::chrono::duration<double>(torrent::LiveTorrent::Clock::now() - torrent->joined()).count();
  return state;
}

Status GatewayContent::remember(const torrent::MagnetLink& magnet) {
  auto* resolver = this->resolver();
  if (resolver != nullptr) {
    resolver->remember(magnet);
    return {};
  }
  if (parts_.catalog.find(magnet.hash)) return {};
  return make_error(Errc::not_found, "unknown torrent " + magnet.hash.hex() +
                                         " (magnet links are off: start with --allow-magnets)");
}

// The save is a small synchronous write on the connection's strand, like the catalog's.
MetadataWait GatewayContent::metadata_wait(const InfoHash& hash, bool retry) {
  auto* resolver = this->resolver();
  if (resolver == nullptr || parts_.catalog.find(hash)) return {};
  if (retry) resolver->forget_failure(hash);
  MetadataWait wait;
  wait.state = MetadataWait::State::waiting;
  // One under way first: another client may have started it since the last one failed.
  if (auto progress = resolver->progress(hash)) {
    wait.started = true;
    wait.progress = *progress;
    return wait;
  }
  if (auto failure = resolver->recent_failure(hash)) {
    wait.state = MetadataWait::State::failed;
    wait.failure = std::move(failure);
  }
  return wait;
}

void GatewayContent::note_metadata_failure(const InfoHash& hash, const Error& error) {
  auto* resolver = this->resolver();
  // A refusal (too many lookups) is the asker's, not the hash's: others may still look it up.
  if (resolver != nullptr && error.code != Errc::cancelled && error.code != Errc::too_many_requests)
    resolver->note_failure(hash, error);
}

void GatewayContent::async_add_torrent(std::string bytes, const std::string& client,
                                       Executor executor, FindHandler handler) {
  // `this` outlives the pool's work: the Gateway joins the blocking pool before it destroys
  // the content (gateway.cpp, member order).
  boost::asio::post(parts_.blocking,
                    [this, bytes = std::move(bytes), client, executor = std::move(executor),
                     handler = std::move(handler)]() mutable {
                      deliver(executor, std::move(handler), add_torrent(std::move(bytes), client));
                    });
}

Result<torrent::EntryPtr> GatewayContent::add_torrent(std::string bytes,
                                                      const std::string& client) {
  const auto size = bytes.size();
  {
    LockGuard lock(uploads_mutex_);
    if (auto refused = uploads_.take(client, size, UploadQuota::Clock::now())) return *refused;
  }
  auto added = keep_upload(std::move(bytes));
  if (!added) {  // nothing kept: its share goes back (a re-upload of a known torrent counts)
    LockGuard lock(uploads_mutex_);
    uploads_.give_back(client, size);
  }
  return added;
}

Result<torrent::EntryPtr> GatewayContent::keep_upload(std::string bytes) {
  auto entry = torrent::parse_torrent(std::move(bytes), parts_.allow_private_peers
                                                            ? torrent::Origin::operator_given
                                                            : torrent::Origin::stranger);
  if (!entry) return entry.error();
  const auto& meta = *(*entry)->meta;
  if (auto known = parts_.catalog.find(meta.hash())) return known;
  auto saved = torrent::save_entry(parts_.data_dir, *entry);
  if (!saved)
    return make_error(Errc::unavailable, "cannot keep the torrent: " + saved.error().message);
  auto added = parts_.catalog.add(std::move(*saved));
  // A magnet of it may be waiting for the swarm: its waiters need not wait any longer.
  if (auto* resolver = this->resolver()) resolver->known_elsewhere(added->meta->hash(), added);
  return added;
}

void GatewayContent::async_vault(const torrent::EntryPtr& entry, const std::string& path,
                                 Executor executor, VaultHandler handler) {
  if (parts_.vault == nullptr) {
    handler(std::nullopt);
    return;
  }
  parts_.vault->async_lookup(entry->meta->hash().hex(), percent_encode_path(path),
                             std::move(executor), std::move(handler));
}

void GatewayContent::async_open_file(const torrent::EntryPtr& entry, const torrent::FileInfo& file,
                                     std::uint64_t first, std::uint64_t length, Executor executor,
                                     FileHandler handler) {
  parts_.streamer.async_open(entry, file, first, length, std::move(executor), std::move(handler));
}

void GatewayContent::async_torrent_file(const torrent::EntryPtr& entry, Executor executor,
                                        std::function<void(Result<std::string>)> handler) {
  boost::asio::post(parts_.blocking, [entry, executor = std::move(executor),
                                      handler = std::move(handler)]() mutable {
    // Errc::unavailable, saying why, when no place holds this torrent.
    deliver(executor, std::move(handler), entry->torrent_file());
  });
}

void GatewayContent::warm(const torrent::EntryPtr& entry, const torrent::FileInfo* file) {
  parts_.streamer.warm(entry, file);
}

void GatewayContent::async_done(const torrent::EntryPtr& entry, torrent::Selection selection,
                                Executor executor, DoneHandler handler) {
  parts_.progress.async_done(entry, std::move(selection), std::move(executor), std::move(handler));
}

void GatewayContent::async_open_stats(const torrent::EntryPtr& entry, torrent::Selection selection,
                                      Executor executor, EventsHandler handler) {
  parts_.progress.async_open_stats(entry, std::move(selection), std::move(executor),
                                   std::move(handler));
}

void GatewayContent::async_open_warmup(const torrent::EntryPtr& entry, torrent::Selection selection,
                                       std::uint64_t first, std::uint64_t length, Executor executor,
                                       EventsHandler handler) {
  parts_.progress.async_open_warmup(entry, std::move(selection), first, length, std::move(executor),
                                    std::move(handler));
}

}  // namespace seeder::http
