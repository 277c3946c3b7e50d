#include "seeder/torrent/libtorrent_belief.hpp"

#include <gtest/gtest.h>

#include "piece_bits.hpp"

namespace lt = libtorrent;

namespace seeder::torrent {
namespace {

lt::typed_bitfield<lt::piece_index_t> told(int num_pieces, std::initializer_list<int> had) {
  lt::typed_bitfield<lt::piece_index_t> bits(num_pieces, false);
  for (const int piece : had)
    bits.set_bit(lt::piece_index_t(piece));
  return bits;
}

TEST(LibtorrentBeliefTest, APieceToldAndThenEvictedIsStale) {
  PieceMap disk(4);
  const auto record = test::PieceBits::followed_by(disk);
  LibtorrentBelief belief(disk);
  record->set(1);
  belief.reset(told(4, {1}));
  EXPECT_EQ(belief.count(), 1);
  EXPECT_FALSE(belief.stale(1));
  EXPECT_FALSE(belief.lacks(1));
  record->clear(1);
  EXPECT_TRUE(belief.stale(1));
  EXPECT_FALSE(belief.lacks(1)) << "a deadline on a believed piece waits for nothing";
  EXPECT_EQ(belief.stale_count(), 1);
}

TEST(LibtorrentBeliefTest, APieceOnDiskNotToldIsNeitherStaleNorLacking) {
  PieceMap disk(4);
  const auto record = test::PieceBits::followed_by(disk);
  LibtorrentBelief belief(disk);
  record->set(2);
  belief.reset(told(4, {}));
  EXPECT_FALSE(belief.stale(2));
  EXPECT_FALSE(belief.lacks(2));
  EXPECT_TRUE(belief.lacks(3));
}

TEST(LibtorrentBeliefTest, APassingPieceIsNotStaleUntilTheStoreHasSpoken) {
  PieceMap disk(4);
  const auto record = test::PieceBits::followed_by(disk);
  LibtorrentBelief belief(disk);
  belief.verified(0);
  EXPECT_TRUE(belief.believes(0));
  EXPECT_FALSE(belief.stale(0)) << "verified, not yet recorded";
  EXPECT_FALSE(belief.end_pass(1)) << "only the passing piece ends its pass";
  EXPECT_TRUE(belief.end_pass(0));
  EXPECT_TRUE(belief.stale(0)) << "refused by the store";
  record->set(0);
  EXPECT_FALSE(belief.stale(0));
}

TEST(LibtorrentBeliefTest, CountsEachPieceOnceAndAResetStartsOver) {
  PieceMap disk(4);
  const auto record = test::PieceBits::followed_by(disk);
  LibtorrentBelief belief(disk);
  belief.verified(3);
  belief.end_pass(3);
  belief.verified(3);
  EXPECT_EQ(belief.count(), 1);
  belief.reset(told(4, {0, 1}));
  EXPECT_EQ(belief.count(), 2);
  EXPECT_FALSE(belief.believes(3));
  EXPECT_TRUE(belief.believes(0));
}

}  // namespace
}  // namespace seeder::torrent
