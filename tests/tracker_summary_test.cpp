// summarize_trackers: one verdict per tracker over its endpoints and protocol versions.
#include <gtest/gtest.h>

#include <libtorrent/announce_entry.hpp>

#include "seeder/torrent/tracker_summary.hpp"

namespace seeder::torrent {
namespace {

TEST(TrackerSummary, OneVerdictPerTrackerOverItsEndpoints) {
  EXPECT_EQ(summarize_trackers({}), "no tracker");
  libtorrent::announce_entry answered("http://a.example/announce");
  libtorrent::announce_endpoint both;
  both.info_hashes[libtorrent::protocol_version::V1].start_sent = true;  // v1 answered
  both.info_hashes[libtorrent::protocol_version::V2].fails =
      2;  // v2 did not: the tracker still answered
  answered.endpoints.push_back(both);
  libtorrent::announce_entry refused("http://b.example/announce");
  libtorrent::announce_endpoint failing;
  failing.info_hashes[libtorrent::protocol_version::V1].fails = 1;
  failing.info_hashes[libtorrent::protocol_version::V1].last_error =
      boost::asio::error::connection_refused;
  refused.endpoints.push_back(failing);
  libtorrent::announce_entry silent("udp://c.example:6969");  // not asked yet
  EXPECT_EQ(summarize_trackers({answered, refused, silent}),
            "trackers: 1 of 3 answered, 1 failed (" +
                boost::system::error_code(boost::asio::error::connection_refused).message() + ")");
  // A tracker's own refusal reads as what it said; one announcing again still answered.
  libtorrent::announce_entry says_no("http://d.example/announce");
  libtorrent::announce_endpoint no;
  no.info_hashes[libtorrent::protocol_version::V1].fails = 1;
  no.info_hashes[libtorrent::protocol_version::V1].message = "torrent not registered";
  says_no.endpoints.push_back(no);
  auto again = answered;
  again.endpoints[0].info_hashes[libtorrent::protocol_version::V1].updating = true;
  EXPECT_EQ(summarize_trackers({says_no, again}),
            "trackers: 1 of 2 answered, 1 failed (torrent not registered)");
}

}  // namespace
}  // namespace seeder::torrent
