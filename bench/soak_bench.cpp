// Soak benchmark (issue 10, "Prove it"). Many concurrent clients read random ranges of every
// file of a multi-file torrent through the real gateway (its own process) for minutes, twice in
// one invocation: without a cache budget, then with one. Every body byte is checked against the
// source; the gateway's descriptors and resident set are sampled every second.
//
//   soak_bench [--seconds 120] [--clients 200] [--budget 16] [--quick]
//
// --budget is in MiB (--per-torrent-cache-budget); --quick means 15 s and 50 clients (flags
// given with it still win). Exits 1 when any byte was wrong, a response was framed wrongly, or
// a run checked nothing.
#include <dirent.h>
#include <sys/types.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "bench_util.hpp"
#include "harness.hpp"
#include "soak_load.hpp"
#include "temp_dir.hpp"

namespace seeder::bench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

struct Options {
  int seconds = 120;
  int clients = 200;
  std::uint64_t budget_mib = 16;
  std::size_t movie_mib = 64;
  int piece_kib = 256;
};

Options parse(int argc, char** argv) {
  Options options;
  std::vector<char*> numeric{argv[0]};
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--quick") {
      options.seconds = 15;
      options.clients = 50;
    } else {
      numeric.push_back(argv[i]);
    }
  }
  parse_numeric_flags(
      static_cast<int>(numeric.size()), numeric.data(),
      {{"--seconds", [&](long v) { options.seconds = static_cast<int>(v); }},
       {"--clients", [&](long v) { options.clients = static_cast<int>(v); }},
       {"--budget", [&](long v) { options.budget_mib = static_cast<std::uint64_t>(v); }}});
  return options;
}

struct ProcessSample {
  double at_s = 0;
  std::uint64_t rss = 0;       // VmRSS: anonymous memory and mapped content pages
  std::uint64_t rss_anon = 0;  // RssAnon: heap, stacks, buffers
  std::size_t fds = 0;
};

ProcessSample sample_process(pid_t pid, double at_s) {
  ProcessSample sample{at_s, 0, 0};
  const auto proc = "/proc/" + std::to_string(pid);
  if (DIR* dir = ::opendir((proc + "/fd").c_str())) {
    while (const auto* entry = ::readdir(dir))
      sample.fds += entry->d_name[0] == '.' ? 0 : 1;
    ::closedir(dir);
  }
  std::ifstream status(proc + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) sample.rss = std::stoull(line.substr(6)) * 1024;
    if (line.rfind("RssAnon:", 0) == 0) sample.rss_anon = std::stoull(line.substr(8)) * 1024;
  }
  return sample;
}

// Samples a process's descriptor count and resident set once a second on its own thread, from
// construction until stop().
class ProcessSampler {
 public:
  explicit ProcessSampler(pid_t pid)
      : pid_(pid), started_(Clock::now()), thread_([this] { run(); }) {}
  ~ProcessSampler() { stop(); }
  ProcessSampler(const ProcessSampler&) = delete;
  ProcessSampler& operator=(const ProcessSampler&) = delete;

  std::vector<ProcessSample> stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    return samples_;
  }

 private:
  void run() {
    std::unique_lock lock(mutex_);
    for (auto next = started_; !stopping_; next += std::chrono::seconds(1)) {
      lock.unlock();
      auto sample = sample_process(pid_, Seconds(Clock::now() - started_).count());
      lock.lock();
      samples_.push_back(sample);
      wake_.wait_until(lock, next + std::chrono::seconds(1), [this] { return stopping_; });
    }
  }

  pid_t pid_;
  Clock::time_point started_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;               // guarded by mutex_
  std::vector<ProcessSample> samples_;  // guarded by mutex_ until the thread is joined
  std::thread thread_;
};

struct RunResult {
  LoadTally tally;
  std::vector<ProcessSample> samples;
  std::size_t fds_before = 0;      // listening, no client yet
  std::size_t fds_after = 0;       // a few seconds after the clients left
  std::uint64_t peak_rss = 0;      // VmHWM over the gateway's life
  std::vector<std::string> log;    // the gateway's stderr (it runs at --log-level warn)
  std::filesystem::path kept_log;  // a copy outside the scratch dir, when the run had trouble
};

bool troubled(const LoadTally& t) {
  std::uint64_t server_errors = 0;
  for (const auto& [status, count] : t.by_status)
    server_errors += status >= 500 ? count : 0;
  return t.wrong_bytes + t.framing_errors + t.timeouts_head + t.timeouts_body + t.transport_errors +
             server_errors >
         0;
}

// Copies the gateway's log to $TMPDIR/seeder-soak-logs/<run>-gateway.log, which the scratch
// dir's removal spares.
std::filesystem::path keep_log(const std::filesystem::path& dir) {
  const auto kept = std::filesystem::temp_directory_path() / "seeder-soak-logs" /
                    (dir.filename().string() + "-gateway.log");
  std::filesystem::create_directories(kept.parent_path());
  std::filesystem::copy_file(dir / "gateway.log", kept,
                             std::filesystem::copy_options::overwrite_existing);
  return kept;
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

RunResult soak(const SwarmProcess& swarm, const std::vector<SourceFile>& files,
               const Options& options, std::uint64_t budget, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::vector<std::string> flags;
  if (budget > 0) flags = {"--per-torrent-cache-budget", std::to_string(budget)};
  GatewayProcess gateway(swarm, dir / "data", flags, dir);
  RunResult result;
  result.fds_before = sample_process(gateway.pid(), 0).fds;
  ProcessSampler sampler(gateway.pid());
  LoadOptions load;
  load.port = gateway.port();
  load.clients = options.clients;
  load.duration = std::chrono::seconds(options.seconds);
  result.tally = run_soak_load(load, files);
  std::this_thread::sleep_for(std::chrono::seconds(3));  // the gateway sees every close
  result.fds_after = sample_process(gateway.pid(), 0).fds;
  result.samples = sampler.stop();
  // VmHWM from /proc, not the rusage of the reaped child: posix_spawn's child shares this
  // process's address space until exec, and Linux carries that high-water mark into ru_maxrss.
  result.peak_rss = gateway.peak_rss();
  gateway.stop();
  result.log = read_lines(dir / "gateway.log");
  if (troubled(result.tally)) result.kept_log = keep_log(dir);
  return result;
}

// A log line without spdlog's "[time] [logger] " prefix.
std::string without_prefix(const std::string& line) {
  std::size_t at = 0;
  for (int i = 0; i < 2 && at != std::string::npos; ++i) {
    at = line.find("] ", at);
    if (at != std::string::npos) at += 2;
  }
  return at == std::string::npos ? line : line.substr(at);
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto at = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[at];
}

void print_count(const std::string& name, std::uint64_t value) {
  std::string dots(name.size() < 48 ? 48 - name.size() : 1, '.');
  std::printf("  %s %s %10llu\n", name.c_str(), dots.c_str(),
              static_cast<unsigned long long>(value));
}

// Every `every_s` seconds: the gateway's RSS, anonymous RSS and fds at that moment, and the
// responses and body MiB per second of the interval that ends there.
void print_series(const std::vector<ProcessSample>& samples, const LoadTally& tally, int every_s) {
  std::string times = "    t (s)   ", rss = "    RSS MiB ", anon = "    anon MiB",
              fds = "    fds     ", responses = "    resp/s  ", rate = "    MiB/s   ";
  const auto every = static_cast<std::size_t>(every_s);
  const auto cell = [](std::string& row, double value) {
    char text[32];
    std::snprintf(text, sizeof text, " %5.0f", value);
    row += text;
  };
  for (std::size_t i = 0; i < samples.size(); i += every) {
    cell(times, samples[i].at_s);
    cell(rss, static_cast<double>(samples[i].rss) / kMiB);
    cell(anon, static_cast<double>(samples[i].rss_anon) / kMiB);
    cell(fds, static_cast<double>(samples[i].fds));
    std::uint64_t done = 0, bytes = 0;
    for (std::size_t s = i >= every ? i - every : 0; s < i && s < tally.responses_by_second.size();
         ++s) {
      done += tally.responses_by_second[s];
      bytes += tally.body_bytes_by_second[s];
    }
    cell(responses, static_cast<double>(done) / every_s);
    cell(rate, static_cast<double>(bytes) / kMiB / every_s);
  }
  for (const auto* row : {&times, &rss, &anon, &fds, &responses, &rate})
    std::printf("%s\n", row->c_str());
}

void print_run(const RunResult& result, const std::vector<SourceFile>& files, int seconds) {
  const auto& t = result.tally;
  print_count("responses", t.responses);
  std::printf("  responses by status:");
  for (const auto& [status, count] : t.by_status)
    std::printf("  %u: %llu", status, static_cast<unsigned long long>(count));
  std::printf("\n");
  print_count("wrong bytes (must be 0)", t.wrong_bytes);
  print_count("requests with wrong bytes (must be 0)", t.requests_with_wrong_bytes);
  print_count("framing errors (must be 0)", t.framing_errors);
  print_count("hung up mid-body on purpose", t.hung_up);
  print_count("left unread for 1 s", t.stalled);
  print_count("idle 75 s before the head (timeout)", t.timeouts_head);
  print_count("idle 75 s mid-body (timeout)", t.timeouts_body);
  print_count("transport errors", t.transport_errors);
  print_count("in flight at the end", t.cut_by_deadline);
  const auto least = std::min_element(t.responses_per_file.begin(), t.responses_per_file.end());
  std::printf("  least-hit file: %s, %llu responses\n",
              files[static_cast<std::size_t>(least - t.responses_per_file.begin())].path.c_str(),
              static_cast<unsigned long long>(*least));
  print_figure("first byte p50", percentile(t.first_byte_s, 0.5) * 1000, "ms");
  print_figure("first byte p99", percentile(t.first_byte_s, 0.99) * 1000, "ms");
  print_figure("whole response p50", percentile(t.total_s, 0.5) * 1000, "ms");
  print_figure("whole response p99", percentile(t.total_s, 0.99) * 1000, "ms");
  print_figure("throughput (body bytes)", mib_per_s(t.body_bytes, t.seconds), "MiB/s");
  print_figure("responses per second", static_cast<double>(t.responses) / t.seconds, "/s");
  std::size_t peak_fds = 0;
  std::uint64_t peak_anon = 0;
  for (const auto& sample : result.samples) {
    peak_fds = std::max(peak_fds, sample.fds);
    peak_anon = std::max(peak_anon, sample.rss_anon);
  }
  print_figure("gateway peak RSS (VmHWM)", static_cast<double>(result.peak_rss) / kMiB, "MiB");
  print_figure("gateway peak anonymous RSS (sampled)", static_cast<double>(peak_anon) / kMiB,
               "MiB");
  print_count("gateway fds before the clients came", result.fds_before);
  print_count("gateway fds peak (sampled each second)", peak_fds);
  print_count("gateway fds 3 s after the clients left", result.fds_after);
  print_count("gateway log lines (warn and above)", result.log.size());
  for (std::size_t i = 0; i < std::min<std::size_t>(result.log.size(), 3); ++i)
    std::printf("    %.200s\n", without_prefix(result.log[i]).c_str());
  print_series(result.samples, t, seconds >= 60 ? 10 : 5);
  if (!result.kept_log.empty()) std::printf("  gateway log kept: %s\n", result.kept_log.c_str());
  std::fflush(stdout);
}

bool passed(const LoadTally& tally) {
  return tally.wrong_bytes == 0 && tally.requests_with_wrong_bytes == 0 &&
         tally.framing_errors == 0 && tally.responses > 0;
}

}  // namespace
}  // namespace seeder::bench

int main(int argc, char** argv) {
  using namespace seeder::bench;
  const auto options = parse(argc, argv);
  seeder::test::TempDir scratch("seeder-bench-soak");
  SwarmSpec spec;
  spec.size_mib = options.movie_mib;
  spec.piece_kib = options.piece_kib;
  spec.multi_file = true;
  // Direct, one unthrottled seeder: the soak loads the gateway, not the swarm.
  spec.tracker = false;
  spec.seeders = 1;
  SwarmProcess swarm(spec, scratch.path());
  const auto files = load_sources(swarm.content_file(), swarm.hash());
  std::printf(
      "soak_bench: %zu files, %.1f MiB, %d KiB pieces; %d clients for %d s per run, random "
      "ranges, every byte checked\n",
      files.size(), static_cast<double>(swarm.size()) / kMiB, options.piece_kib, options.clients,
      options.seconds);
  std::fflush(stdout);

  const auto budget = options.budget_mib << 20;
  bool ok = true;
  for (const auto with_budget : {false, true}) {
    if (with_budget)
      std::printf("run 2: --per-torrent-cache-budget %lluMB\n",
                  static_cast<unsigned long long>(options.budget_mib));
    else
      std::printf("run 1: no cache budget\n");
    std::fflush(stdout);
    const auto dir = scratch / (with_budget ? "run-budget" : "run-unlimited");
    const auto result = soak(swarm, files, options, with_budget ? budget : 0, dir);
    print_run(result, files, options.seconds);
    ok = passed(result.tally) && ok;
    std::filesystem::remove_all(dir / "data");
  }
  std::printf("%s\n", ok ? "soak: every byte right" : "soak: FAILED (see the figures above)");
  return ok ? 0 : 1;
}
