// bench_swarm: the seeding side of a benchmark, in its own process so that its disk I/O does not
// share an address space (and mmap lock) with the gateway under test.
//
//   bench_swarm --size-mib N --piece-kib N [--rate-mib N] [--seeders N] [--tracker 0|1]
//               [--multi-file 1] [--media-dir DIR] [--content-dir DIR] [--tick-stagger-ms N]
//               [--limiter-log FILE] [--rtt-ms N] [--rates-kib A,B,...]
//
// What it seeds: one single-file torrent (big.bin, N MiB); with --multi-file 1 the soak pack
// (one multi-file torrent whose movie is N MiB, see write_soak_pack); with --media-dir every
// regular file of DIR as its own torrent; with --content-dir DIR one multi-file torrent of DIR as
// it is (the churn soak writes random layouts there).
//
// How: --seeders libtorrent sessions (default 2) with libtorrent's default settings (TCP and
// uTP), each capped at --rate-mib MiB/s of upload that really applies to loopback peers. With
// --tracker 1 (the default) the torrents name an HTTP tracker this process runs on 127.0.0.1
// and the seeders announce to it: a gateway finds them as it would in the real world. With
// --tracker 0 the torrents have no tracker and the gateway is told the first seeder's port.
//
// Tick phases: a rate-limited libtorrent seeder refills its upload quota only on its session
// tick (500 ms by default), so a request that finds the quota spent waits for that seeder's next
// tick. Real seeders were started at unrelated times and tick at unrelated phases; sessions
// started back to back in one process tick together, and then every seeder stalls at once,
// which no real swarm does. So each session starts --tick-stagger-ms after the one before
// (default: the tick spread evenly over the seeders, the expected spacing of random phases;
// 0 models the worst case of all seeders in step).
//
// --limiter-log FILE: every 10 ms, for each seeder whose figures moved, one line
// "<unix ms> seeder <i> sent <payload bytes> (+<since last>) waiting <peers> <bytes>" from
// libtorrent's session counters (net.limiter_up_queue/_bytes: what waits for upload quota). The
// gateway's peer log (t= is unix ms too) then shows which seeder a stalled read waited on.
//
// A delayed swarm, --rtt-ms N (the world: a tracker-found swarm over long links): each seeder
// sits behind its own DelayProxy adding N/2 ms each way, and so does the tracker. The tracker
// hands out only the proxies' addresses, and the seeders accept peers only from the proxies
// (127.0.0.2) and never dial one, so no client can bypass a proxy by learning a seeder's own
// port. --rates-kib A,B,... gives each seeder its own upload cap (KiB/s; one seeder per value,
// overriding --rate-mib and --seeders). Needs --tracker 1.
//
// Prints one line "TORRENT <info-hash> <torrent-file> <content>" per torrent, then
// "READY <bt-port> <input-dir> <content> <info-hash> <torrent-file>" for the first torrent
// (<bt-port>: the first seeder's), then seeds until SIGTERM arrives (also sent when the
// benchmark that started it dies).
#include <sys/prctl.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <libtorrent/alert_types.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_stats.hpp>

#include "delay_proxy.hpp"
#include "swarm.hpp"
#include "tracker.hpp"

namespace {

namespace fs = std::filesystem;
namespace lt = libtorrent;
using seeder::test::TorrentSpec;

struct Flags {
  std::size_t size = std::size_t{64} << 20;
  int piece_size = 256 * 1024;
  int rate_mib = 0;
  int seeders = 2;
  bool tracker = true;
  bool multi_file = false;
  fs::path media_dir;
  fs::path content_dir;
  fs::path limiter_log;
  std::string file_name = "big.bin";  // the single file's name: a media name turns on what a
                                      // player's read turns on (the file ends' prefetch)
  int tick_stagger_ms = -1;           // -1: libtorrent's default tick interval / seeders
  int rtt_ms = 0;                     // 0: no delay proxies
  std::vector<int> rates_kib;         // per seeder; empty: --rate-mib for each of --seeders
};

std::vector<int> parse_list(const std::string& text) {
  std::vector<int> values;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(',', start), text.size());
    values.push_back(std::stoi(text.substr(start, end - start)));
    start = end + 1;
  }
  return values;
}

constexpr int kDefaultTickIntervalMs = 500;  // settings_pack::tick_interval's default

Flags parse(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--media-dir") {
      flags.media_dir = value;
      continue;
    }
    if (flag == "--content-dir") {
      flags.content_dir = value;
      continue;
    }
    if (flag == "--limiter-log") {
      flags.limiter_log = value;
      continue;
    }
    if (flag == "--file-name") {
      flags.file_name = value;
      continue;
    }
    if (flag == "--rates-kib") {
      flags.rates_kib = parse_list(value);
      flags.seeders = static_cast<int>(flags.rates_kib.size());
      continue;
    }
    const long number = std::stol(value);
    if (flag == "--size-mib") flags.size = static_cast<std::size_t>(number) << 20;
    if (flag == "--piece-kib") flags.piece_size = static_cast<int>(number) * 1024;
    if (flag == "--rate-mib") flags.rate_mib = static_cast<int>(number);
    if (flag == "--seeders") flags.seeders = std::max(1, static_cast<int>(number));
    if (flag == "--tracker") flags.tracker = number != 0;
    if (flag == "--multi-file") flags.multi_file = number != 0;
    if (flag == "--tick-stagger-ms") flags.tick_stagger_ms = std::max(0, static_cast<int>(number));
    if (flag == "--rtt-ms") flags.rtt_ms = std::max(0, static_cast<int>(number));
  }
  if (flags.rates_kib.empty())
    flags.rates_kib.assign(static_cast<std::size_t>(flags.seeders), flags.rate_mib * 1024);
  if (flags.rtt_ms > 0) flags.tracker = true;
  if (flags.tick_stagger_ms < 0) flags.tick_stagger_ms = kDefaultTickIntervalMs / flags.seeders;
  return flags;
}

// Sizes are odd on purpose: files end mid-piece and mid-page, so every range that reaches a
// file's end crosses into the next file's bytes inside one piece, and the last partial page of
// each file is served. One file is empty and one is a single byte.
void write_soak_pack(const fs::path& top, std::size_t movie_size) {
  using seeder::test::random_bytes;
  using seeder::test::write_file;
  struct File {
    const char* path;
    std::size_t size;
  };
  const File files[] = {
      {"movie.mkv", movie_size + 4321},
      {"extras/making-of.mp4", (8u << 20) - 1000},
      {"extras/trailer.mp4", (3u << 20) + 517},
      {"extras/interview.mp4", (1u << 20) + 1},
      {"cover.jpg", 300'001},
      {"sample.bin", 65'537},
      {"subs/en.srt", 12'345},
      {"subs/fr.srt", 54'321},
      {"info.nfo", 4'095},
      {"readme.txt", 4'097},
      {"one-byte.txt", 1},
      {"empty.txt", 0},
  };
  std::uint32_t seed = 100;
  for (const auto& file : files)
    write_file(top / file.path, random_bytes(file.size, seed++));
}

struct Seeded {
  fs::path content;
  std::string label;
  seeder::test::TestTorrent torrent;
};

// The content to seed, as (content path, label) pairs; content's parent is the save path.
std::vector<Seeded> make_content(const Flags& flags, const fs::path& root) {
  std::vector<Seeded> items;
  if (!flags.media_dir.empty()) {
    for (const auto& entry : fs::directory_iterator(flags.media_dir))
      if (entry.is_regular_file())
        items.push_back({entry.path(), entry.path().stem().string(), {}});
  } else if (!flags.content_dir.empty()) {
    items.push_back({flags.content_dir, flags.content_dir.filename().string(), {}});
  } else if (flags.multi_file) {
    write_soak_pack(root / "content" / "soak-pack", flags.size);
    items.push_back({root / "content" / "soak-pack", "soak-pack", {}});
  } else {
    seeder::test::write_file(root / "content" / flags.file_name,
                             seeder::test::random_bytes(flags.size, 1));
    items.push_back({root / "content" / flags.file_name, "big-v1", {}});
  }
  return items;
}

// Samples the seeders' upload limiters until `stop` (see --limiter-log). Runs on its own thread
// and only posts to and pops alerts from the sessions, which are thread-safe calls.
void log_limiters(const std::vector<std::unique_ptr<seeder::test::SeedSession>>& seeders,
                  const fs::path& path, const std::atomic<bool>& stop) {
  std::unique_ptr<FILE, int (*)(FILE*)> out(std::fopen(path.c_str(), "w"), &std::fclose);
  if (!out) {
    std::fprintf(stderr, "bench_swarm: cannot write %s\n", path.c_str());
    return;
  }
  const int sent = lt::find_metric_idx("net.sent_payload_bytes");
  const int waiting = lt::find_metric_idx("net.limiter_up_queue");
  const int waiting_bytes = lt::find_metric_idx("net.limiter_up_bytes");
  std::vector<std::int64_t> last_sent(seeders.size()), last_waiting(seeders.size());
  while (!stop) {
    // Stamped when asked: each session reads its counters as soon as it takes the request.
    const auto unix_ms = std::chrono::duration<double, std::milli>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
    for (const auto& session : seeders)
      session->native().post_session_stats();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (std::size_t i = 0; i < seeders.size(); ++i) {
      std::vector<lt::alert*> alerts;
      seeders[i]->native().pop_alerts(&alerts);
      for (const auto* alert : alerts) {
        const auto* stats = lt::alert_cast<lt::session_stats_alert>(alert);
        if (stats == nullptr) continue;
        const auto counters = stats->counters();
        if (counters[sent] == last_sent[i] && counters[waiting] == last_waiting[i]) continue;
        std::fprintf(out.get(), "%.1f seeder %zu sent %lld (+%lld) waiting %lld %lld\n", unix_ms, i,
                     static_cast<long long>(counters[sent]),
                     static_cast<long long>(counters[sent] - last_sent[i]),
                     static_cast<long long>(counters[waiting]),
                     static_cast<long long>(counters[waiting_bytes]));
        last_sent[i] = counters[sent];
        last_waiting[i] = counters[waiting];
      }
    }
    std::fflush(out.get());
  }
}

}  // namespace

int main(int argc, char** argv) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlive the benchmark that started it
  const auto flags = parse(argc, argv);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  seeder::test::TempDir root("seeder-bench-swarm");
  const auto input_dir = root / "input";
  fs::create_directories(input_dir);
  std::unique_ptr<seeder::test::Tracker> tracker;
  if (flags.tracker) tracker = std::make_unique<seeder::test::Tracker>();
  const std::chrono::milliseconds one_way{flags.rtt_ms / 2};
  std::unique_ptr<seeder::bench::DelayProxy> tracker_proxy;
  std::vector<std::unique_ptr<seeder::bench::DelayProxy>> seeder_proxies;
  std::string announce_url = tracker ? tracker->announce_url() : std::string{};
  if (flags.rtt_ms > 0) {
    tracker_proxy = std::make_unique<seeder::bench::DelayProxy>(tracker->port(), one_way);
    announce_url = "http://127.0.0.1:" + std::to_string(tracker_proxy->port()) + "/announce";
  }

  auto items = make_content(flags, root.path());
  if (items.empty()) {
    std::fprintf(stderr, "bench_swarm: nothing to seed\n");
    return 2;
  }
  const TorrentSpec spec{TorrentSpec::Kind::v1_only, flags.piece_size, announce_url};
  for (auto& item : items)
    item.torrent = seeder::test::build(item.content, input_dir, spec, item.label);

  std::vector<std::unique_ptr<seeder::test::SeedSession>> seeders;
  std::fprintf(stderr, "bench_swarm: %d seeder(s), session ticks %d ms apart\n", flags.seeders,
               flags.tick_stagger_ms);
  for (int i = 0; i < flags.seeders; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(flags.tick_stagger_ms));
    auto session = std::make_unique<seeder::test::SeedSession>();
    const int rate_kib = flags.rates_kib.at(static_cast<std::size_t>(i));
    if (rate_kib > 0) session->limit_upload(rate_kib * 1024);
    if (flags.rtt_ms > 0) {
      // Hidden before it announces: no peer may learn its own port.
      session->only_reachable_from("127.0.0.2");
      seeder_proxies.push_back(
          std::make_unique<seeder::bench::DelayProxy>(session->port(), one_way));
      tracker->hide_behind(session->port(), seeder_proxies.back()->port());
    }
    for (const auto& item : items)
      session->seed(item.torrent.torrent_file, item.content.parent_path());
    std::fprintf(stderr, "bench_swarm: seeder %d on port %u, capped at %d KiB/s%s\n", i,
                 session->port(), rate_kib,
                 flags.rtt_ms > 0 ? (", behind a delay proxy on port " +
                                     std::to_string(seeder_proxies.back()->port()))
                                        .c_str()
                                  : "");
    seeders.push_back(std::move(session));
  }

  for (const auto& item : items) {
    std::printf("TORRENT %s %s %s\n", item.torrent.hash.hex().c_str(),
                (input_dir / (item.label + ".torrent")).c_str(), item.content.c_str());
  }
  const auto& first = items.front();
  const auto first_port =
      seeder_proxies.empty() ? seeders.front()->port() : seeder_proxies.front()->port();
  std::printf("READY %u %s %s %s %s\n", first_port, input_dir.c_str(), first.content.c_str(),
              first.torrent.hash.hex().c_str(), (input_dir / (first.label + ".torrent")).c_str());
  std::fflush(stdout);
  std::atomic<bool> stop_logging{false};
  std::thread limiter_logger;
  if (!flags.limiter_log.empty())
    limiter_logger = std::thread([&] { log_limiters(seeders, flags.limiter_log, stop_logging); });
  int signal = 0;
  sigwait(&signals, &signal);
  stop_logging = true;
  if (limiter_logger.joinable()) limiter_logger.join();
  for (std::size_t i = 0; i < seeder_proxies.size(); ++i)
    std::fprintf(stderr, "bench_swarm: seeder %zu's proxy relayed %llu connection(s)\n", i,
                 static_cast<unsigned long long>(seeder_proxies[i]->connections()));
  return 0;
}
