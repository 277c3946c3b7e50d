#include "seeder/app/fd_budget.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace seeder::app {
namespace {

// Listeners, epoll, SQLite databases (with -wal and -shm), pipes, logs: never for clients.
constexpr std::uint64_t kReserved = 96;
constexpr int kMaxPeers = 400;  // libtorrent's share on a large limit
constexpr std::size_t kMaxOpenFiles = 128;
constexpr int kMaxHttp = 16384;

}  // namespace

std::uint64_t raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    auto raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

std::uint64_t current_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  return static_cast<std::uint64_t>(limit.rlim_cur);
}

FdBudget fd_budget(std::uint64_t limit, int http_connections) {
  FdBudget budget;
  budget.limit = limit;
  const auto usable = limit > kReserved ? limit - kReserved : std::uint64_t{16};
  budget.peer_connections = static_cast<int>(std::clamp<std::uint64_t>(usable / 4, 8, kMaxPeers));
  budget.open_files =
      static_cast<std::size_t>(std::clamp<std::uint64_t>(usable / 8, 8, kMaxOpenFiles));
  const auto left =
      usable > static_cast<std::uint64_t>(budget.peer_connections) + budget.open_files
          ? usable - static_cast<std::uint64_t>(budget.peer_connections) - budget.open_files
          : std::uint64_t{16};
  // Two descriptors a connection: its socket and the content file it sends from.
  budget.http_connections =
      http_connections > 0 ? http_connections
                           : static_cast<int>(std::clamp<std::uint64_t>(left / 2, 8, kMaxHttp));
  return budget;
}

}  // namespace seeder::app
