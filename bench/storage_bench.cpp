// Completed-file benchmark (issue: own storage). A file downloaded once is served from disk:
// the gateway (real binary, no peer) against nginx and a plain sendfile loop serving the same
// content file, in the same run; and the time from a restart to the first byte.
//
//   storage_bench [--size-mib 1024] [--ranges 64] [--runs 3]
#include <algorithm>
#include <cstdio>
#include <random>
#include <string>

#include "baseline_servers.hpp"
#include "bench_util.hpp"
#include "harness.hpp"
#include "seeder/core/info_hash.hpp"
#include "seeder/storage/content_path.hpp"
#include "temp_dir.hpp"

namespace seeder::bench {
namespace {

struct Options {
  std::size_t size_mib = 1024;
  int ranges = 64;
  int runs = 3;
};

Options parse(int argc, char** argv) {
  Options options;
  parse_numeric_flags(
      argc, argv,
      {{"--size-mib", [&](long v) { options.size_mib = static_cast<std::size_t>(v); }},
       {"--ranges", [&](long v) { options.ranges = static_cast<int>(v); }},
       {"--runs", [&](long v) { options.runs = static_cast<int>(v); }}});
  return options;
}

struct Figures {
  double full_mib_s = 0;
  double ranges_mib_s = 0;
  double range_median_ms = 0;
};

// Median over runs of a whole-file GET, then `ranges` random 1 MiB ranges (same offsets for
// every server) on fresh connections.
Figures measure(std::uint16_t port, const std::string& url, std::uint64_t size,
                const Options& options) {
  std::vector<double> full, ranged, latency;
  for (int run = 0; run < options.runs; ++run) {
    const auto whole = timed_get(port, url, "");
    full.push_back(mib_per_s(whole.body_bytes, whole.total_s));
    std::mt19937_64 random(42);
    std::uint64_t bytes = 0;
    double seconds = 0;
    for (int i = 0; i < options.ranges; ++i) {
      const auto first = random() % (size - (1 << 20));
      const auto timing =
          timed_get(port, url,
                    "bytes=" + std::to_string(first) + "-" + std::to_string(first + (1 << 20) - 1));
      bytes += timing.body_bytes;
      seconds += timing.total_s;
      latency.push_back(timing.total_s * 1000);
    }
    ranged.push_back(mib_per_s(bytes, seconds));
  }
  return {median(full), median(ranged), median(latency)};
}

void print(const std::string& who, const Figures& figures) {
  print_figure(who + ": whole file", figures.full_mib_s, "MiB/s");
  print_figure(who + ": 1 MiB ranges", figures.ranges_mib_s, "MiB/s");
  print_figure(who + ": 1 MiB range, median latency", figures.range_median_ms, "ms");
}

}  // namespace
}  // namespace seeder::bench

int main(int argc, char** argv) {
  using namespace seeder;
  using namespace seeder::bench;
  const auto options = parse(argc, argv);
  test::TempDir scratch("seeder-bench-storage");
  const auto data = scratch / "data";
  std::printf("storage_bench: completed %zu MiB file, %d random 1 MiB ranges, median of %d runs\n",
              options.size_mib, options.ranges, options.runs);

  // Direct, one seeder: "offline" must mean no peer at all (a tracker would find one).
  SwarmProcess swarm(swarm_spec(options.size_mib, 1024, 0, /*tracker=*/false, /*seeders=*/1),
                     scratch.path());
  {
    GatewayProcess downloader(swarm, data, {}, scratch.path());
    const auto download = timed_get(downloader.port(), swarm.url(), "");
    print_figure("first download through the gateway",
                 mib_per_s(download.body_bytes, download.total_s), "MiB/s");
  }

  // Restart to first byte: a fresh process on the data dir, no peer at all.
  std::vector<double> from_exec, from_request;
  for (int run = 0; run < options.runs; ++run) {
    const auto started = Clock::now();
    GatewayProcess gateway(swarm, data, {}, scratch.path(), /*offline=*/true);
    const auto listening = Seconds(Clock::now() - started).count();
    const auto first = timed_get(gateway.port(), swarm.url(), "bytes=0-65535");
    from_exec.push_back((listening + first.first_byte_s) * 1000);
    from_request.push_back(first.first_byte_s * 1000);
  }
  std::printf("restart to first byte of the completed file (median of %d)\n", options.runs);
  print_figure("process start -> first byte", median(from_exec), "ms");
  print_figure("first request after restart -> first byte (target < 50)", median(from_request),
               "ms");

  const auto hash = *InfoHash::parse(swarm.hash());
  const auto content = storage::content_path(data, hash, 0);
  const auto relative = "/" + std::filesystem::relative(content, data).generic_string();
  std::printf("serving the completed file (%zu MiB)\n", options.size_mib);
  Figures gateway_figures;
  {
    GatewayProcess gateway(swarm, data, {}, scratch.path(), /*offline=*/true);
    gateway_figures = measure(gateway.port(), swarm.url(), swarm.size(), options);
    print("seeder", gateway_figures);
    print_figure("seeder: peak RSS", static_cast<double>(gateway.stop()) / (1 << 20), "MiB");
  }
  {
    SendfileServer plain(content);
    const auto figures = measure(plain.port(), "/", swarm.size(), options);
    print("plain sendfile loop", figures);
    print_figure("ratio seeder / sendfile loop, whole file (target >= 0.8)",
                 gateway_figures.full_mib_s / figures.full_mib_s, "x");
    print_figure("ratio seeder / sendfile loop, ranges",
                 gateway_figures.ranges_mib_s / figures.ranges_mib_s, "x");
  }
  if (nginx_available()) {
    NginxServer nginx(data, scratch.path());
    const auto figures = measure(nginx.port(), relative, swarm.size(), options);
    print("nginx", figures);
    print_figure("ratio seeder / nginx, whole file (target >= 0.8)",
                 gateway_figures.full_mib_s / figures.full_mib_s, "x");
    print_figure("ratio seeder / nginx, ranges",
                 gateway_figures.ranges_mib_s / figures.ranges_mib_s, "x");
  } else {
    std::printf("  (nginx not installed: scripts/install-deps.sh --bench)\n");
  }
  return 0;
}
