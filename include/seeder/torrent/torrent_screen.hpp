#pragma once
// Screens .torrent bytes before libtorrent parses them: a shape that would make parsing itself a
// denial of service is refused with a reason. libtorrent's torrent_info numbers file names that
// clash (after its own clean-up of odd bytes) by trying name.1, name.2, ... in turn
// (resolve_duplicate_filenames_slow): 240,000 clashing names took minutes of a core per parse,
// on every restart too. Counting them first is linear.
//
// Pure function; any thread.

#include <cstddef>
#include <string_view>

#include "seeder/core/result.hpp"

namespace seeder::torrent {

struct ScreenLimits {
  std::size_t max_files = 1'000'000;
  // Files whose path equals an earlier file's once made safe (storage::safe_file_path).
  std::size_t max_clashing_names = 2'000;
};

// Errc::bad_request with the reason when `bytes` is a torrent over the limits; ok otherwise
// (bytes that are no torrent at all are left to libtorrent to refuse).
Status screen_torrent(std::string_view bytes, const ScreenLimits& limits = {});

}  // namespace seeder::torrent
