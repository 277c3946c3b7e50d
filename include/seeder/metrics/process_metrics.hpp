#pragma once
// The process figures every Prometheus user expects of a service (the names of the official
// clients' process collector), read from /proc at scrape time, and seeder_build_info.

#include <string>

#include "seeder/metrics/metrics.hpp"

namespace seeder::metrics {

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds.
void register_process_metrics(MetricSet& metrics);

// User and system CPU time process `pid` (0: this one) has spent, in seconds, from
// /proc/<pid>/stat; 0 when that cannot be read.
double process_cpu_seconds(int pid = 0);

// seeder_build_info{version, instance} 1.
void register_build_info(MetricSet& metrics, const std::string& instance);

}  // namespace seeder::metrics
