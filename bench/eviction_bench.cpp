// Cache-budget benchmark (issue: eviction). Streams a file through the gateway (real binary,
// its own process) with and without a per-torrent cache budget, in the same run:
// peak RSS, peak on-disk bytes of the content (sampled), throughput against the run without a
// budget, and the latency of a seek back into evicted data.
//
//   eviction_bench [--size-mib 1024] [--budget-mib 64] [--piece-kib 256] [--readahead-mib 20]

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include "allocation_sampler.hpp"
#include "bench_util.hpp"
#include "harness.hpp"
#include "seeder/core/info_hash.hpp"
#include "seeder/storage/content_path.hpp"
#include "temp_dir.hpp"

namespace seeder::bench {
namespace {

struct Options {
  std::size_t size_mib = 1024;
  std::uint64_t budget_mib = 64;
  int piece_kib = 256;
  std::uint64_t readahead_mib = 20;
  int runs = 3;
};

Options parse(int argc, char** argv) {
  Options options;
  parse_numeric_flags(
      argc, argv,
      {{"--size-mib", [&](long v) { options.size_mib = static_cast<std::size_t>(v); }},
       {"--budget-mib", [&](long v) { options.budget_mib = static_cast<std::uint64_t>(v); }},
       {"--piece-kib", [&](long v) { options.piece_kib = static_cast<int>(v); }},
       {"--readahead-mib", [&](long v) { options.readahead_mib = static_cast<std::uint64_t>(v); }},
       {"--runs", [&](long v) { options.runs = static_cast<int>(v); }}});
  return options;
}

struct Run {
  double mib_s = 0;
  std::uint64_t peak_rss = 0;
  std::uint64_t peak_disk = 0;
  double seek_back_ms = 0;
};

Run stream(const SwarmProcess& swarm, const std::filesystem::path& data, const Options& options,
           std::uint64_t budget, const std::filesystem::path& logs) {
  GatewayProcess gateway(swarm, data,
                         {"--per-torrent-cache-budget", std::to_string(budget), "--max-readahead",
                          std::to_string(options.readahead_mib << 20)},
                         logs);
  test::AllocationSampler sampler(storage::content_path(data, *InfoHash::parse(swarm.hash()), 0));
  const auto whole = timed_get(gateway.port(), swarm.url(), "");
  Run run;
  run.mib_s = mib_per_s(whole.body_bytes, whole.total_s);
  // Back to a quarter of the way in: long evicted when there is a budget.
  const auto back = swarm.size() / 4;
  run.seek_back_ms =
      timed_get(gateway.port(), swarm.url(),
                "bytes=" + std::to_string(back) + "-" + std::to_string(back + (1 << 20) - 1))
          .total_s *
      1000;
  run.peak_disk = sampler.stop();
  run.peak_rss = gateway.stop();
  return run;
}

// Each figure's median over the runs (peaks: the largest).
Run median_run(const std::vector<Run>& runs) {
  Run out;
  std::vector<double> rates, seeks;
  for (const auto& run : runs) {
    rates.push_back(run.mib_s);
    seeks.push_back(run.seek_back_ms);
    out.peak_rss = std::max(out.peak_rss, run.peak_rss);
    out.peak_disk = std::max(out.peak_disk, run.peak_disk);
  }
  out.mib_s = median(rates);
  out.seek_back_ms = median(seeks);
  return out;
}

}  // namespace
}  // namespace seeder::bench

int main(int argc, char** argv) {
  using namespace seeder::bench;
  const auto options = parse(argc, argv);
  seeder::test::TempDir scratch("seeder-bench-eviction");
  std::printf(
      "eviction_bench: %zu MiB file, %d KiB pieces, budget %llu MiB, read-ahead %llu MiB, median "
      "of %d runs\n",
      options.size_mib, options.piece_kib, static_cast<unsigned long long>(options.budget_mib),
      static_cast<unsigned long long>(options.readahead_mib), options.runs);
  // Direct, one unthrottled seeder: this measures the budget, not the swarm.
  SwarmProcess swarm(swarm_spec(options.size_mib, options.piece_kib, 0, /*tracker=*/false, 1),
                     scratch.path());
  // Interleaved runs, medians: neighbours on a shared machine swing single runs by 2x.
  std::vector<Run> unlimited_runs, budgeted_runs;
  for (int run = 0; run < options.runs; ++run) {
    const auto suffix = "-" + std::to_string(run);
    unlimited_runs.push_back(
        stream(swarm, scratch / ("data-unlimited" + suffix), options, 0, scratch.path()));
    budgeted_runs.push_back(stream(swarm, scratch / ("data-budget" + suffix), options,
                                   options.budget_mib << 20, scratch.path()));
    std::filesystem::remove_all(scratch / ("data-unlimited" + suffix));
    std::filesystem::remove_all(scratch / ("data-budget" + suffix));
  }
  const auto unlimited = median_run(unlimited_runs);
  const auto budgeted = median_run(budgeted_runs);
  const double mib = 1 << 20;
  const auto bound = (options.budget_mib + options.readahead_mib) * (1ull << 20) +
                     static_cast<std::uint64_t>(options.piece_kib) * 1024;
  std::printf("without a budget\n");
  print_figure("throughput", unlimited.mib_s, "MiB/s");
  print_figure("peak RSS", static_cast<double>(unlimited.peak_rss) / mib, "MiB");
  print_figure("peak on disk", static_cast<double>(unlimited.peak_disk) / mib, "MiB");
  print_figure("1 MiB seek back (on disk)", unlimited.seek_back_ms, "ms");
  std::printf("with a %llu MiB budget\n", static_cast<unsigned long long>(options.budget_mib));
  print_figure("throughput", budgeted.mib_s, "MiB/s");
  print_figure("ratio to no budget (target >= 0.8)", budgeted.mib_s / unlimited.mib_s, "x");
  print_figure("peak RSS (target < 150)", static_cast<double>(budgeted.peak_rss) / mib, "MiB");
  print_figure("peak on disk", static_cast<double>(budgeted.peak_disk) / mib, "MiB");
  print_figure("bound: budget + read-ahead + one piece", static_cast<double>(bound) / mib, "MiB");
  print_figure("1 MiB seek back into evicted data", budgeted.seek_back_ms, "ms");
  return 0;
}
