#pragma once
// The process's file descriptors, split between what uses them: HTTP connections (a socket and,
// for a file body, its content file), BitTorrent peer connections, and content files kept open
// by the storage. Without a split, 400 idle HTTP clients under `ulimit -n 256` starve the
// BitTorrent listener and the storage alike (issue 10, item 4).

#include <cstddef>
#include <cstdint>

namespace seeder::app {

struct FdBudget {
  std::uint64_t limit = 0;     // the soft RLIMIT_NOFILE in force
  int http_connections = 0;    // beyond this, new HTTP connections get 503 and are closed
  int peer_connections = 0;    // libtorrent's connections_limit
  std::size_t open_files = 0;  // content files kept open (OpenFiles capacity)
};

// Raises the soft RLIMIT_NOFILE to the hard limit (process-wide; call once, from main's thread
// before any other starts). Returns the soft limit now in force.
std::uint64_t raise_fd_limit();
// The soft limit in force now.
std::uint64_t current_fd_limit();
// How `limit` descriptors are shared out; `http_connections` > 0 overrides that share.
FdBudget fd_budget(std::uint64_t limit, int http_connections = 0);

}  // namespace seeder::app
