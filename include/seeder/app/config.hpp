#pragma once
// Config: every setting of `seeder serve`, already parsed and validated by the CLI.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace seeder::app {

// --max-readahead's default. Without a cache budget, enough to keep a long link full: a seeder
// capped by libtorrent sends only on its 500 ms tick, so at 60 ms RTT a 20 MiB window held a
// whole-file read to 0.62x of a plain libtorrent client's rate, 48 MiB and up to 1.0x (bench/
// stream_bench, the world swarm). Under a budget the window is pinned on disk, so it stays small.
inline constexpr std::uint64_t kReadaheadWithoutBudget = 64ull << 20;
inline constexpr std::uint64_t kReadaheadWithBudget = 20ull << 20;

struct Config {
  // HTTP
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;
  int http_threads = 2;
  int max_connections = 0;  // HTTP connections at once; 0: derived from the fd limit
  std::string cors_origin = "*";
  std::chrono::milliseconds http_read_timeout{30'000};
  std::chrono::milliseconds http_send_timeout{60'000};
  std::chrono::milliseconds stats_interval{3'000};      // ?stats looks for changes this often
  std::chrono::milliseconds warmup_timeout{1'800'000};  // ?warmup gives up after this long

  // Side services, on their own ports (0: any free port); off when disabled.
  bool probe = true;
  // Probes and metrics are for the operator's tools, not the public: loopback unless asked
  // (a pod's kubelet and Prometheus reach them on 0.0.0.0, see deploy/k8s).
  std::string probe_host = "127.0.0.1";
  std::uint16_t probe_port = 8081;
  bool metrics = true;
  std::string metrics_host = "127.0.0.1";
  std::uint16_t metrics_port = 8083;

  // Content
  std::filesystem::path input;  // a .torrent file or a directory of them; empty for none
  bool watch_input = true;      // pick up .torrent files added to --input while running (inotify)
  std::filesystem::path data_dir = "data";
  std::optional<std::uint64_t> max_readahead;  // unset: auto (readahead_for)
  std::uint64_t per_torrent_cache_budget = 0;  // 0: no eviction
  std::uint64_t cache_budget = 0;              // the whole data dir (--cache-budget); 0: none
  bool verify_on_start = false;  // hash recorded pieces again when a torrent's store opens
  std::chrono::milliseconds torrent_ttl{600'000};
  std::chrono::milliseconds piece_timeout{60'000};
  // Test mode: hash again every piece a response sent bytes from (torrent/sent_check.hpp).
  bool verify_sent = false;
  // After a torrent's last reader, how long seeds keep seeing it interested (0: not at all).
  std::chrono::milliseconds keep_interest{30'000};
  // Every torrent of --input joins its swarm at start (Gateway: join_on_start).
  bool join_on_start = false;
  // ?hls may convert a film's picture to H.264 with libx264 when the player page asks
  // (&video=h264): HEVC for browsers without it, MPEG-4 Part 2. CPU-heavy: off by default.
  bool transcode_video = false;
  int disk_threads = 2;

  // BitTorrent
  std::string bt_listen = "0.0.0.0:6881,[::]:6881";
  bool dht = true;
  bool lsd = true;
  // Off for a server: port mapping asks the LAN's router to open a port, which a gateway in a
  // data centre or a container has no business doing (--upnp / --natpmp turn them on).
  bool upnp = false;
  bool natpmp = false;
  bool outgoing_utp = false;
  bool log_peers = false;             // libtorrent's per-peer messages at debug level
  std::vector<std::string> peers;     // "host:port" added to every torrent
  std::vector<std::string> trackers;  // announce URLs added to magnet links
  bool allow_magnets = false;         // resolve unknown hashes through the swarm
  // Let magnet links and uploaded torrents name peers, trackers and web seeds on loopback,
  // private or link-local addresses (off: a stranger could aim the gateway at its own network).
  bool allow_private_peers = false;
  bool allow_uploads = false;  // POST / adds a torrent (.torrent or magnet link)
  // Reverse proxies (addresses or CIDR networks) whose X-Forwarded-For/-Host/-Proto are
  // believed: who the client is (per-client limits) and where it reached us (playlists).
  std::vector<std::string> trusted_proxies;
  // "https://media.example.org": the scheme and host of absolute URLs (playlists); empty: from
  // the request.
  std::string public_url;
  // One credential a line, `<token> <view|admin>` (http/access.hpp); empty: no access control.
  std::filesystem::path auth_file;
  // The key of signed links (http/signed_link.hpp), with auth_file; empty: no signed links.
  std::filesystem::path link_key_file;
  // File bodies one client (not loopback) may have open at once; 0: no cap.
  int max_streams_per_client = 32;
  int max_new_torrents_per_client = 60;  // per hour: magnets and unknown hashes looked up
  std::chrono::milliseconds metadata_timeout{60'000};
  std::string torrent_store_url;  // "http://store/{hash}.torrent"; empty: none
  std::chrono::milliseconds torrent_store_timeout{10'000};
  std::string vault_url;  // "http://vault:8080"; empty: none
  std::chrono::milliseconds vault_timeout{2'000};

  std::string log_level = "info";
  // Which gateway answered, behind a balancer: X-Seeder-Instance, the pages' footer and
  // seeder_build_info's label. Empty: the host name.
  std::string instance_name;
};

// Whether pieces are evicted at all: a budget for the data dir, or for each torrent.
inline bool has_cache_budget(const Config& config) {
  return config.per_torrent_cache_budget > 0 || config.cache_budget > 0;
}

// The read-ahead a gateway with `config` uses: the one given, else kReadaheadWithoutBudget, or
// kReadaheadWithBudget under a cache budget.
inline std::uint64_t readahead_for(const Config& config) {
  if (config.max_readahead) return *config.max_readahead;
  return has_cache_budget(config) ? kReadaheadWithBudget : kReadaheadWithoutBudget;
}

}  // namespace seeder::app
