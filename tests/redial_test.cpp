// Redial: when a torrent that lost its peers dials them again, and how often.
#include <gtest/gtest.h>

#include "seeder/torrent/redial.hpp"

namespace seeder::torrent {
namespace {

using namespace std::chrono_literals;

TEST(RedialTest, AFreshTorrentIsNeverRedialledItIsDiallingAlready) {
  Redial redial;
  EXPECT_FALSE(redial.needed(true, 0));
}

TEST(RedialTest, ATorrentThatLostItsPeersIsRedialledOnlyWhileItWantsPieces) {
  Redial redial;
  redial.peer_connected();
  EXPECT_TRUE(redial.needed(true, 0));
  EXPECT_FALSE(redial.needed(false, 0)) << "nothing wanted: nothing to dial for";
  EXPECT_FALSE(redial.needed(true, 1)) << "a peer is connected";
}

TEST(RedialTest, KicksAreRateLimitedAndAskedAgainAfterAWhile) {
  Redial redial;
  const Redial::Clock::time_point start{10s};
  EXPECT_TRUE(redial.retry_due(start)) << "never kicked";
  EXPECT_TRUE(redial.may_kick(start));
  EXPECT_FALSE(redial.may_kick(start + Redial::kMinGap - 1ms));
  EXPECT_TRUE(redial.may_kick(start + Redial::kMinGap));
  const auto kicked = start + Redial::kMinGap;
  EXPECT_FALSE(redial.retry_due(kicked + Redial::kRetryAfter - 1ms));
  EXPECT_TRUE(redial.retry_due(kicked + Redial::kRetryAfter));
}

}  // namespace
}  // namespace seeder::torrent
