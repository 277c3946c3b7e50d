#pragma once
// GatewayContent: the Content the gateway serves from: the catalog, the torrent store and the
// swarm (TorrentSources), the Streamer, Progress and the vault, and the upload quota. Built by
// the Gateway; called as Content is (content.hpp), on connections' strands.

#include <filesystem>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/mutex.hpp"
#include "seeder/http/content.hpp"
#include "seeder/http/upload_quota.hpp"
#include "seeder/net/vault.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/progress.hpp"
#include "seeder/torrent/registry.hpp"
#include "seeder/torrent/sources.hpp"
#include "seeder/torrent/streamer.hpp"

namespace seeder::http {

// The real parts. All references outlive this; `sources` and `vault` may be null (not set up).
struct GatewayParts {
  std::filesystem::path data_dir;  // where uploaded torrents are saved
  torrent::Catalog& catalog;
  torrent::Registry& registry;
  torrent::Streamer& streamer;
  torrent::Progress& progress;
  torrent::TorrentSources* sources = nullptr;
  net::Vault* vault = nullptr;
  // Where slow work goes (parsing and saving an upload): never an HTTP thread.
  boost::asio::any_io_executor blocking;
  // Uploaded torrents keep web seeds on private addresses (--allow-private-peers).
  bool allow_private_peers = false;
};

class GatewayContent final : public Content {
 public:
  explicit GatewayContent(GatewayParts parts) : parts_(parts) {}

  [[nodiscard]] std::vector<torrent::MetaPtr> list() const override;
  [[nodiscard]] std::optional<LiveState> live_state(const InfoHash& hash) const override;
  void async_find(const InfoHash& hash, const std::string& client, Executor executor,
                  FindHandler handler) override;
  Status remember(const torrent::MagnetLink& magnet) override;
  MetadataWait metadata_wait(const InfoHash& hash, bool retry) override;
  void note_metadata_failure(const InfoHash& hash, const Error& error) override;
  void async_add_torrent(std::string bytes, const std::string& client, Executor executor,
                         FindHandler handler) override;
  [[nodiscard]] bool has_vault() const override { return parts_.vault != nullptr; }
  void async_vault(const torrent::EntryPtr& entry, const std::string& path, Executor executor,
                   VaultHandler handler) override;
  void async_open_file(const torrent::EntryPtr& entry, const torrent::FileInfo& file,
                       std::uint64_t first, std::uint64_t length, Executor executor,
                       FileHandler handler) override;
  void async_torrent_file(const torrent::EntryPtr& entry, Executor executor,
                          std::function<void(Result<std::string>)> handler) override;
  void warm(const torrent::EntryPtr& entry, const torrent::FileInfo* file) override;
  void async_done(const torrent::EntryPtr& entry, torrent::Selection selection, Executor executor,
                  DoneHandler handler) override;
  void async_open_stats(const torrent::EntryPtr& entry, torrent::Selection selection,
                        Executor executor, EventsHandler handler) override;
  void async_open_warmup(const torrent::EntryPtr& entry, torrent::Selection selection,
                         std::uint64_t first, std::uint64_t length, Executor executor,
                         EventsHandler handler) override;

 private:
  // With --allow-magnets; else null.
  [[nodiscard]] torrent::MetadataResolver* resolver() const;

  Result<torrent::EntryPtr> add_torrent(std::string bytes, const std::string& client);
  Result<torrent::EntryPtr> keep_upload(std::string bytes);

  GatewayParts parts_;
  Mutex uploads_mutex_;
  UploadQuota uploads_ GUARDED_BY(uploads_mutex_){UploadQuota::Limits{}};
};

}  // namespace seeder::http
