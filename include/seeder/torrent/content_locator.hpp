#pragma once
// ContentLocator: where a request's bytes are. First the torrent's store (opened on the
// blocking pool when it is not open yet): when the caller's test says the bytes are complete on
// disk, they are served from there and the torrent is not started; otherwise the live torrent,
// from the Registry. The one policy behind file requests (Streamer) and the query modes
// (Progress); the vault, asked before either, is the HTTP layer's (http::Content).
//
// Thread-safe. Handlers run on the executor given (posted). Failures come back as values and
// are not logged here: whoever answers with one logs it, once.

#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/result.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/registry.hpp"

namespace seeder::torrent {

struct Location {
  std::shared_ptr<storage::TorrentStore> store;  // always set
  bool on_disk = false;                          // the caller's test held
  std::shared_ptr<LiveTorrent> torrent;          // set when not on disk and asked to start it
};

class ContentLocator {
 public:
  using Executor = boost::asio::any_io_executor;
  // Whether the bytes wanted are complete in `store`; runs once, before the handler.
  using OnDisk = std::function<bool(storage::TorrentStore& store)>;
  using Handler = std::function<void(Result<Location>)>;
  enum class IfMissing { start_torrent, report };  // ?done reports; it never starts a torrent

  ContentLocator(Registry& registry, storage::StoreRegistry& stores, Executor blocking)
      : registry_(registry), stores_(stores), blocking_(std::move(blocking)) {}

  void async_locate(const EntryPtr& entry, OnDisk on_disk, IfMissing if_missing, Executor executor,
                    Handler handler);
  // The live torrent (added if needed); unavailable while the gateway shuts down.
  Result<std::shared_ptr<LiveTorrent>> live(const EntryPtr& entry);

  [[nodiscard]] storage::StoreRegistry& stores() const { return stores_; }

 private:
  Registry& registry_;
  storage::StoreRegistry& stores_;
  Executor blocking_;
};

}  // namespace seeder::torrent
