#pragma once
// What a torrent's trackers said, as the pages and timeout messages print it. Pure: the
// announce entries are libtorrent's, read on the blocking pool (torrent_handle::trackers blocks).

#include <string>
#include <vector>

namespace libtorrent {
struct announce_entry;
}

namespace seeder::torrent {

// One verdict per tracker over its endpoints and protocol versions, as one line: "no tracker",
// "trackers: 1 of 2 answered, 1 failed (<the first error>)".
std::string summarize_trackers(const std::vector<libtorrent::announce_entry>& trackers);

}  // namespace seeder::torrent
