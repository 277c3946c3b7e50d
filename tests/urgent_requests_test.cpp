#include "seeder/torrent/urgent_requests.hpp"

#include <tuple>

#include <gtest/gtest.h>

namespace seeder::torrent {
namespace {

using namespace std::chrono_literals;
using Time = UrgentRequests::Time;

constexpr int kBlock = UrgentRequests::kBlockSize;
constexpr std::int64_t kPiece = 4 * kBlock;

struct FakeConnection : UrgentRequests::Connection {
  bool serves = true;
  bool rejects = false;                         // the fast extension
  std::vector<std::tuple<int, int, int>> sent;  // piece, offset, length
  [[nodiscard]] bool can_serve(int) const override { return serves; }
  void send_request(int piece, int offset, int length) override {
    sent.emplace_back(piece, offset, length);
  }
  [[nodiscard]] bool rejects_what_it_drops() const override { return rejects; }
  [[nodiscard]] bool was_sent(int piece, int block) const {
    return std::find(sent.begin(), sent.end(), std::make_tuple(piece, block * kBlock, kBlock)) !=
           sent.end();
  }
};

class UrgentRequestsTest : public ::testing::Test {
 protected:
  std::shared_ptr<UrgentTally> tally_ = std::make_shared<UrgentTally>();
  UrgentRequests board_{{kPiece, 10 * kPiece}, tally_};
  Time now_ = Time{} + 1h;

  // Puts `connection` on the board, then shows its pace: two pieces of its own (8 and 9, then 6
  // and 7, ...) delivered after a round trip of `rtt`, one block each `gap`.
  void add_paced(FakeConnection& connection, std::chrono::milliseconds rtt,
                 std::chrono::milliseconds gap) {
    constexpr int kBlocks = 8;
    board_.add(connection);
    const int first = next_paced_piece_;
    next_paced_piece_ -= 2;
    for (int block = 0; block < kBlocks; ++block)
      board_.asked(connection, first + block / 4, block % 4 * kBlock, now_);
    now_ += rtt;
    for (int block = 0; block < kBlocks; ++block) {
      board_.arrived(connection, first + block / 4, block % 4 * kBlock, now_);
      if (block < kBlocks - 1) now_ += gap;
    }
  }

 private:
  int next_paced_piece_ = 8;
};

TEST_F(UrgentRequestsTest, ABlockNobodyAskedForGoesToAConnectionWithRoom) {
  FakeConnection busy;
  FakeConnection idle;
  board_.add(busy);
  board_.add(idle);
  for (int piece = 5; piece < 9; ++piece)
    for (int block = 0; block < 4; ++block)
      board_.asked(busy, piece, block * kBlock, now_);  // a full pipeline of other pieces
  board_.request({2}, now_);
  EXPECT_TRUE(busy.sent.empty()) << "no room behind 16 blocks";
  ASSERT_EQ(idle.sent.size(), 4u);
  EXPECT_TRUE(idle.was_sent(2, 0));
  EXPECT_TRUE(idle.was_sent(2, 3));
  EXPECT_EQ(tally_->sent, 4u);
}

// What is asked of a connection beyond what it delivers in two round trips only waits there: a
// pipeline that full takes nothing more, however fast the connection.
TEST_F(UrgentRequestsTest, AFullPipelineTakesNothingMore) {
  FakeConnection full;
  add_paced(full, 60ms, 2ms);
  for (int piece = 4; piece < 8; ++piece)
    for (int block = 0; block < 4; ++block)
      board_.asked(full, piece, block * kBlock, now_);
  board_.request({2}, now_);
  EXPECT_TRUE(full.sent.empty());
}

// Copies go only while our own asks of a connection fit its room (four blocks while its pace is
// unknown), however many blocks a fresh seed holds.
TEST_F(UrgentRequestsTest, OurCopiesOnAConnectionAreHeldToItsRoom) {
  FakeConnection fresh;
  FakeConnection other;
  board_.add(fresh);
  board_.add(other);
  for (int block = 0; block < 8; ++block)
    board_.asked(fresh, block / 4, block % 4 * kBlock, now_);
  board_.request({0, 1}, now_);
  EXPECT_EQ(other.sent.size(), 4u);
}

// Three copies in flight are the most, however late the first two are.
TEST_F(UrgentRequestsTest, NoBlockIsAskedAFourthTime) {
  FakeConnection copies[4];
  for (auto& connection : copies)
    board_.add(connection);
  for (int i = 0; i < 3; ++i)
    board_.asked(copies[i], 0, 0, now_ + std::chrono::milliseconds(i == 2 ? 200 : 0));
  now_ += 200ms;  // the first two are long overdue; the third was just sent
  board_.request({0}, now_);
  EXPECT_FALSE(copies[3].was_sent(0, 0));
}

TEST_F(UrgentRequestsTest, ReceivedBlocksAreNotAskedAgainUntilThePieceFails) {
  FakeConnection peer;
  board_.add(peer);
  board_.arrived(peer, 2, 0, now_);
  board_.arrived(peer, 2, 2 * kBlock, now_);
  board_.request({2}, now_);
  EXPECT_EQ(peer.sent.size(), 2u);
  EXPECT_FALSE(peer.was_sent(2, 0));
  EXPECT_FALSE(peer.was_sent(2, 2));
  board_.piece_done(2);
  board_.choked(peer);
  board_.request({2}, now_);
  EXPECT_EQ(peer.sent.size(), 6u) << "a piece that failed its check is wanted whole again";
}

TEST_F(UrgentRequestsTest, APeerThatCannotServeThePieceIsNeverAsked) {
  FakeConnection choking;
  choking.serves = false;
  board_.add(choking);
  board_.request({1, 2}, now_);
  EXPECT_TRUE(choking.sent.empty());
}

// A fresh connection may be a seed out of upload quota: what libtorrent asked of it gets one
// copy elsewhere at once, and no third while both are on time.
TEST_F(UrgentRequestsTest, ABlockAskedOfAFreshConnectionGetsOneCopyElsewhere) {
  FakeConnection fresh;
  FakeConnection other;
  FakeConnection third;
  board_.add(fresh);
  board_.add(other);
  board_.add(third);
  board_.asked(fresh, 0, 0, now_);
  board_.request({0}, now_);
  const auto copies = other.was_sent(0, 0) + third.was_sent(0, 0);
  EXPECT_EQ(copies, 1) << "one copy, not two";
  EXPECT_FALSE(fresh.was_sent(0, 0)) << "never asked twice of one connection";
}

// Both copies with seeds that have never sent a byte: a third goes out once one of them is
// late, at the time the board asked to be woken.
TEST_F(UrgentRequestsTest, TwoCopiesInFlightWaitUntilOneFallsOverdue) {
  FakeConnection first;
  FakeConnection second;
  FakeConnection proven;
  board_.add(first);
  board_.add(second);
  add_paced(proven, 60ms, 1ms);
  board_.asked(first, 0, 0, now_);
  board_.asked(second, 0, 0, now_);
  const auto recheck = board_.request({0}, now_);
  EXPECT_FALSE(proven.was_sent(0, 0)) << "two copies on time are enough";
  ASSERT_TRUE(recheck.has_value());
  now_ = *recheck;
  board_.request({0}, now_);
  EXPECT_TRUE(proven.was_sent(0, 0)) << "one of the two is late: a third copy";
}

TEST_F(UrgentRequestsTest, AProvenConnectionOnTimeIsLeftAloneUntilItIsOverdue) {
  FakeConnection holder;
  FakeConnection spare;
  add_paced(holder, 60ms, 2ms);
  add_paced(spare, 60ms, 2ms);
  board_.asked(holder, 0, 0, now_);
  const auto recheck = board_.request({0}, now_);
  EXPECT_FALSE(spare.was_sent(0, 0)) << "it would come no sooner from the other";
  ASSERT_TRUE(recheck.has_value()) << "the board says when the copy falls overdue";
  EXPECT_GT(*recheck, now_ + 60ms);
  EXPECT_LT(*recheck, now_ + 120ms);

  now_ = *recheck;
  board_.request({0}, now_);
  EXPECT_TRUE(spare.was_sent(0, 0)) << "overdue: its seed may have run out of quota";
}

// A seed delivering 1 MiB/s 40 ms away beats an idle one 60 ms away to its first block, not
// to the blocks behind it.
TEST_F(UrgentRequestsTest, ABlockDeepInASlowerSeedsQueueIsAskedOfAnIdleOne) {
  FakeConnection slower;
  FakeConnection idle;
  add_paced(slower, 40ms, 16ms);
  add_paced(idle, 60ms, 1ms);
  for (int block = 0; block < 4; ++block)
    board_.asked(slower, 0, block * kBlock, now_);
  board_.request({0}, now_);
  EXPECT_FALSE(idle.was_sent(0, 0)) << "the first block comes sooner from where it was asked";
  EXPECT_TRUE(idle.was_sent(0, 1));
  EXPECT_TRUE(idle.was_sent(0, 3));
}

// A seed out of upload quota sends nothing until its limiter ticks: when the first block asked
// of it is late, so is everything queued behind it.
TEST_F(UrgentRequestsTest, AConnectionLateWithItsFirstBlockIsLateWithAllOfThem) {
  FakeConnection stalled;
  FakeConnection spare;
  add_paced(stalled, 60ms, 1ms);
  add_paced(spare, 60ms, 1ms);
  board_.asked(stalled, 0, 0, now_);
  board_.asked(stalled, 0, kBlock, now_);
  const auto recheck = board_.request({0}, now_);
  EXPECT_FALSE(spare.was_sent(0, 0) || spare.was_sent(0, 1)) << "both due within a round trip";
  ASSERT_TRUE(recheck.has_value());
  EXPECT_LT(*recheck, now_ + 80ms) << "the first block's lateness decides";
  now_ = *recheck;
  board_.request({0}, now_);
  EXPECT_TRUE(spare.was_sent(0, 0) && spare.was_sent(0, 1)) << "nothing came: both are copied";
}

TEST_F(UrgentRequestsTest, OurCopyThatArrivesFirstIsCountedAsWon) {
  FakeConnection fresh;
  FakeConnection other;
  board_.add(fresh);
  board_.add(other);
  board_.asked(fresh, 0, 0, now_);
  board_.request({0}, now_);
  ASSERT_TRUE(other.was_sent(0, 0));
  now_ += 60ms;
  board_.arrived(other, 0, 0, now_);
  board_.arrived(fresh, 0, 0, now_ + 1ms);
  EXPECT_EQ(tally_->won, 1u);
}

// A choke drops what was asked of the peer: those blocks are nobody's any more.
TEST_F(UrgentRequestsTest, AChokeDropsWhatWasAskedOfThePeer) {
  FakeConnection choking;
  FakeConnection other;
  add_paced(choking, 60ms, 1ms);
  add_paced(other, 60ms, 1ms);
  board_.asked(choking, 0, 0, now_);
  board_.asked(choking, 0, kBlock, now_);
  board_.request({0}, now_);
  ASSERT_FALSE(other.was_sent(0, 0)) << "on time where it was asked";
  board_.choked(choking);
  choking.serves = false;
  board_.request({0}, now_);
  EXPECT_TRUE(other.was_sent(0, 0));
  EXPECT_TRUE(other.was_sent(0, 1));
}

// A peer with the fast extension rejects what a choke drops: the choke alone (a seed's answer to
// NOT_INTERESTED, taken back at once at INTERESTED) leaves the blocks asked there, not asked
// again in duplicate; a reject hands one on.
TEST_F(UrgentRequestsTest, AChokeOfAPeerThatRejectsWhatItDropsKeepsWhatWasAsked) {
  FakeConnection choking;
  FakeConnection other;
  choking.rejects = true;
  add_paced(choking, 60ms, 1ms);
  add_paced(other, 60ms, 1ms);
  board_.asked(choking, 0, 0, now_);
  board_.asked(choking, 0, kBlock, now_);
  board_.choked(choking);
  board_.unchoked(choking);
  board_.request({0}, now_);
  EXPECT_FALSE(other.was_sent(0, 0)) << "asked again though still asked";
  EXPECT_FALSE(choking.was_sent(0, 0));
  board_.rejected(choking, 0, 0);
  board_.request({0}, now_);
  EXPECT_TRUE(other.was_sent(0, 0));
  EXPECT_FALSE(other.was_sent(0, 1));
}

// A peer that rejects a request is asked for nothing more of that piece until it unchokes us:
// asking again at every run would be a loop of rejects.
TEST_F(UrgentRequestsTest, ARejectedPieceIsNotAskedOfThePeerUntilItUnchokes) {
  FakeConnection peer;
  board_.add(peer);
  board_.request({0}, now_);
  ASSERT_EQ(peer.sent.size(), 4u);
  board_.rejected(peer, 0, 0);
  board_.request({0}, now_);
  EXPECT_EQ(peer.sent.size(), 4u) << "asked again after a reject";
  board_.unchoked(peer);
  board_.request({0}, now_);
  EXPECT_EQ(peer.sent.size(), 5u);
}

TEST_F(UrgentRequestsTest, PiecesSmallerThanABlockAreAskedWhole) {
  UrgentRequests board({8 * 1024, 4 * 8 * 1024}, tally_);
  FakeConnection peer;
  board.add(peer);
  board.request({1}, now_);
  ASSERT_EQ(peer.sent.size(), 1u);
  EXPECT_EQ(peer.sent[0], std::make_tuple(1, 0, 8 * 1024));
}

TEST_F(UrgentRequestsTest, TheLastPieceHasShortBlocks) {
  UrgentRequests board({kPiece, 9 * kPiece + kBlock + 100}, tally_);
  FakeConnection peer;
  board.add(peer);
  board.request({9}, now_);
  ASSERT_EQ(peer.sent.size(), 2u);
  EXPECT_EQ(peer.sent[1], std::make_tuple(9, kBlock, 100));
  board.request({10, -1}, now_);
  EXPECT_EQ(peer.sent.size(), 2u) << "pieces past the end are ignored";
}

}  // namespace
}  // namespace seeder::torrent
