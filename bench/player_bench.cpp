// Real players through the gateway against a plain file server and peerflix, in the same run
// (issues: every new range within one swarm round trip; fast in the world). Needs Debian's
// ffmpeg, mpv and nginx (scripts/install-deps.sh --bench); Chromium and chromedriver
// (--browser) and peerflix (npm) add their rows where installed.
//
//   player_bench [--runs 3] [--rate-mib 20] [--seeders 2] [--piece-kib 256] [--rtt-ms 0]
//                [--browser 1] [--players 1] [--film 1] [--settle-ms 2000]
//
// Media, generated here with ffmpeg: 60 s of H.264/AAC MP4 with its `moov` index at the end
// (ffmpeg's default), the same with +faststart, and VP9/Opus WebM. Each is its own torrent,
// seeded by a tracker-found swarm like the real one (bench_swarm); --rtt-ms N seeds them from
// stream_bench's world instead (8 seeders capped at 12 down to 0.5 MiB/s, the seeders and the
// tracker N ms of round trip away behind delay proxies). Per file and client, through nginx
// serving the same files, a fresh gateway (empty data dir; the README's defaults, and again with
// --join-on-start, which joins at start as peerflix does) and a fresh peerflix each run, both
// measured at once and again --settle-ms after their start (a user who opens the page and then
// presses play: the swarm joined, what each fetched meanwhile on disk):
// `ffprobe` until it prints the duration; `mpv --no-config --vo=null --ao=null --start=45
// --length=2`; headless Chromium on a page of the server (the gateway's page of the torrent,
// which joins its swarm as a visit does; nginx's root otherwise), then `canplay` on a <video>
// given the URL and a seek to 45 s until `seeked` (a fresh browser profile each run). Medians and
// the differences from nginx are printed. With Chromium (--film 1): a 2-minute Matroska film,
// H.264 + AC-3 5.1, on the gateway's player page (which plays it through its HLS conversion)
// against nginx serving the MP4 an operator would have made of it, in the same run: first frame,
// a seek to 90 s, the whole film at 4x with its stalls counted, the gateway's CPU per minute of
// film and its peak RSS (see film_section). Afterwards every file is fetched whole through a
// gateway and compared with the source.
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <thread>

#include "baseline_servers.hpp"
#include "bench_util.hpp"
#include "harness.hpp"
#include "seeder/metrics/process_metrics.hpp"
#include "temp_dir.hpp"
#include "webdriver.hpp"

namespace seeder::bench {
namespace {

namespace fs = std::filesystem;

struct Options {
  int runs = 3;
  int rate_mib = 20;
  int seeders = 2;
  int piece_kib = 256;
  int rtt_ms = 0;
  bool browser = true;
  bool players = true;   // ffprobe and mpv (--players 0: only the browser's rows)
  int settle_ms = 2000;  // the "later" rows' wait between a server's start and the client's
  bool film = true;      // the browser-formats section (needs Chromium)
};

Options parse(int argc, char** argv) {
  Options options;
  parse_numeric_flags(argc, argv,
                      {{"--runs", [&](long v) { options.runs = static_cast<int>(v); }},
                       {"--rate-mib", [&](long v) { options.rate_mib = static_cast<int>(v); }},
                       {"--seeders", [&](long v) { options.seeders = static_cast<int>(v); }},
                       {"--piece-kib", [&](long v) { options.piece_kib = static_cast<int>(v); }},
                       {"--rtt-ms", [&](long v) { options.rtt_ms = static_cast<int>(v); }},
                       {"--browser", [&](long v) { options.browser = v != 0; }},
                       {"--players", [&](long v) { options.players = v != 0; }},
                       {"--settle-ms", [&](long v) { options.settle_ms = static_cast<int>(v); }},
                       {"--film", [&](long v) { options.film = v != 0; }}});
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

// ffmpeg's arguments for `seconds` of a test picture (`picture`: testsrc2's size and rate) and
// a sine tone, the outputs' arguments to follow.
std::vector<std::string> generated(const std::string& picture, int hertz, int seconds) {
  return {"/usr/bin/ffmpeg",
          "-v",
          "error",
          "-y",
          "-f",
          "lavfi",
          "-i",
          "testsrc2=" + picture,
          "-f",
          "lavfi",
          "-i",
          "sine=frequency=" + std::to_string(hertz) + ":sample_rate=48000",
          "-t",
          std::to_string(seconds)};
}

void make_media(const fs::path& dir, const fs::path& log) {
  const auto sources = generated("size=1280x720:rate=30", 440, 60);
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

// CPU seconds (user + system) of this process's children that have been waited for.
double children_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_CHILDREN, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// The film of the browser-formats section: 2 minutes of Matroska, H.264 and AC-3 5.1 sound that
// no browser decodes (the gateway's player page plays it through its HLS conversion), and the
// MP4 an operator would have made of it beforehand (picture copied, sound converted to stereo
// AAC, +faststart), which nginx serves (premade-film.mp4: each file's torrent is named by its
// stem). Returns the CPU seconds ffmpeg took for that MP4.
double make_film(const fs::path& dir, const fs::path& log) {
  auto film = generated("size=854x480:rate=24", 330, 120);
  film.insert(film.end(), {"-c:v", "libx264", "-preset", "veryfast", "-b:v", "1500k", "-g", "48",
                           "-c:a", "ac3", "-ac", "6", "-b:a", "384k", (dir / "film.mkv").string()});
  timed_run(film, log, std::chrono::seconds(900));
  const auto before = children_cpu_seconds();
  timed_run({"/usr/bin/ffmpeg", "-v", "error", "-y", "-i", (dir / "film.mkv").string(), "-c:v",
             "copy", "-c:a", "aac", "-ac", "2", "-b:a", "160k", "-movflags", "+faststart",
             (dir / "premade-film.mp4").string()},
            log, std::chrono::seconds(600));
  return children_cpu_seconds() - before;
}

std::string load(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// One measurement of a client against a URL, in seconds. `page`: where a browser goes first
// (a player is shown on a page): the gateway's page of the torrent, which joins its swarm as a
// user's visit does; for nginx and peerflix, nginx's root (peerflix joined as it started).
using Measure = std::function<double(const std::string& url, const std::string& page)>;

std::vector<std::string> ffprobe(const std::string& url) {
  return {"/usr/bin/ffprobe", "-v",  "error",   "-show_entries",
          "format=duration",  "-of", "csv=p=0", url};
}
std::vector<std::string> mpv(const std::string& url) {
  return {"/usr/bin/mpv", "--no-config", "--really-quiet", "--vo=null",
          "--ao=null",    "--start=45",  "--length=2",     url};
}

// Chromium's time from a <video>'s src to `canplay`, and then from currentTime = 45 to
// `seeked`, in a fresh browser (no cache); -1 for a seek that did not end.
struct BrowserTimes {
  double canplay_s = 0;
  double seek_s = -1;
};
// `page`: where the browser is first (from about:blank, Chromium refuses a loopback source);
// timed from the video's src, once the page has loaded.
BrowserTimes browser_times(const std::string& url, const std::string& page,
                           const fs::path& scratch) {
  fs::create_directories(scratch);
  test::Browser browser(scratch);
  browser.open(page);
  const auto result = browser.run_async(R"js(
    const done = arguments[arguments.length - 1];
    const v = document.createElement("video");
    v.muted = true;
    v.preload = "auto";
    const t0 = performance.now();
    v.addEventListener("canplay", () => {
      const canplay = performance.now() - t0;
      const t1 = performance.now();
      v.addEventListener("seeked", () => done({canplay, seek: performance.now() - t1}),
                         {once: true});
      setTimeout(() => done({canplay, seek: -1}), 30000);
      v.currentTime = 45;
    }, {once: true});
    v.addEventListener("error", () => done({error: v.error ? v.error.code : -1}), {once: true});
    setTimeout(() => done({error: "timeout"}), 60000);
    v.src = ")js" + url + R"js(";
    document.body.appendChild(v);
  )js",
                                        std::chrono::seconds(100));
  if (!result.has("canplay")) {
    const auto& error = result.at("error");
    throw std::runtime_error(
        "chromium could not play " + url + ": " +
        (error.string.empty() ? std::to_string(error.integer()) : error.string));
  }
  return {result.at("canplay").number / 1000, result.at("seek").number / 1000};
}

// The film in a fresh Chromium: from opening `page` to the first frame played (currentTime
// moving), then a seek to 90 s until it can play there (seeked, readyState >= 3), then the whole
// film from 0 at 4x, counting the stalls (`waiting`) once it plays. On the gateway's player page
// the page's own <video> plays once the page has switched to its HLS conversion (a blob: source
// from hls.js); on nginx's page a <video> of the pre-made MP4.
struct FilmTimes {
  double first_frame_s = 0;
  double seek_s = 0;
  int stalls = 0;
  bool ended = false;
};
FilmTimes film_times(const std::string& page, const std::string& mp4, const fs::path& scratch) {
  fs::create_directories(scratch);
  test::Browser browser(scratch);
  browser.open(page);
  const bool player = mp4.empty();
  const auto first = browser.run_async(R"js(
    const done = arguments[arguments.length - 1];
    const player = )js" + std::string(player ? "true" : "false") +
                                           R"js(;
    let v = document.getElementById("media");
    if (!player) {
      v = document.createElement("video");
      v.src = ")js" + mp4 + R"js(";
      document.body.appendChild(v);
    }
    v.muted = true;  // autoplay rules; muted sound is still decoded
    let asked = false;
    const check = () => {
      const notice = document.getElementById("notice");
      if (player && notice && !notice.hidden) { done({error: notice.textContent}); return; }
      if (!asked && (!player || v.src.startsWith("blob:"))) { asked = true; v.play().catch(() => {}); }
      if (asked && v.currentTime > 0 && !v.paused) { done({first: performance.now()}); return; }
      if (performance.now() > 90000) { done({error: "no frame within 90 s"}); return; }
      setTimeout(check, 10);
    };
    check();
  )js",
                                       std::chrono::seconds(100));
  if (!first.has("first"))
    throw std::runtime_error("the film did not play: " + first.at("error").string);
  const auto seek = browser.run_async(R"js(
    const done = arguments[arguments.length - 1];
    const v = document.getElementById("media") || document.querySelector("video");
    const t0 = performance.now();
    v.addEventListener("seeked", () => {
      const check = () => {
        if (v.readyState >= 3) done({seek: performance.now() - t0});
        else if (performance.now() - t0 > 60000) done({error: "no play after the seek"});
        else setTimeout(check, 10);
      };
      check();
    }, {once: true});
    v.currentTime = 90;
  )js",
                                      std::chrono::seconds(70));
  if (!seek.has("seek")) throw std::runtime_error(seek.at("error").string);
  const auto through = browser.run_async(R"js(
    const done = arguments[arguments.length - 1];
    const v = document.getElementById("media") || document.querySelector("video");
    const t0 = performance.now();
    let stalls = 0, started = false;
    v.addEventListener("waiting", () => { if (started) ++stalls; });
    v.addEventListener("ended", () => done({stalls, ended: true}), {once: true});
    const check = () => {
      if (!started && v.currentTime > 0.5) started = true;
      if (performance.now() - t0 > 90000) { done({stalls, ended: false}); return; }
      setTimeout(check, 50);
    };
    v.playbackRate = 4;
    v.currentTime = 0;
    v.play().catch(() => {});
    check();
  )js",
                                         std::chrono::seconds(100));
  return {first.at("first").number / 1000, seek.at("seek").number / 1000,
          static_cast<int>(through.at("stalls").number), through.at("ended").boolean};
}

// Issue "every video plays in the browser", its bench: the film through the gateway's player
// page against nginx's pre-made MP4, `runs` times each in turn, a fresh gateway each run.
void film_section(const SwarmProcess& swarm, const NginxServer& nginx, const fs::path& scratch,
                  int runs, double ffmpeg_cpu_s) {
  const SeededTorrent* film = nullptr;
  for (const auto& torrent : swarm.torrents())
    if (torrent.content.filename() == "film.mkv") film = &torrent;
  if (film == nullptr) return;
  std::printf(
      "film.mkv (2 min, H.264 + AC-3 5.1) on the player page (HLS conversion) against "
      "nginx serving a pre-made MP4, %d run(s)\n",
      runs);
  std::vector<double> first[2], seek[2], cpu, rss;
  std::vector<int> stalls[2];
  int ended[2] = {0, 0};
  int browsers = 0;
  for (int run = 0; run < runs; ++run) {
    for (const auto which : turn_order(2, run)) {
      const auto profile = scratch / ("film-chromium-" + std::to_string(browsers++));
      FilmTimes times;
      if (which == 0) {
        const auto root = "http://127.0.0.1:" + std::to_string(nginx.port()) + "/";
        times = film_times(root, root + "premade-film.mp4", profile);
      } else {
        GatewayProcess gateway(swarm, scratch / ("gw-film-" + std::to_string(run)), {}, scratch);
        times = film_times("http://127.0.0.1:" + std::to_string(gateway.port()) + "/" + film->hash +
                               "/film.mkv?play",
                           "", profile);
        cpu.push_back(metrics::process_cpu_seconds(gateway.pid()));
        rss.push_back(static_cast<double>(gateway.peak_rss()) / (1 << 20));
      }
      first[which].push_back(times.first_frame_s);
      seek[which].push_back(times.seek_s);
      stalls[which].push_back(times.stalls);
      ended[which] += times.ended ? 1 : 0;
    }
  }
  print_samples("  nginx, page to first frame", first[0]);
  print_samples("  seeder, player page to first frame", first[1]);
  print_figure("  first frame: seeder - nginx, medians (target <= 700 on swarm A)",
               (median(first[1]) - median(first[0])) * 1000, "ms");
  print_samples("  nginx, seek to 90 s until it can play", seek[0]);
  print_samples("  seeder, seek to 90 s until it can play", seek[1]);
  print_figure("  seek: seeder - nginx, medians (target <= 400)",
               (median(seek[1]) - median(seek[0])) * 1000, "ms");
  for (int which = 0; which < 2; ++which) {
    int total = 0;
    for (const int count : stalls[which])
      total += count;
    std::printf("  %s, whole film at 4x: %d of %d runs to the end, %d stall(s) in all\n",
                which == 0 ? "nginx" : "seeder", ended[which], runs, total);
  }
  print_figure("  seeder: CPU s per minute of film (the whole gateway, median)", median(cpu) / 2,
               "s");
  print_figure("  ffmpeg making the MP4 beforehand: CPU s per minute of film", ffmpeg_cpu_s / 2,
               "s");
  print_figure("  seeder: peak RSS (median)", median(rss), "MiB");
}

// Where a client is pointed: nginx (one for the run), or a fresh gateway or peerflix each time.
// seeder_joined: started with --join-on-start, as peerflix joins its torrent as it starts. The
// settled ones wait Options::settle_ms after the server listens before the client starts.
enum class Server { nginx, seeder, seeder_joined, peerflix, seeder_settled, peerflix_settled };
constexpr const char* kServerNames[] = {"nginx",
                                        "seeder",
                                        "seeder --join-on-start",
                                        "peerflix",
                                        "seeder --join-on-start, later",
                                        "peerflix, later"};

class Servers {
 public:
  Servers(const SwarmProcess& swarm, const NginxServer& nginx, const fs::path& scratch,
          std::chrono::milliseconds settle)
      : swarm_(swarm), nginx_(nginx), scratch_(scratch), settle_(settle) {}
  // `measure` against a fresh `server` for `torrent` (nginx is always warm: it is the floor).
  double run(Server server, const SeededTorrent& torrent, const Measure& measure) {
    const auto name = torrent.content.filename().string();
    const auto fresh = scratch_ / ("server-" + std::to_string(started_++));
    switch (server) {
      case Server::nginx:
        return measure(nginx_root() + name, nginx_root());
      case Server::seeder:
      case Server::seeder_joined:
      case Server::seeder_settled: {
        std::vector<std::string> flags;
        if (server != Server::seeder) flags.emplace_back("--join-on-start");
        GatewayProcess gateway(swarm_, fresh, flags, scratch_);
        if (server == Server::seeder_settled) std::this_thread::sleep_for(settle_);
        const auto torrent_page =
            "http://127.0.0.1:" + std::to_string(gateway.port()) + "/" + torrent.hash + "/";
        return measure(torrent_page + name, torrent_page);
      }
      case Server::peerflix:
      case Server::peerflix_settled: {
        PeerflixProcess flix(torrent.torrent_path, fresh, scratch_);
        if (server == Server::peerflix_settled) std::this_thread::sleep_for(settle_);
        return measure("http://127.0.0.1:" + std::to_string(flix.port()) + PeerflixProcess::url(),
                       nginx_root());
      }
    }
    return 0;
  }

 private:
  [[nodiscard]] std::string nginx_root() const {
    return "http://127.0.0.1:" + std::to_string(nginx_.port()) + "/";
  }
  const SwarmProcess& swarm_;
  const NginxServer& nginx_;
  fs::path scratch_;
  std::chrono::milliseconds settle_;
  int started_ = 0;
};

// Each server's median for one client on one file, and its difference from nginx's.
void report(const std::string& client, const std::vector<Server>& servers,
            const std::vector<std::vector<double>>& samples) {
  std::printf("  %s\n", client.c_str());
  const double floor = median(samples.front());
  for (std::size_t i = 0; i < servers.size(); ++i) {
    const auto name = std::string(kServerNames[static_cast<int>(servers[i])]);
    print_samples("    " + name, samples[i]);
    print_figure("    " + name + ", median", median(samples[i]) * 1000, "ms");
    if (i > 0) print_figure("    " + name + " - nginx", (median(samples[i]) - floor) * 1000, "ms");
  }
}

int run_bench(int argc, char** argv);

}  // namespace
}  // namespace seeder::bench

int main(int argc, char** argv) {
  return seeder::bench::run_main("player_bench", seeder::bench::run_bench, argc, argv);
}

namespace seeder::bench {
namespace {

int run_bench(int argc, char** argv) {
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
  const bool browser = options.browser && seeder::test::Browser::available();
  double film_cpu_s = 0;
  if (browser && options.film) {
    std::printf("player_bench: generating a 2 min Matroska film (H.264, AC-3 5.1) and its MP4\n");
    std::fflush(stdout);
    film_cpu_s = make_film(media, scratch / "ffmpeg.log");
  }

  SwarmSpec spec = swarm_spec(0, options.piece_kib, options.rate_mib, true, options.seeders);
  spec.media_dir = media;
  if (options.rtt_ms > 0) {
    spec = world_swarm(spec, options.rtt_ms);
    std::printf("swarm: the world: %s, each and the tracker %d ms of round trip away",
                kWorldDescription, options.rtt_ms);
  } else {
    std::printf("swarm: %d seeders found through a tracker, each capped at %d MiB/s",
                options.seeders, options.rate_mib);
  }
  std::printf("; %d runs, a fresh gateway (and peerflix) each, servers in turn\n", options.runs);
  SwarmProcess swarm(spec, scratch.path());
  NginxServer nginx(media, scratch.path());
  Servers servers(swarm, nginx, scratch.path(), std::chrono::milliseconds(options.settle_ms));

  std::vector<Server> compared{Server::nginx, Server::seeder, Server::seeder_joined};
  const bool peerflix = !PeerflixProcess::binary().empty();
  if (peerflix)
    compared.push_back(Server::peerflix);
  else
    std::printf("(no peerflix: npm install -g peerflix@0.39 for its rows)\n");
  if (options.settle_ms > 0) {
    std::printf("(\"later\": the client starts %d ms after the server)\n", options.settle_ms);
    compared.push_back(Server::seeder_settled);
    if (peerflix) compared.push_back(Server::peerflix_settled);
  }
  if (options.browser && !browser)
    std::printf("(no Chromium rows: scripts/install-deps.sh --browser)\n");

  // A capped seeder that has sent nothing yet has no upload quota banked, and the first peer
  // to ask waits about a second on its ticks: whoever came first would pay for everyone. So a
  // throwaway gateway asks each file's head first.
  {
    GatewayProcess warmup(swarm, scratch / "gw-warmup", {}, scratch.path());
    for (const auto& torrent : swarm.torrents())
      timed_get(warmup.port(), "/" + torrent.hash + "/" + torrent.content.filename().string(),
                "bytes=0-65535");
  }
  const std::vector<std::pair<std::string, Measure>> tools{
      {"ffprobe (until the duration)",
       [&](const std::string& url, const std::string&) {
         return timed_run(ffprobe(url), scratch / "client.log");
       }},
      {"mpv --start=45 --length=2", [&](const std::string& url, const std::string&) {
         return timed_run(mpv(url), scratch / "client.log");
       }}};
  int browsers = 0;
  for (const auto& torrent : swarm.torrents()) {
    const auto name = torrent.content.filename().string();
    if (name.find("film") != std::string::npos) continue;  // film_section's
    std::printf("%s (%.1f MiB)\n", name.c_str(),
                static_cast<double>(fs::file_size(torrent.content)) / (1 << 20));
    for (const auto& [client, measure] : tools) {
      if (!options.players) break;
      std::vector<std::vector<double>> samples(compared.size());
      for (int run = 0; run < options.runs; ++run)
        for (const auto i : turn_order(compared.size(), run))
          samples[i].push_back(servers.run(compared[i], torrent, measure));
      report(client, compared, samples);
    }
    if (!browser) continue;
    std::vector<std::vector<double>> canplay(compared.size()), seek(compared.size());
    std::vector<int> seeks_failed(compared.size());
    for (int run = 0; run < options.runs; ++run) {
      for (const auto i : turn_order(compared.size(), run)) {
        BrowserTimes times;
        servers.run(compared[i], torrent, [&](const std::string& url, const std::string& page) {
          times = browser_times(url, page, scratch / ("chromium-" + std::to_string(browsers++)));
          return times.canplay_s;
        });
        canplay[i].push_back(times.canplay_s);
        if (times.seek_s >= 0)
          seek[i].push_back(times.seek_s);
        else
          ++seeks_failed[i];
      }
    }
    report("Chromium: src to canplay", compared, canplay);
    report("Chromium: currentTime = 45 to seeked", compared, seek);
    for (std::size_t i = 0; i < compared.size(); ++i)
      if (seeks_failed[i] > 0)
        std::printf("    %s: %d seek(s) never ended (left out of the median)\n",
                    kServerNames[static_cast<int>(compared[i])], seeks_failed[i]);
  }
  if (browser && options.film) film_section(swarm, nginx, scratch.path(), options.runs, film_cpu_s);
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

}  // namespace
}  // namespace seeder::bench
