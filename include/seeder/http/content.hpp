#pragma once
// Content: what the request handler asks of the rest of the gateway: torrents, the vault, a
// file's bytes (the Streamer: complete on disk, else the live torrent) and the query modes.
// The handler asks the vault first. GatewayContent (gateway_content.hpp) wires the real parts;
// the handler's unit tests use a fake.
//
// Called on a connection's strand. Every async call completes on the executor it is given, or
// inline when the answer is at hand (a catalog hit, no vault): callers must allow both.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/byte_source.hpp"
#include "seeder/core/event_stream.hpp"
#include "seeder/core/info_hash.hpp"
#include "seeder/core/result.hpp"
#include "seeder/http/render.hpp"
#include "seeder/net/vault.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/metadata_resolver.hpp"
#include "seeder/torrent/selection.hpp"

namespace seeder::http {

// What a browser asking for a torrent's page would wait for: its metadata, from the swarm.
struct MetadataWait {
  enum class State {
    none,     // known, or nothing to wait for: answer as usual
    waiting,  // being fetched (or about to be): show the wait
    failed,   // the last try failed lately: show why
  };
  State state = State::none;
  bool started = false;                          // a fetch is under way (else start one)
  torrent::MetadataResolver::Progress progress;  // when started
  std::optional<Error> failure;                  // when failed
};

class Content {
 public:
  using Executor = boost::asio::any_io_executor;
  using FindHandler = std::function<void(Result<torrent::EntryPtr>)>;
  using VaultHandler = std::function<void(std::optional<net::VaultRedirect>)>;
  using FileHandler = std::function<void(Result<std::shared_ptr<ByteSource>>)>;
  using DoneHandler = std::function<void(Result<bool>)>;
  using EventsHandler = std::function<void(Result<std::shared_ptr<EventStream>>)>;

  virtual ~Content() = default;

  // Every torrent the catalog knows, for "/".
  [[nodiscard]] virtual std::vector<torrent::MetaPtr> list() const = 0;
  // A torrent's state in the swarm, or nullopt when it is not in it (for the index pages).
  [[nodiscard]] virtual std::optional<LiveState> live_state(const InfoHash& hash) const = 0;
  // A torrent by hash: the catalog, then the torrent store and the swarm when configured;
  // not_found otherwise. `client` (RequestHead::client) may start only so many lookups in the
  // swarm at once.
  virtual void async_find(const InfoHash& hash, const std::string& client, Executor executor,
                          FindHandler handler) = 0;
  // A magnet link's trackers and peers, for when its torrent is asked for; not_found when
  // magnets are off and the torrent is unknown.
  virtual Status remember(const torrent::MagnetLink& magnet) = 0;
  // Where the metadata of `hash` stands, for a page that shows the wait. `retry` forgets a
  // failure, so that the next ask starts afresh.
  virtual MetadataWait metadata_wait(const InfoHash& hash, bool retry) = 0;
  // Why a fetch the wait page started failed (the torrent store's answer, say): the next
  // reload shows it.
  virtual void note_metadata_failure(const InfoHash& hash, const Error& error) = 0;
  // Adds a torrent from its .torrent bytes (an upload): saved in the data dir, so that it stays
  // after a restart, then known. Errc::bad_request when the bytes are no torrent. Parsing a
  // torrent of many files and saving it take a while: done off the HTTP threads, completed on
  // `executor`. Counted against the uploads `client` and everyone may make (UploadQuota).
  virtual void async_add_torrent(std::string bytes, const std::string& client, Executor executor,
                                 FindHandler handler) = 0;

  // Whether a vault is configured: without one, async_vault always answers nullopt.
  [[nodiscard]] virtual bool has_vault() const = 0;
  // The vault's redirect for `path` (a file of `entry`), or nullopt when it does not hold it.
  virtual void async_vault(const torrent::EntryPtr& entry, const std::string& path,
                           Executor executor, VaultHandler handler) = 0;
  // Bytes [first, first + length) of `file`, once the first of them is on disk.
  virtual void async_open_file(const torrent::EntryPtr& entry, const torrent::FileInfo& file,
                               std::uint64_t first, std::uint64_t length, Executor executor,
                               FileHandler handler) = 0;
  // The torrent's .torrent bytes (read from its file off the HTTP threads), on `executor`.
  virtual void async_torrent_file(const torrent::EntryPtr& entry, Executor executor,
                                  std::function<void(Result<std::string>)> handler) = 0;
  // Starts the torrent in the background and joins its swarm for `file` (the torrent's largest
  // when null): a HEAD, a player or an index page usually precedes a GET.
  virtual void warm(const torrent::EntryPtr& entry, const torrent::FileInfo* file) = 0;

  virtual void async_done(const torrent::EntryPtr& entry, torrent::Selection selection,
                          Executor executor, DoneHandler handler) = 0;
  virtual void async_open_stats(const torrent::EntryPtr& entry, torrent::Selection selection,
                                Executor executor, EventsHandler handler) = 0;
  virtual void async_open_warmup(const torrent::EntryPtr& entry, torrent::Selection selection,
                                 std::uint64_t first, std::uint64_t length, Executor executor,
                                 EventsHandler handler) = 0;
};

}  // namespace seeder::http
