// Process metrics: what /proc says about this process, as a scrape shows it.
#include "seeder/metrics/process_metrics.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <sstream>
#include <vector>

#include "seeder/core/unique_fd.hpp"
#include "seeder/core/version.hpp"

namespace seeder::metrics {
namespace {

// The value of the sample named exactly `name` (no labels) in a scrape; NaN when absent.
double process_metrics_value(const std::string& text, const std::string& name) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::strtod(line.c_str() + name.size() + 1, nullptr);
  }
  return std::nan("");
}

TEST(ProcessMetricsTest, OpenDescriptorsAreCountedWithoutTheListingsOwn) {
  MetricSet set;
  register_process_metrics(set);
  const auto before = process_metrics_value(set.render(), "process_open_fds");
  std::vector<UniqueFd> opened;
  for (int i = 0; i < 3; ++i)
    opened.emplace_back(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  EXPECT_EQ(process_metrics_value(set.render(), "process_open_fds"), before + 3);
  int in_proc = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    ++in_proc;
  EXPECT_EQ(process_metrics_value(set.render(), "process_open_fds"), in_proc - 1);
}

TEST(ProcessMetricsTest, MemoryIsInBytesAndTheLimitIsTheSoftOne) {
  MetricSet set;
  register_process_metrics(set);
  const auto text = set.render();
  const auto resident = process_metrics_value(text, "process_resident_memory_bytes");
  const auto virtual_bytes = process_metrics_value(text, "process_virtual_memory_bytes");
  EXPECT_GT(resident, 1 << 20) << "bytes, not pages";
  EXPECT_GT(virtual_bytes, resident);
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(process_metrics_value(text, "process_max_fds"), static_cast<double>(limit.rlim_cur));
}

TEST(ProcessMetricsTest, TheStartTimeIsSinceTheEpochAndNotInTheFuture) {
  MetricSet set;
  register_process_metrics(set);
  const auto start = process_metrics_value(set.render(), "process_start_time_seconds");
  const auto now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 24 * 3600) << "seconds since boot are not since the epoch";
}

TEST(ProcessMetricsTest, CpuTimeGrowsWithWorkAndIsZeroForNoProcess) {
  const auto before = process_cpu_seconds();
  // Busy for 100 ms of CPU (a few clock ticks).
  const auto until = std::clock() + CLOCKS_PER_SEC / 10;
  volatile std::uint64_t spin = 0;
  while (std::clock() < until)
    spin = spin + 1;
  const auto after = process_cpu_seconds();
  EXPECT_GE(after - before, 0.05);
  EXPECT_LT(after - before, 5.0) << "seconds, not clock ticks";
  EXPECT_EQ(process_cpu_seconds(999'999'999), 0.0) << "no such process";
}

TEST(ProcessMetricsTest, BuildInfoNamesTheVersionAndTheInstance) {
  MetricSet set;
  register_build_info(set, "gw-1");
  const auto text = set.render();
  EXPECT_NE(text.find("seeder_build_info{version=\"" + std::string(kVersion) +
                      "\",instance=\"gw-1\"} 1\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace seeder::metrics
