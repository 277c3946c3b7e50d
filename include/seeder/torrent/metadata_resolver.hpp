#pragma once
// MetadataResolver: turns an info-hash seeder has no metadata for into a catalog entry, by
// joining the swarm as a magnet link (DHT, trackers, known peers) until a peer sends the info
// dictionary. The metadata is saved in the data dir (<hash>/source.torrent), so it survives
// restarts, and added to the Catalog; the Registry then starts the torrent as any other.
//
// One resolution per hash at a time, whoever asks; each has its own timeout and never holds a
// lock while it waits, so a torrent that never resolves delays nobody else.
//
// Thread-safe. Alerts arrive on the session's alert strand; completions run on the caller's
// executor.

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <libtorrent/fwd.hpp>
#include <libtorrent/socket.hpp>
#include <libtorrent/torrent_handle.hpp>

#include "seeder/core/info_hash.hpp"
#include "seeder/core/log_limiter.hpp"
#include "seeder/core/mutex.hpp"
#include "seeder/core/result.hpp"
#include "seeder/torrent/catalog.hpp"

namespace seeder::torrent {

// What a magnet link says besides its hash.
struct MagnetLink {
  InfoHash hash;
  std::string name;
  std::vector<std::string> trackers;
  std::vector<libtorrent::tcp::endpoint> peers;  // x.pe
};

// Errc::bad_request with the reason when `uri` is not a magnet link with a usable info-hash.
Result<MagnetLink> parse_magnet(const std::string& uri);

struct ResolverOptions {
  std::chrono::milliseconds timeout{60'000};
  std::filesystem::path data_dir;
  std::vector<std::string> trackers;                   // added to every magnet
  std::vector<libtorrent::tcp::endpoint> extra_peers;  // dialled for every magnet
  // While no peer is connected, the known peers are dialled afresh after this, then after
  // twice as long, and so on. Zero: never.
  std::chrono::milliseconds redial_after{2'000};
  // Magnet links may name peers and trackers on private addresses, and the metadata's web
  // seeds are kept (--allow-private-peers).
  bool allow_private_peers = false;
  // Torrents one client may have looked up (a magnet, an unknown hash) in the last hour; more
  // are refused (429) until the hour has passed. Loopback clients never are. 0: no cap.
  int new_per_client_per_hour = 60;
};

class MetadataResolver {
 public:
  using Handler = std::function<void(Result<EntryPtr>)>;

  MetadataResolver(libtorrent::session& session, Catalog& catalog,
                   boost::asio::any_io_executor executor, ResolverOptions options);
  ~MetadataResolver();
  MetadataResolver(const MetadataResolver&) = delete;
  MetadataResolver& operator=(const MetadataResolver&) = delete;

  // Trackers and peers of a magnet link, used when its hash is resolved later. At most
  // kMaxHints are kept (any client may send magnets): over it, those not being resolved go.
  // A hash resolved needs its hint no more.
  void remember(const MagnetLink& magnet);
  [[nodiscard]] std::size_t remembered() const;
  static constexpr std::size_t kMaxHints = 10'000;
  static constexpr std::size_t kMaxResolving = 32;
  static constexpr std::size_t kMaxResolvingPerClient = 4;
  // The catalog entry for `hash`, resolving it when needed. Errc::timeout with what was seen
  // (peers known and connected) when no metadata came in time; Errc::too_many_requests while
  // kMaxResolving others are being resolved (any client may ask for any hash), or
  // kMaxResolvingPerClient that `client` started are, or `client` started
  // ResolverOptions::new_per_client_per_hour in the last hour (joining one under way is free): a
  // refusal, not a failure of the hash.
  void async_resolve(const InfoHash& hash, const std::string& client,
                     boost::asio::any_io_executor executor, Handler handler);
  void on_alert(const libtorrent::alert& alert);
  // Hashes being resolved now (asked for, neither resolved nor failed yet).
  [[nodiscard]] std::size_t resolving() const;

  // A resolution under way, as a page waiting for it shows it.
  struct Progress {
    std::chrono::milliseconds waited{0};
    std::chrono::milliseconds timeout{0};
    int known = 0;      // peers found (the magnet's, trackers, DHT)
    int connected = 0;  // peers connected
  };
  // nullopt when `hash` is not being resolved. Asks libtorrent: not from its own threads.
  [[nodiscard]] std::optional<Progress> progress(const InfoHash& hash) const;
  // Why the last resolution of `hash` failed, for a minute after it did (a page that waited
  // shows it instead of starting over); forget_failure lets the next ask start afresh.
  [[nodiscard]] std::optional<Error> recent_failure(const InfoHash& hash) const;
  void forget_failure(const InfoHash& hash);
  // A failure met on the way to the resolver (the torrent store's), shown the same way.
  void note_failure(const InfoHash& hash, const Error& error);
  // The torrent became known another way (an upload): a resolution of it under way ends now,
  // its waiters get `entry`.
  void known_elsewhere(const InfoHash& hash, const EntryPtr& entry);
  // Fails every pending resolution.
  void shutdown();

 private:
  struct Waiter {
    boost::asio::any_io_executor executor;
    Handler handler;
  };
  struct Pending {
    explicit Pending(const boost::asio::any_io_executor& executor)
        : timer(executor), redial_timer(executor) {}
    libtorrent::torrent_handle handle;
    std::vector<Waiter> waiters;
    boost::asio::steady_timer timer;  // the timeout
    boost::asio::steady_timer redial_timer;
    std::chrono::milliseconds redial_delay{0};
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::string started_by;  // the client whose ask started it
  };
  struct Failure {
    Error error;
    std::chrono::steady_clock::time_point at;
  };
  static constexpr std::chrono::minutes kFailureMemory{1};
  static constexpr std::size_t kMaxFailures = 1024;

  [[nodiscard]] MagnetLink public_part(const MagnetLink& magnet) const;
  // Why a new resolution may not start now, for `client`; nullopt when it may.
  // Why `client` may not start a new lookup now; nullopt (and the lookup counted for the hour)
  // when it may.
  [[nodiscard]] std::optional<Error> refuses_new(const std::string& client) REQUIRES(mutex_);
  // How many lookups `client` started in the last hour (older ones forgotten).
  std::size_t started_this_hour(const std::string& client) REQUIRES(mutex_);
  void start(const InfoHash& hash, Pending& pending) REQUIRES(mutex_);
  void schedule_redial(const InfoHash& hash, Pending& pending) REQUIRES(mutex_);
  void redial(const InfoHash& hash);
  void on_metadata(const libtorrent::torrent_handle& handle);
  void on_timeout(const InfoHash& hash);
  void finish(const InfoHash& hash, const Result<EntryPtr>& result);
  void remember_failure_locked(const InfoHash& hash, const Error& error) REQUIRES(mutex_);
  [[nodiscard]] InfoHash key_of(const libtorrent::torrent_handle& handle) const;

  libtorrent::session& session_;
  Catalog& catalog_;
  mutable LogLimiter private_dropped_logged_;
  boost::asio::any_io_executor executor_;
  ResolverOptions options_;

  mutable Mutex mutex_;
  std::unordered_map<InfoHash, std::unique_ptr<Pending>, InfoHashHasher> pending_
      GUARDED_BY(mutex_);
  std::unordered_map<InfoHash, MagnetLink, InfoHashHasher> hints_ GUARDED_BY(mutex_);
  std::unordered_map<InfoHash, Failure, InfoHashHasher> failures_ GUARDED_BY(mutex_);
  bool shut_down_ GUARDED_BY(mutex_) = false;
  // When each client started its lookups of the last hour
  // (ResolverOptions::new_per_client_per_hour).
  std::unordered_map<std::string, std::deque<std::chrono::steady_clock::time_point>> started_
      GUARDED_BY(mutex_);
};

}  // namespace seeder::torrent
