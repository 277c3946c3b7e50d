#include "seeder/metrics/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "seeder/core/version.hpp"

namespace seeder::metrics {
namespace {

// The fields of /proc/<pid>/stat (0: this process's) after the command name (which may hold
// spaces), from field 3 (state) on; empty when it cannot be read.
std::vector<std::string> stat_fields(int pid = 0) {
  std::ifstream in("/proc/" + (pid == 0 ? std::string("self") : std::to_string(pid)) + "/stat");
  std::string line;
  std::getline(in, line);
  const auto close = line.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(line.substr(close + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;)
    fields.push_back(field);
  return fields;
}

// Field `n` of proc(5)'s numbering (1-based, "pid" is 1) as a number; 0 when absent.
double stat_field(const std::vector<std::string>& fields, std::size_t n) {
  const auto index = n - 3;
  if (n < 3 || index >= fields.size()) return 0;
  return std::strtod(fields[index].c_str(), nullptr);
}

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double value = 0;
      in >> value;
      return value;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

double open_fds() {
  std::error_code ec;
  double count = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++count;
  return count > 0 ? count - 1 : 0;  // less the directory's own fd, open while it is listed
}

}  // namespace

double process_cpu_seconds(int pid) {
  const auto fields = stat_fields(pid);
  return (stat_field(fields, 14) + stat_field(fields, 15)) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

void register_process_metrics(MetricSet& metrics) {
  const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const auto page = static_cast<double>(sysconf(_SC_PAGESIZE));
  metrics.callback("process_cpu_seconds_total", "user and system CPU time spent, in seconds",
                   MetricSet::Type::counter, [] { return process_cpu_seconds(); });
  metrics.callback("process_resident_memory_bytes", "resident memory, in bytes",
                   MetricSet::Type::gauge, [page] { return stat_field(stat_fields(), 24) * page; });
  metrics.callback("process_virtual_memory_bytes", "virtual memory, in bytes",
                   MetricSet::Type::gauge, [] { return stat_field(stat_fields(), 23); });
  metrics.callback("process_open_fds", "open file descriptors", MetricSet::Type::gauge,
                   [] { return open_fds(); });
  metrics.callback("process_max_fds", "the limit of open file descriptors", MetricSet::Type::gauge,
                   [] {
                     rlimit limit{};
                     getrlimit(RLIMIT_NOFILE, &limit);
                     return static_cast<double>(limit.rlim_cur);
                   });
  // Read once: it does not change.
  const auto start = boot_time_seconds() + stat_field(stat_fields(), 22) / ticks;
  metrics.callback("process_start_time_seconds", "start time since the Unix epoch, in seconds",
                   MetricSet::Type::gauge, [start] { return start; });
}

void register_build_info(MetricSet& metrics, const std::string& instance) {
  metrics.callback(
      "seeder_build_info", "always 1; the labels say what runs where", MetricSet::Type::gauge,
      [instance] {
        return std::vector<Sample>{{{{"version", kVersion}, {"instance", instance}}, 1.0}};
      });
}

}  // namespace seeder::metrics
