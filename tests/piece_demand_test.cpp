#include "seeder/torrent/piece_demand.hpp"

#include <gtest/gtest.h>

namespace seeder::torrent {
namespace {

TEST(PieceDemandTest, ReadersSharingAPieceAreCountedAndTheLastOneReleasesIt) {
  PieceDemand demand(8);
  EXPECT_TRUE(demand.want(3, 2).first);
  EXPECT_FALSE(demand.want(3, 4).first);
  EXPECT_EQ(demand.readers_of(3), 2);
  EXPECT_FALSE(demand.unwant(3));
  EXPECT_TRUE(demand.demanded(3));
  EXPECT_TRUE(demand.unwant(3));
  EXPECT_FALSE(demand.demanded(3));
  EXPECT_FALSE(demand.unwant(3)) << "a piece nobody wants is not released twice";
  EXPECT_TRUE(demand.wanted().empty());
}

TEST(PieceDemandTest, BandsMapToPrioritiesAndOnlyEverBecomeMoreUrgent) {
  PieceDemand demand(8);
  EXPECT_TRUE(demand.want(1, 5).more_urgent);
  EXPECT_EQ(demand.reader_priority(1), 3);
  EXPECT_FALSE(demand.want(1, 6).more_urgent);
  EXPECT_EQ(demand.reader_priority(1), 3);
  EXPECT_FALSE(demand.raise(1, 5));
  EXPECT_TRUE(demand.raise(1, 3));
  EXPECT_EQ(demand.reader_priority(1), 4);
  EXPECT_TRUE(demand.raise(1, 0));
  EXPECT_EQ(demand.reader_priority(1), std::nullopt) << "band 0 is left to its deadline";
  EXPECT_FALSE(demand.raise(2, 1)) << "nobody wants piece 2";
  EXPECT_EQ(demand.reader_priority(2), std::nullopt);
}

TEST(PieceDemandTest, ALastReleaseForgetsTheBand) {
  PieceDemand demand(4);
  demand.want(0, 1);
  demand.unwant(0);
  demand.want(0, 6);
  EXPECT_EQ(demand.reader_priority(0), 3) << "the band of a reader gone must not stay";
}

// Every band of a reader's window is more urgent than the ends of a media file: a seek's own
// range first.
TEST(PieceDemandTest, EveryBandOfAWindowGoesBeforeTheEnds) {
  PieceDemand demand(16);
  for (int band = 1; band < PieceDemand::kUrgencyBands; ++band) {
    demand.want(band, band);
    EXPECT_GT(demand.reader_priority(band), PieceDemand::kEndsPriority) << "band " << band;
  }
}

TEST(PieceDemandTest, APrefetchAtTopPriorityStaysThereUnderAFarWindow) {
  PieceDemand demand(16);
  demand.prefetch(15, PieceDemand::kTopPriority);  // a ?warmup
  demand.want(15, 6);
  EXPECT_EQ(demand.reader_priority(15), PieceDemand::kTopPriority);
  demand.want(14, 6);
  EXPECT_EQ(demand.reader_priority(14), 3);
}

TEST(PieceDemandTest, APrefetchKeepsItsHighestPriorityUntilForgotten) {
  PieceDemand demand(4);
  demand.prefetch(2, 1);
  demand.prefetch(2, 6);
  demand.prefetch(2, 3);
  EXPECT_EQ(demand.prefetches().at(2), 6);
  EXPECT_TRUE(demand.any());
  demand.forget_prefetch(2);
  EXPECT_FALSE(demand.any());
}

TEST(PieceDemandTest, AReleasedPieceGoesBackToWhatItWasBeforeAReaderCame) {
  PieceDemand demand(4);
  demand.prefetch(1, 6);
  EXPECT_EQ(demand.released_priority(1, true), 6) << "an end stays an end";
  EXPECT_EQ(demand.released_priority(2, true), 1) << "the background's lowest";
  EXPECT_EQ(demand.released_priority(3, false), 0) << "not wanted at all";
}

}  // namespace
}  // namespace seeder::torrent
