// Three gateways behind nginx (the shipped deploy/nginx/seeder.conf) against one gateway dialled
// directly, in the same run (issue: past one machine). Needs nginx (nginx-light).
//
//   scale_bench [--runs 5] [--rate-mib 20] [--files 12] [--file-mib 8] [--clients 6]
//
// 1. Cold time to first byte and 1 MiB seeks (the stream bench's, on a tracker-found swarm of
//    two capped seeders, 256 MiB in 256 KiB pieces), each run with fresh gateways: one direct,
//    and three behind nginx (the torrent's instance answers). nginx must add no more than a few
//    milliseconds.
// 2. Completed files: `--files` torrents fetched once (so each is complete on its instance),
//    then `--clients` concurrent clients fetch every file twice, through nginx to three
//    instances and directly from one instance holding all of them. Every byte is compared.
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "bench_util.hpp"
#include "harness.hpp"
#include "nginx_balancer.hpp"
#include "temp_dir.hpp"

namespace seeder::bench {
namespace {

namespace fs = std::filesystem;
using test::NginxBalancer;

struct Options {
  int runs = 5;
  int rate_mib = 20;
  int files = 12;
  int file_mib = 8;
  int clients = 6;
};

Options parse(int argc, char** argv) {
  Options options;
  parse_numeric_flags(argc, argv,
                      {{"--runs", [&](long v) { options.runs = static_cast<int>(v); }},
                       {"--rate-mib", [&](long v) { options.rate_mib = static_cast<int>(v); }},
                       {"--files", [&](long v) { options.files = static_cast<int>(v); }},
                       {"--file-mib", [&](long v) { options.file_mib = static_cast<int>(v); }},
                       {"--clients", [&](long v) { options.clients = static_cast<int>(v); }}});
  return options;
}

std::string load(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Three fresh gateways on `swarm` and nginx in front of them.
struct Balanced {
  Balanced(const SwarmProcess& swarm, const fs::path& scratch, const fs::path& logs) {
    std::vector<std::uint16_t> ports;
    for (int i = 0; i < 3; ++i) {
      const auto name = "seeder-" + std::to_string(i);
      gateways.push_back(std::make_unique<GatewayProcess>(
          swarm, scratch / name, std::vector<std::string>{"--instance-name", name}, logs));
      ports.push_back(gateways.back()->port());
    }
    nginx = std::make_unique<NginxBalancer>(SEEDER_DEPLOY_DIR, ports, scratch / "nginx", "10s");
  }
  std::vector<std::unique_ptr<GatewayProcess>> gateways;
  std::unique_ptr<NginxBalancer> nginx;
};

struct Latency {
  std::vector<double> cold;
  std::vector<double> seeks;
};

// A cold GET of the head, then 1 MiB at (2k+1)/16 of the file for k = 7..0.
void measure(std::uint16_t port, const SwarmProcess& swarm, const std::string& content,
             Latency& into) {
  into.cold.push_back(timed_get(port, swarm.url(), "bytes=0-65535", std::chrono::seconds(120),
                                slice_of(content, 0, 65536))
                          .first_byte_s);
  constexpr std::uint64_t kSpan = 1 << 20;
  for (int k = 7; k >= 0; --k) {
    const auto offset = swarm.size() / 16 * static_cast<std::uint64_t>(2 * k + 1);
    const auto range = "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + kSpan - 1);
    into.seeks.push_back(timed_get(port, swarm.url(), range, std::chrono::seconds(120),
                                   slice_of(content, offset, kSpan))
                             .total_s);
  }
}

void report(const char* what, const std::vector<double>& direct,
            const std::vector<double>& balanced) {
  std::printf("%s\n", what);
  print_samples("direct", direct);
  print_samples("through nginx", balanced);
  print_figure("direct: median", median(direct) * 1000, "ms");
  print_figure("through nginx: median", median(balanced) * 1000, "ms");
  print_figure("through nginx: max", max_of(balanced) * 1000, "ms");
  print_figure("nginx adds, median", (median(balanced) - median(direct)) * 1000, "ms");
}

void latency(const Options& options, const fs::path& scratch, const fs::path& logs) {
  SwarmProcess swarm(swarm_spec(256, 256, options.rate_mib, true, 2), logs);
  const auto content = load(swarm.content_file());
  Latency direct, balanced;
  for (int run = 0; run < options.runs; ++run) {
    {
      GatewayProcess gateway(swarm, scratch / ("direct-" + std::to_string(run)), {}, logs);
      measure(gateway.port(), swarm, content, direct);
    }
    Balanced three(swarm, scratch / ("balanced-" + std::to_string(run)), logs);
    measure(three.nginx->port(), swarm, content, balanced);
  }
  std::printf(
      "cold and seeks, %d runs, fresh gateways each run, tracker swarm capped at %d MiB/s "
      "per seeder\n",
      options.runs, options.rate_mib);
  report("time to first byte, GET bytes=0-65535 on a cold torrent", direct.cold, balanced.cold);
  report("1 MiB reads at (2k+1)/16 of the file, k = 7..0", direct.seeks, balanced.seeks);
}

// Every client fetches every file twice; aggregate MiB/s over the wall time.
double serve_all(std::uint16_t port, const SwarmProcess& swarm,
                 const std::vector<std::string>& contents, int clients) {
  const auto& torrents = swarm.torrents();
  std::uint64_t bytes = 0;
  for (const auto& content : contents)
    bytes += content.size();
  bytes *= 2 * static_cast<std::uint64_t>(clients);
  const auto started = Clock::now();
  std::vector<std::thread> threads;
  for (int client = 0; client < clients; ++client) {
    threads.emplace_back([&, client] {
      for (int round = 0; round < 2; ++round) {
        for (std::size_t i = 0; i < torrents.size(); ++i) {
          const auto at = (i + static_cast<std::size_t>(client)) % torrents.size();
          const auto target =
              "/" + torrents[at].hash + "/" + torrents[at].content.filename().string();
          timed_get(port, target, "", std::chrono::seconds(120), contents[at]);
        }
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  return mib_per_s(bytes, Seconds(Clock::now() - started).count());
}

void completed_files(const Options& options, const fs::path& scratch, const fs::path& logs) {
  const auto media = scratch / "files";
  fs::create_directories(media);
  std::vector<std::string> contents;
  for (int i = 0; i < options.files; ++i) {
    std::string bytes(static_cast<std::size_t>(options.file_mib) << 20, '\0');
    for (std::size_t at = 0; at < bytes.size(); ++at)
      bytes[at] = static_cast<char>((at * 2654435761u + static_cast<std::size_t>(i)) >> 13);
    std::ofstream(media / ("file-" + std::to_string(i) + ".bin"), std::ios::binary) << bytes;
  }
  SwarmSpec spec;
  spec.media_dir = media;
  spec.rate_mib = 0;
  SwarmProcess swarm(spec, logs);
  for (const auto& torrent : swarm.torrents())
    contents.push_back(load(torrent.content));

  GatewayProcess one(swarm, scratch / "one", {}, logs);
  Balanced three(swarm, scratch / "three", logs);
  serve_all(one.port(), swarm, contents, 1);  // every file complete on disk: warm-up
  serve_all(three.nginx->port(), swarm, contents, 1);
  const auto single = serve_all(one.port(), swarm, contents, options.clients);
  const auto balanced = serve_all(three.nginx->port(), swarm, contents, options.clients);
  std::printf("completed files: %d of %d MiB, %d concurrent clients, each file twice each\n",
              options.files, options.file_mib, options.clients);
  print_figure("one instance, direct", single, "MiB/s");
  print_figure("three instances behind nginx", balanced, "MiB/s");
  print_figure("ratio three / one", balanced / single, "x");
}

}  // namespace
}  // namespace seeder::bench

int main(int argc, char** argv) {
  using namespace seeder::bench;
  if (seeder::test::nginx_binary().empty()) {
    std::fprintf(stderr, "scale_bench: nginx is not installed (scripts/install-deps.sh --bench)\n");
    return 2;
  }
  const auto options = parse(argc, argv);
  seeder::test::TempDir logs("seeder-bench-logs");
  seeder::test::TempDir scratch("seeder-bench-scale");
  std::printf(
      "scale_bench: 3 gateways behind nginx (deploy/nginx/seeder.conf) against 1 direct, "
      "%u core(s)\n",
      std::thread::hardware_concurrency());
  if (options.runs > 0) latency(options, scratch.path(), logs.path());
  completed_files(options, scratch.path(), logs.path());
  return 0;
}
