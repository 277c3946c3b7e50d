#pragma once
// The operators' side of the gateway (internal to app): what /metrics exposes and what the
// probes check.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "seeder/http/side_server.hpp"
#include "seeder/metrics/metrics.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/torrent/range_reader.hpp"
#include "seeder/torrent/registry.hpp"

namespace seeder::app {

struct Observed {
  torrent::Registry& registry;
  storage::StoreRegistry& stores;
  std::shared_ptr<torrent::StallCounters> stalls;
  std::uint64_t cache_budget = 0;
};

// Families read at scrape time from the registry, the stores and libtorrent's counters. The
// reference gateway's names are kept where it has one, so its dashboards keep working.
void register_gateway_metrics(metrics::MetricSet& metrics, const Observed& observed);

// "/liveness" (the process answers) and "/readiness" (HTTP listening, session up, data dir
// writable; 503 naming what is not).
std::map<std::string, http::SideServer::Handler> probe_routes(std::function<bool()> listening,
                                                              std::function<bool()> session_up,
                                                              std::filesystem::path data_dir);

// Creates the directory if needed and checks that a file can be written in it.
Status ensure_writable_dir(const std::filesystem::path& dir);

}  // namespace seeder::app
