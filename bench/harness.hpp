#pragma once
// The processes of a benchmark: a seeding swarm (bench_swarm) and gateways (the real seeder
// binary), each in its own process, on 127.0.0.1 only.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"  // tests/support

namespace seeder::bench {

using test::ChildProcess;
using test::free_port;
using test::wait_for_listener;

struct SwarmSpec {
  std::size_t size_mib = 256;
  int piece_kib = 256;
  int rate_mib = 0;  // upload cap of each seeder, 0 = none
  // Found through an HTTP tracker (the real world) or dialled directly with --peer.
  bool tracker = true;
  int seeders = 2;
  // The soak pack instead of big.bin: one multi-file torrent whose movie is size_mib (see
  // bench_swarm); content_file() is then its top directory and url() does not apply.
  bool multi_file = false;
  // Every regular file of this directory as its own torrent instead (see torrents()).
  std::filesystem::path media_dir;
  // The single file's name: users stream files named like media, which turns on the ends'
  // prefetch; big.bin is the control.
  std::string file_name = "big.bin";
  // A delayed swarm (bench_swarm --rtt-ms): every seeder and the tracker behind a delay proxy.
  int rtt_ms = 0;
  // Each seeder's own cap, KiB/s, comma-separated (one seeder per value); empty: rate_mib each.
  std::string rates_kib;
};

// The world (stream_bench's scenario B, player_bench --rtt-ms): 8 seeders capped at 12, 8, 6,
// 5, 4, 3, 1.5 and 0.5 MiB/s, 40 MiB/s in all, each and the tracker `rtt_ms` of round trip away.
inline constexpr double kWorldCapMib = 40.0;
inline constexpr const char* kWorldDescription =
    "8 seeders capped at 12, 8, 6, 5, 4, 3, 1.5 and 0.5 MiB/s (40 in all)";
inline SwarmSpec world_swarm(SwarmSpec spec, int rtt_ms) {
  spec.tracker = true;
  spec.rtt_ms = rtt_ms;
  spec.rates_kib = "12288,8192,6144,5120,4096,3072,1536,512";  // one seeder per value
  return spec;
}

// A SwarmSpec for one big.bin: found through a tracker or dialled directly.
inline SwarmSpec swarm_spec(std::size_t size_mib, int piece_kib, int rate_mib, bool tracker,
                            int seeders) {
  SwarmSpec spec;
  spec.size_mib = size_mib;
  spec.piece_kib = piece_kib;
  spec.rate_mib = rate_mib;
  spec.tracker = tracker;
  spec.seeders = seeders;
  return spec;
}

// One torrent the swarm seeds.
struct SeededTorrent {
  std::string hash;
  std::filesystem::path torrent_path;
  std::filesystem::path content;
};

class SwarmProcess {
 public:
  SwarmProcess(const SwarmSpec& spec, const std::filesystem::path& log_dir);

  // The first seeder's BitTorrent port (only dialled directly when !tracker()).
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] bool tracker() const { return tracker_; }
  [[nodiscard]] const std::vector<SeededTorrent>& torrents() const { return torrents_; }
  [[nodiscard]] const std::filesystem::path& input_dir() const { return input_dir_; }
  [[nodiscard]] const std::filesystem::path& content_file() const { return content_file_; }
  [[nodiscard]] const std::string& hash() const { return hash_; }
  [[nodiscard]] const std::string& torrent_file() const { return torrent_bytes_; }
  [[nodiscard]] const std::filesystem::path& torrent_path() const { return torrent_path_; }
  [[nodiscard]] std::uint64_t size() const { return size_; }  // all content files together
  // "/<hash>/<file name>"
  [[nodiscard]] std::string url() const { return "/" + hash_ + "/" + file_name_; }
  [[nodiscard]] const std::string& file_name() const { return file_name_; }

 private:
  std::unique_ptr<ChildProcess> child_;
  std::uint16_t port_ = 0;
  bool tracker_ = true;
  std::vector<SeededTorrent> torrents_;
  std::filesystem::path input_dir_;
  std::filesystem::path content_file_;
  std::string hash_;
  std::string torrent_bytes_;
  std::filesystem::path torrent_path_;
  std::uint64_t size_ = 0;
  std::string file_name_;
};

// Whether bench/run put this process in a private network namespace (SEEDER_BENCH_IN_NETNS).
bool in_private_network();

// `seeder serve` on a free port with the swarm's torrents and `data_dir`, with the README's
// default flags (see in_private_network for DHT and the rest). It finds the swarm
// through the tracker, or is given the first seeder as --peer when the swarm has no tracker;
// `offline` gives it no peer at all (a restart on downloaded data; a tracker swarm is still
// found unless the swarm is stopped).
class GatewayProcess {
 public:
  GatewayProcess(const SwarmProcess& swarm, const std::filesystem::path& data_dir,
                 const std::vector<std::string>& extra_flags, const std::filesystem::path& log_dir,
                 bool offline = false);
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::uint64_t peak_rss() const { return child_->peak_rss(); }
  [[nodiscard]] pid_t pid() const { return child_->pid(); }
  // Ends the gateway; returns its peak RSS.
  std::uint64_t stop() { return child_->stop(); }

 private:
  std::unique_ptr<ChildProcess> child_;
  std::uint16_t port_ = 0;
};

// peerflix (npm; $SEEDER_BENCH_PEERFLIX, empty for none; else `peerflix` on PATH, else
// /opt/peerflix's) streaming the swarm's torrent on a free port: the peer to beat. It joins the
// swarm as it starts and serves the torrent's largest file at /0. Ready once its HTTP port
// accepts (nothing fetched).
class PeerflixProcess {
 public:
  // The program to run, or empty when there is none (the benchmark then says so and skips it).
  static std::string binary();
  PeerflixProcess(const std::filesystem::path& torrent_path, const std::filesystem::path& scratch,
                  const std::filesystem::path& log_dir);
  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] static std::string url() { return "/0"; }

 private:
  std::unique_ptr<ChildProcess> child_;
  std::uint16_t port_ = 0;
};

}  // namespace seeder::bench
