#include "seeder/torrent/tracker_summary.hpp"

#include <libtorrent/announce_entry.hpp>

namespace seeder::torrent {

// One verdict per tracker over its endpoints and protocol versions: answered when any of them
// did, failed when all that tried failed, not yet otherwise.
std::string summarize_trackers(const std::vector<libtorrent::announce_entry>& trackers) {
  if (trackers.empty()) return "no tracker";
  int answered = 0;
  int failed = 0;
  std::string first_error;
  for (const auto& tracker : trackers) {
    bool ok = false;
    bool error = false;
    std::string reason;
    for (const auto& endpoint : tracker.endpoints) {
      for (const auto& announce : endpoint.info_hashes) {
        // A tracker that answered once and is announcing again still answered.
        if (announce.start_sent && announce.fails == 0) ok = true;
        if (announce.fails == 0) continue;
        error = true;
        // A tracker's own failure reason is its message; a transport error is the error's.
        if (reason.empty())
          reason = !announce.message.empty() ? announce.message
                   : announce.last_error     ? announce.last_error.message()
                                             : std::string();
      }
    }
    answered += ok ? 1 : 0;
    if (ok || !error) continue;
    ++failed;
    if (first_error.empty()) first_error = reason.empty() ? "no answer" : reason;
  }
  std::string out = "trackers: " + std::to_string(answered) + " of " +
                    std::to_string(trackers.size()) + " answered";
  if (failed > 0) out += ", " + std::to_string(failed) + " failed (" + first_error + ")";
  return out;
}

}  // namespace seeder::torrent
