// InterestKeeper: what a connection to a seed is told beyond libtorrent's own interest. Pure
// logic: the connection's state and the clock are the test's.
#include <gtest/gtest.h>

#include "seeder/torrent/interest_keeper.hpp"

namespace seeder::torrent {
namespace {

using namespace std::chrono_literals;
using Say = InterestKeeper::Say;

class InterestKeeperTest : public ::testing::Test {
 protected:
  // An established connection to a seed that libtorrent is not interested in.
  InterestKeeper::Connection idle_seed_{false, true, true, false};
  InterestKeeper keeper_;
  InterestKeeper::Clock::time_point now_ = InterestKeeper::Clock::now();
};

TEST_F(InterestKeeperTest, AnIdleSeedHearsInterestedOnceWhileTheTorrentKeepsInterest) {
  keeper_.seed_active(now_);
  EXPECT_EQ(keeper_.reconcile(idle_seed_, true, now_), Say::interested);
  EXPECT_TRUE(keeper_.announced());
  EXPECT_EQ(keeper_.reconcile(idle_seed_, true, now_ + 1s), Say::nothing);
}

TEST_F(InterestKeeperTest, ItIsTakenBackWhenTheTorrentStopsKeepingInterest) {
  ASSERT_EQ(keeper_.reconcile(idle_seed_, true, now_), Say::interested);
  EXPECT_EQ(keeper_.reconcile(idle_seed_, false, now_ + 1s), Say::not_interested);
  EXPECT_FALSE(keeper_.announced());
  EXPECT_EQ(keeper_.reconcile(idle_seed_, false, now_ + 2s), Say::nothing);
}

TEST_F(InterestKeeperTest, BeforeTheSeedsSixtySecondsARunOutTheInterestIsSaidAgain) {
  ASSERT_EQ(keeper_.reconcile(idle_seed_, true, now_), Say::interested);
  EXPECT_EQ(keeper_.reconcile(idle_seed_, true, now_ + 44s), Say::nothing);
  EXPECT_EQ(keeper_.reconcile(idle_seed_, true, now_ + 46s), Say::not_interested_then_interested);
  EXPECT_EQ(keeper_.reconcile(idle_seed_, true, now_ + 47s), Say::nothing) << "counted again";
  // The seed's own activity (an unchoke, a block, our request) restarts the count too.
  keeper_.seed_active(now_ + 80s);
  EXPECT_EQ(keeper_.reconcile(idle_seed_, true, now_ + 100s), Say::nothing);
}

TEST_F(InterestKeeperTest, AChokedConnectionCannotTimeOutAndIsNotRefreshed) {
  ASSERT_EQ(keeper_.reconcile(idle_seed_, true, now_), Say::interested);
  auto choked = idle_seed_;
  choked.peer_choked = true;
  EXPECT_EQ(keeper_.reconcile(choked, true, now_ + 120s), Say::nothing);
}

TEST_F(InterestKeeperTest, WhatLibtorrentSaysItselfWins) {
  ASSERT_EQ(keeper_.reconcile(idle_seed_, true, now_), Say::interested);
  // libtorrent wants a piece: it said INTERESTED, and nothing is added while it is interested.
  keeper_.libtorrent_spoke();
  EXPECT_FALSE(keeper_.announced()) << "the seed heard libtorrent last";
  auto wanting = idle_seed_;
  wanting.libtorrent_interested = true;
  EXPECT_EQ(keeper_.reconcile(wanting, false, now_ + 1s), Say::nothing);
  EXPECT_EQ(keeper_.reconcile(wanting, true, now_ + 100s), Say::nothing);
  // It said NOT_INTERESTED again: the seed hears INTERESTED right after.
  keeper_.libtorrent_spoke();
  EXPECT_EQ(keeper_.reconcile(idle_seed_, true, now_ + 101s), Say::interested);
}

TEST_F(InterestKeeperTest, NotASeedOrNotEstablishedHearsNothing) {
  auto leecher = idle_seed_;
  leecher.seed = false;
  EXPECT_EQ(keeper_.reconcile(leecher, true, now_), Say::nothing);
  auto handshaking = idle_seed_;
  handshaking.established = false;
  EXPECT_EQ(keeper_.reconcile(handshaking, true, now_), Say::nothing);
  EXPECT_FALSE(keeper_.announced());
}

}  // namespace
}  // namespace seeder::torrent
