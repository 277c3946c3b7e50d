#include "observability.hpp"

#include <sys/statvfs.h>

#include <fstream>
#include <optional>

#include "seeder/core/units.hpp"

namespace seeder::app {
namespace {

using Type = metrics::MetricSet::Type;

template <class Read>
double over_open_stores(const storage::StoreRegistry& stores, Read read) {
  double total = 0;
  for (const auto& store : stores.open_stores())
    total += static_cast<double>(read(*store));
  return total;
}

}  // namespace

void register_gateway_metrics(metrics::MetricSet& metrics, const Observed& observed) {
  auto& registry = observed.registry;
  auto& stores = observed.stores;
  const auto stalls = observed.stalls;
  const auto seconds = [](const std::atomic<std::uint64_t>& micros) {
    return static_cast<double>(micros.load()) / 1e6;
  };

  metrics.callback("torrent_web_seeder_active_torrents_count", "torrents in the session",
                   Type::gauge, [&registry] { return static_cast<double>(registry.size()); });
  metrics.callback(
      "torrent_web_seeder_established_connections", "connected peers, all torrents", Type::gauge,
      [&registry] { return static_cast<double>(registry.session_figures().peers_connected); });
  metrics.callback(
      "torrent_web_seeder_half_open_connections", "peer connections being set up", Type::gauge,
      [&registry] { return static_cast<double>(registry.session_figures().peers_half_open); });
  metrics.callback("torrent_web_seeder_stall_discovery_seconds_total",
                   "reader time waiting for a first byte with no peer", Type::counter,
                   [stalls, seconds] { return seconds(stalls->discovery_us); });
  metrics.callback("torrent_web_seeder_stall_idle_seconds_total",
                   "reader time waiting for a first byte with peers", Type::counter,
                   [stalls, seconds] { return seconds(stalls->idle_us); });
  metrics.callback("torrent_web_seeder_stall_download_seconds_total",
                   "reader time waiting for a piece after the first byte", Type::counter,
                   [stalls, seconds] { return seconds(stalls->download_us); });
  metrics.callback(
      "torrent_web_seeder_cache_bytes_used", "bytes of complete pieces on disk", Type::gauge,
      [&stores] { return over_open_stores(stores, [](auto& s) { return s.bytes_on_disk(); }); });
  metrics.callback("torrent_web_seeder_cache_budget_bytes", "per-torrent cache budget (0: none)",
                   Type::gauge,
                   [budget = observed.cache_budget] { return static_cast<double>(budget); });
  if (const auto& disk = observed.stores.options().disk) {
    metrics.callback("seeder_disk_budget_bytes", "the data dir's cache budget (--cache-budget)",
                     Type::gauge, [disk] { return static_cast<double>(disk->limit()); });
    metrics.callback("seeder_disk_budget_used_bytes",
                     "bytes of complete pieces on disk, every torrent's (open or not)", Type::gauge,
                     [disk] { return static_cast<double>(disk->used()); });
  }
  metrics.callback("torrent_web_seeder_cache_evictions_total", "pieces evicted", Type::counter,
                   [&stores] { return static_cast<double>(stores.counters().pieces_evicted); });
  metrics.callback(
      "torrent_web_seeder_cache_pieces_count", "complete pieces on disk", Type::gauge,
      [&stores] { return over_open_stores(stores, [](auto& s) { return s.complete_pieces(); }); });
  metrics.callback(
      "seeder_downloaded_bytes_total", "payload bytes downloaded from peers", Type::counter,
      [&registry] { return static_cast<double>(registry.session_figures().downloaded_bytes); });
  metrics.callback(
      "seeder_uploaded_bytes_total", "payload bytes uploaded to peers", Type::counter,
      [&registry] { return static_cast<double>(registry.session_figures().uploaded_bytes); });
  metrics.callback("seeder_peers", "connected peers, all torrents", Type::gauge, [&registry] {
    return static_cast<double>(registry.session_figures().peers_connected);
  });
  metrics.callback("seeder_redundant_bytes_total",
                   "payload bytes received twice or no longer wanted", Type::counter, [&registry] {
                     return static_cast<double>(registry.session_figures().redundant_bytes);
                   });
  metrics.callback("seeder_urgent_requests_total",
                   "blocks of readers' next pieces asked of seeds beyond libtorrent's requests",
                   Type::counter,
                   [&registry] { return static_cast<double>(registry.urgent_tally().sent); });
  metrics.callback("seeder_urgent_requests_first_total",
                   "of those, blocks whose first copy came from them", Type::counter,
                   [&registry] { return static_cast<double>(registry.urgent_tally().won); });
  metrics.callback("seeder_pieces_completed_total", "pieces verified and written", Type::counter,
                   [&stores] { return static_cast<double>(stores.counters().pieces_completed); });
  metrics.callback("seeder_verified_writes_dropped_total",
                   "blocks written again into a verified piece, dropped", Type::counter, [&stores] {
                     return static_cast<double>(stores.counters().verified_writes_dropped);
                   });
  metrics.callback(
      "seeder_stale_passes_refused_total",
      "piece passes not recorded: the bytes changed after their hash", Type::counter,
      [&stores] { return static_cast<double>(stores.counters().stale_passes_refused); });
  metrics.callback("seeder_resyncs_total", "torrents re-added to forget evicted pieces",
                   Type::counter,
                   [&registry] { return static_cast<double>(registry.resyncs_total()); });
  metrics.callback("seeder_sqlite_errors_total", "failed completion commits, corrupt databases",
                   Type::counter,
                   [&stores] { return static_cast<double>(stores.counters().database_errors); });
}

namespace {

// Below this, downloads fail (a piece cannot be written) while the data dir still takes a small
// test file: readiness says the disk is full.
constexpr std::uint64_t kMinFreeBytes = 16ull << 20;

std::optional<std::uint64_t> free_bytes(const std::filesystem::path& dir) {
  struct statvfs info {};
  if (::statvfs(dir.c_str(), &info) != 0) return std::nullopt;
  return static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize;
}

}  // namespace

std::map<std::string, http::SideServer::Handler> probe_routes(std::function<bool()> listening,
                                                              std::function<bool()> session_up,
                                                              std::filesystem::path data_dir) {
  std::map<std::string, http::SideServer::Handler> routes;
  routes["/liveness"] = [] { return http::text_reply(200, "ok\n"); };
  routes["/readiness"] = [listening = std::move(listening), session_up = std::move(session_up),
                          data_dir = std::move(data_dir)] {
    std::string problems;
    if (!listening()) problems += "http: not listening\n";
    if (!session_up()) problems += "bittorrent: session not listening\n";
    if (auto writable = ensure_writable_dir(data_dir); !writable)
      problems += "data dir: " + writable.error().message + "\n";
    else if (const auto free = free_bytes(data_dir); free && *free < kMinFreeBytes)
      problems += "data dir: disk full (" + format_size(*free) + " free)\n";
    return problems.empty() ? http::text_reply(200, "ready\n") : http::text_reply(503, problems);
  };
  return routes;
}

Status ensure_writable_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return make_error(Errc::io, "data dir " + dir.string() + " cannot be created: " + ec.message());
  const auto probe = dir / ".write-test";
  {
    std::ofstream out(probe);
    out << "ok";
    if (!out) return make_error(Errc::io, "data dir " + dir.string() + " is not writable");
  }
  std::filesystem::remove(probe, ec);
  return {};
}

}  // namespace seeder::app
