#pragma once
// Where the metadata of a torrent not in the Catalog comes from, in order:
//   1. the remote torrent store (--torrent-store-url): .torrent bytes fetched by hash over HTTP,
//      verified to hash to the requested info-hash, saved in the data dir;
//   2. the swarm, through a magnet link (--allow-magnets; MetadataResolver).
// A hash neither knows is Errc::not_found. Thread-safe; completions on the caller's executor.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/info_hash.hpp"
#include "seeder/core/mutex.hpp"
#include "seeder/core/result.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/metadata_resolver.hpp"

namespace seeder::torrent {

struct RemoteStoreOptions {
  std::string url_template;  // "http://store/{hash}.torrent"; {hash} is the 40-hex info-hash
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds miss_ttl{10'000};  // a 404 is believed this long
  std::filesystem::path data_dir;
};

class RemoteTorrentStore {
 public:
  using Handler = std::function<void(Result<EntryPtr>)>;

  RemoteTorrentStore(Catalog& catalog, boost::asio::any_io_executor io, RemoteStoreOptions options);

  // Errc::not_found when the store has no such torrent, timeout when it does not answer in
  // time, upstream when it answers with an error or with bytes that are not that torrent.
  void async_fetch(const InfoHash& hash, boost::asio::any_io_executor executor, Handler handler);

 private:
  void on_response(const InfoHash& hash, Result<EntryPtr> result);

  Catalog& catalog_;
  boost::asio::any_io_executor io_;
  RemoteStoreOptions options_;

  struct Waiter {
    boost::asio::any_io_executor executor;
    Handler handler;
  };
  Mutex mutex_;
  std::unordered_map<InfoHash, std::vector<Waiter>, InfoHashHasher> pending_ GUARDED_BY(mutex_);
  std::unordered_map<InfoHash, std::chrono::steady_clock::time_point, InfoHashHasher> misses_
      GUARDED_BY(mutex_);  // 404s and until when they are believed
};

class TorrentSources {
 public:
  // Either source may be null (not configured).
  TorrentSources(Catalog& catalog, RemoteTorrentStore* store, MetadataResolver* resolver)
      : catalog_(catalog), store_(store), resolver_(resolver) {}

  // `client`: who asks, for the resolver's share per client (MetadataResolver::async_resolve).
  void async_find(const InfoHash& hash, const std::string& client,
                  boost::asio::any_io_executor executor,
                  std::function<void(Result<EntryPtr>)> handler);
  [[nodiscard]] MetadataResolver* resolver() const { return resolver_; }

 private:
  void ask_swarm(const InfoHash& hash, const std::string& client,
                 const boost::asio::any_io_executor& executor,
                 std::function<void(Result<EntryPtr>)> handler, const Error& store_error);

  Catalog& catalog_;
  RemoteTorrentStore* store_;
  MetadataResolver* resolver_;
};

}  // namespace seeder::torrent
