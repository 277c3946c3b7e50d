#include "harness.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace seeder::bench {
namespace {

// The last lines a child wrote: why it did not start.
std::string log_tail(const std::filesystem::path& log) {
  std::ifstream in(log, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  constexpr std::size_t kTail = 2000;
  return text.size() > kTail ? text.substr(text.size() - kTail) : text;
}

}  // namespace

SwarmProcess::SwarmProcess(const SwarmSpec& spec, const std::filesystem::path& log_dir) {
  std::vector<std::string> argv{BENCH_SWARM_BINARY,
                                "--size-mib",
                                std::to_string(spec.size_mib),
                                "--piece-kib",
                                std::to_string(spec.piece_kib),
                                "--rate-mib",
                                std::to_string(spec.rate_mib),
                                "--multi-file",
                                spec.multi_file ? "1" : "0",
                                "--tracker",
                                spec.tracker ? "1" : "0",
                                "--seeders",
                                std::to_string(spec.seeders)};
  argv.emplace_back("--file-name");
  argv.push_back(spec.file_name);
  if (spec.rtt_ms > 0) {
    argv.emplace_back("--rtt-ms");
    argv.push_back(std::to_string(spec.rtt_ms));
  }
  if (!spec.rates_kib.empty()) {
    argv.emplace_back("--rates-kib");
    argv.push_back(spec.rates_kib);
  }
  file_name_ = spec.file_name;
  if (!spec.media_dir.empty()) {
    argv.emplace_back("--media-dir");
    argv.push_back(spec.media_dir.string());
  }
  // SEEDER_BENCH_TICK_STAGGER_MS: the seeders' tick spacing (bench_swarm --tick-stagger-ms).
  if (const char* stagger = std::getenv("SEEDER_BENCH_TICK_STAGGER_MS")) {
    argv.emplace_back("--tick-stagger-ms");
    argv.emplace_back(stagger);
  }
  // With SEEDER_BENCH_LOG_DIR, the seeders' upload limiters are logged there too, one file per
  // swarm (a benchmark may start several), named by when it started: seeders-<unix ms>.log.
  if (const char* kept = std::getenv("SEEDER_BENCH_LOG_DIR")) {
    std::filesystem::create_directories(kept);
    const auto started = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    argv.emplace_back("--limiter-log");
    argv.push_back(
        (std::filesystem::path{kept} / ("seeders-" + std::to_string(started.count()) + ".log"))
            .string());
  }
  tracker_ = spec.tracker;
  child_ = std::make_unique<ChildProcess>(argv, (log_dir / "swarm.log").string());
  for (int line = 0; line < 10'000; ++line) {
    std::istringstream words(child_->read_line(std::chrono::minutes(5)));
    std::string word;
    words >> word;
    if (word == "TORRENT") {
      SeededTorrent torrent;
      words >> torrent.hash >> torrent.torrent_path >> torrent.content;
      torrents_.push_back(std::move(torrent));
      continue;
    }
    if (word != "READY") throw std::runtime_error("bench_swarm did not start");
    words >> port_ >> input_dir_ >> content_file_ >> hash_ >> torrent_path_;
    break;
  }
  if (torrents_.empty()) throw std::runtime_error("bench_swarm seeds nothing");
  if (spec.multi_file || !spec.media_dir.empty()) file_name_ = "(several)";
  std::ifstream torrent(torrent_path_, std::ios::binary);
  torrent_bytes_.assign(std::istreambuf_iterator<char>(torrent), std::istreambuf_iterator<char>());
  if (std::filesystem::is_directory(content_file_)) {
    for (const auto& item : std::filesystem::recursive_directory_iterator(content_file_))
      if (item.is_regular_file()) size_ += item.file_size();
  } else {
    size_ = std::filesystem::file_size(content_file_);
  }
}

bool in_private_network() {
  return std::getenv("SEEDER_BENCH_IN_NETNS") != nullptr;
}

GatewayProcess::GatewayProcess(const SwarmProcess& swarm, const std::filesystem::path& data_dir,
                               const std::vector<std::string>& extra_flags,
                               const std::filesystem::path& log_dir, bool offline) {
  port_ = free_port();
  // For looking into one run: SEEDER_BENCH_GATEWAY_LOG_LEVEL (e.g. debug), more gateway flags
  // in SEEDER_BENCH_GATEWAY_FLAGS (e.g. "--log-peers"), and SEEDER_BENCH_LOG_DIR, a directory
  // that keeps every gateway's log after the bench ends.
  const char* log_level = std::getenv("SEEDER_BENCH_GATEWAY_LOG_LEVEL");
  // clang-format off
  std::vector<std::string> argv{SEEDER_BINARY, "serve",
                                "--host", "127.0.0.1", "--port", std::to_string(port_),
                                "--input", swarm.input_dir().string(),
                                "--data-dir", data_dir.string(),
                                "--bt-listen", "127.0.0.1:0",
                                "--probe-port", "0", "--metrics-port", "0",
                                "--log-level", log_level != nullptr ? log_level : "warn"};
  // clang-format on
  // The README's defaults are what users run: DHT, LSD, UPnP and NAT-PMP stay on inside the
  // private network namespace bench/run makes (nothing there leaves loopback); on the host's
  // network they would reach the Internet, so they are off.
  if (!in_private_network())
    argv.insert(argv.end(), {"--no-dht", "--no-lsd", "--no-upnp", "--no-natpmp"});
  if (!offline && !swarm.tracker()) {
    argv.emplace_back("--peer");
    argv.push_back("127.0.0.1:" + std::to_string(swarm.port()));
  }
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  if (const char* more = std::getenv("SEEDER_BENCH_GATEWAY_FLAGS")) {
    std::istringstream words{more};
    for (std::string word; words >> word;)
      argv.push_back(word);
  }
  const char* kept = std::getenv("SEEDER_BENCH_LOG_DIR");
  const auto log = kept != nullptr
                       ? std::filesystem::path{kept} / ("gateway-" + std::to_string(port_) + ".log")
                       : log_dir / "gateway.log";
  std::filesystem::create_directories(log.parent_path());
  child_ = std::make_unique<ChildProcess>(argv, log.string());
  if (!wait_for_listener(port_, std::chrono::seconds(20)))
    throw std::runtime_error("seeder did not start listening");
}

std::string PeerflixProcess::binary() {
  if (const char* given = std::getenv("SEEDER_BENCH_PEERFLIX")) return given;
  const char* path = std::getenv("PATH");
  std::istringstream dirs{path != nullptr ? path : ""};
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const auto candidate = std::filesystem::path{dir} / "peerflix";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  const std::filesystem::path local{"/opt/peerflix/node_modules/.bin/peerflix"};
  return ::access(local.c_str(), X_OK) == 0 ? local.string() : std::string{};
}

PeerflixProcess::PeerflixProcess(const std::filesystem::path& torrent_path,
                                 const std::filesystem::path& scratch,
                                 const std::filesystem::path& log_dir) {
  port_ = free_port();
  std::filesystem::create_directories(scratch);
  const auto log = log_dir / "peerflix.log";
  child_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{binary(), torrent_path.string(), "--port", std::to_string(port_),
                               "--path", scratch.string(), "--quiet"},
      log.string());
  if (!wait_for_listener(port_, std::chrono::seconds(90)))
    throw std::runtime_error("peerflix did not start listening on port " + std::to_string(port_) +
                             "; its log ends: " + log_tail(log));
}

}  // namespace seeder::bench
