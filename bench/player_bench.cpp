// Real players through the gateway against a plain file server, in the same run (issue: every
// new range within one swarm round trip, item 2). Needs Debian's ffmpeg and mpv and nginx
// (scripts/install-deps.sh --bench).
//
//   player_bench [--runs 3] [--rate-mib 20] [--seeders 2] [--piece-kib 256]
//
// Media, generated here with ffmpeg: 60 s of H.264/AAC MP4 with its `moov` index at the end
// (ffmpeg's default), the same with +faststart, and VP9/Opus WebM. Each is its own torrent,
// seeded by a tracker-found swarm like the real one (bench_swarm). Per file: `ffprobe` until it
// prints the duration, and `mpv --no-config --vo=null --ao=null --start=45 --length=2`, through
// nginx serving the same files and through a fresh gateway (empty data dir) each run; medians
// and the differences are printed. Afterwards every file is fetched whole through a gateway and
// compared with the source.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "baseline_servers.hpp"
#include "bench_util.hpp"
#include "harness.hpp"
#include "temp_dir.hpp"

namespace seeder::bench {
namespace {

namespace fs = std::filesystem;

struct Options {
  int runs = 3;
  int rate_mib = 20;
  int seeders = 2;
  int piece_kib = 256;
};

Options parse(int argc, char** argv) {
  Options options;
  parse_numeric_flags(argc, argv,
                      {{"--runs", [&](long v) { options.runs = static_cast<int>(v); }},
                       {"--rate-mib", [&](long v) { options.rate_mib = static_cast<int>(v); }},
                       {"--seeders", [&](long v) { options.seeders = static_cast<int>(v); }},
                       {"--piece-kib", [&](long v) { options.piece_kib = static_cast<int>(v); }}});
  return options;
}

// Runs a command to its end (at most `timeout`); its wall time in seconds. Throws on failure.
double timed_run(const std::vector<std::string>& argv, const fs::path& log,
                 std::chrono::seconds timeout = std::chrono::seconds(120)) {
  const auto started = Clock::now();
  test::ChildProcess child(argv, log.string());
  const auto code = child.wait_exit(timeout);
  if (!code || *code != 0)
    throw std::runtime_error(argv.front() + " failed or timed out (see " + log.string() + ")");
  return Seconds(Clock::now() - started).count();
}

void make_media(const fs::path& dir, const fs::path& log) {
  const std::vector<std::string> sources{"/usr/bin/ffmpeg",
                                         "-v",
                                         "error",
                                         "-y",
                                         "-f",
                                         "lavfi",
                                         "-i",
                                         "testsrc2=size=1280x720:rate=30",
                                         "-f",
                                         "lavfi",
                                         "-i",
                                         "sine=frequency=440:sample_rate=48000",
                                         "-t",
                                         "60"};
  auto with = [&](std::vector<std::string> tail) {
    auto argv = sources;
    argv.insert(argv.end(), tail.begin(), tail.end());
    return argv;
  };
  const std::vector<std::string> h264{"-c:v", "libx264", "-preset", "veryfast", "-b:v", "2M",
                                      "-g",   "60",      "-c:a",    "aac",      "-b:a", "128k"};
  auto moov_end = h264;
  moov_end.push_back((dir / "moov-at-end.mp4").string());
  timed_run(with(moov_end), log, std::chrono::seconds(600));
  auto faststart = h264;
  faststart.insert(faststart.end(), {"-movflags", "+faststart", (dir / "faststart.mp4").string()});
  timed_run(with(faststart), log, std::chrono::seconds(600));
  timed_run(with({"-vf", "scale=640:360", "-c:v", "libvpx-vp9", "-b:v", "1M", "-deadline",
                  "realtime", "-cpu-used", "8", "-row-mt", "1", "-g", "60", "-c:a", "libopus",
                  "-b:a", "96k", (dir / "clip.webm").string()}),
            log, std::chrono::seconds(900));
}

std::string load(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Client {
  const char* name;
  std::vector<std::string> (*argv)(const std::string& url);
};

std::vector<std::string> ffprobe(const std::string& url) {
  return {"/usr/bin/ffprobe", "-v",  "error",   "-show_entries",
          "format=duration",  "-of", "csv=p=0", url};
}
std::vector<std::string> mpv(const std::string& url) {
  return {"/usr/bin/mpv", "--no-config", "--really-quiet", "--vo=null",
          "--ao=null",    "--start=45",  "--length=2",     url};
}

}  // namespace
}  // namespace seeder::bench

int main(int argc, char** argv) {
  using namespace seeder::bench;
  const auto options = parse(argc, argv);
  for (const char* tool : {"/usr/bin/ffmpeg", "/usr/bin/ffprobe", "/usr/bin/mpv"}) {
    if (::access(tool, X_OK) != 0) {
      std::fprintf(stderr, "player_bench: %s is missing: run scripts/install-deps.sh --bench\n",
                   tool);
      return 2;
    }
  }
  seeder::test::TempDir scratch("seeder-bench-player");
  const auto media = scratch / "media";
  fs::create_directories(media);
  std::printf("player_bench: generating 60 s of MP4 (moov at the end), MP4 (+faststart), WebM\n");
  std::fflush(stdout);
  make_media(media, scratch / "ffmpeg.log");

  SwarmSpec spec = swarm_spec(0, options.piece_kib, options.rate_mib, true, options.seeders);
  spec.media_dir = media;
  SwarmProcess swarm(spec, scratch.path());
  NginxServer nginx(media, scratch.path());
  std::printf(
      "swarm: %d seeders found through a tracker, each capped at %d MiB/s; %d runs, a "
      "fresh gateway each\n",
      options.seeders, options.rate_mib, options.runs);

  const Client clients[] = {{"ffprobe (until the duration)", ffprobe},
                            {"mpv --start=45 --length=2", mpv}};
  int gateways = 0;
  for (const auto& torrent : swarm.torrents()) {
    const auto name = torrent.content.filename().string();
    std::printf("%s (%.1f MiB)\n", name.c_str(),
                static_cast<double>(fs::file_size(torrent.content)) / (1 << 20));
    for (const auto& client : clients) {
      std::vector<double> plain, gateway;
      for (int run = 0; run < options.runs; ++run) {
        plain.push_back(
            timed_run(client.argv("http://127.0.0.1:" + std::to_string(nginx.port()) + "/" + name),
                      scratch / "client.log"));
        GatewayProcess server(swarm, scratch / ("gw-" + std::to_string(gateways++)), {},
                              scratch.path());
        gateway.push_back(
            timed_run(client.argv("http://127.0.0.1:" + std::to_string(server.port()) + "/" +
                                  torrent.hash + "/" + name),
                      scratch / "client.log"));
      }
      std::printf("  %s\n", client.name);
      print_figure("    nginx, median", median(plain) * 1000, "ms");
      print_figure("    seeder, median", median(gateway) * 1000, "ms");
      print_figure("    seeder - nginx", (median(gateway) - median(plain)) * 1000, "ms");
    }
  }
  // Every byte: each file whole through a fresh gateway, compared with the source.
  GatewayProcess server(swarm, scratch / "gw-check", {}, scratch.path());
  for (const auto& torrent : swarm.torrents()) {
    const auto name = torrent.content.filename().string();
    timed_get(server.port(), "/" + torrent.hash + "/" + name, "", std::chrono::seconds(300),
              load(torrent.content));
  }
  std::printf("every file fetched whole through the gateway matches its source\n");
  return 0;
}
