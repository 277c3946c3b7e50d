#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <boost/asio/io_context.hpp>

#include "piece_bits.hpp"
#include "seeder/torrent/piece_map.hpp"

namespace seeder::torrent {
namespace {

using namespace std::chrono_literals;

class PieceMapTest : public ::testing::Test {
 protected:
  // Runs handlers until `count` results arrived (bounded in time).
  void run_until(std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (results_.size() < count && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(10ms);
    }
  }
  PieceMap::Handler record() {
    return [this](Status status) { results_.push_back(status); };
  }

  boost::asio::io_context io_;
  PieceMap pieces_{8};
  std::shared_ptr<test::PieceBits> record_ = test::PieceBits::followed_by(pieces_);
  std::vector<Status> results_;
};

TEST_F(PieceMapTest, AWaitForAHadPieceCompletesAtOnce) {
  record_->set(3);
  pieces_.async_wait(3, io_.get_executor(), record());
  run_until(1);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_TRUE(results_[0].ok());
}

TEST_F(PieceMapTest, AWaiterWakesWhenAnotherThreadMarksThePiece) {
  pieces_.async_wait(5, io_.get_executor(), record());
  std::thread network([this] {
    std::this_thread::sleep_for(20ms);
    record_->set(4);  // not the awaited piece
    record_->set(5);
  });
  run_until(1);
  network.join();
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_TRUE(results_[0].ok());
  EXPECT_EQ(pieces_.have_count(), 2);
}

TEST_F(PieceMapTest, CancelCompletesWithCancelled) {
  const auto ticket = pieces_.async_wait(1, io_.get_executor(), record());
  pieces_.cancel(ticket);
  pieces_.cancel(ticket);  // a second cancel is a no-op
  run_until(1);
  io_.run_for(20ms);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_EQ(results_[0].error().code, Errc::cancelled);
}

TEST_F(PieceMapTest, FailingWaitersFailsCurrentAndFutureWaits) {
  pieces_.async_wait(1, io_.get_executor(), record());
  pieces_.async_wait(2, io_.get_executor(), record());
  pieces_.fail_waiters(make_error(Errc::unavailable, "gone"));
  pieces_.async_wait(3, io_.get_executor(), record());
  run_until(3);
  ASSERT_EQ(results_.size(), 3u);
  for (const auto& status : results_)
    EXPECT_EQ(status.error().code, Errc::unavailable);
}

TEST_F(PieceMapTest, ClearingAPieceMakesReadersWaitAgain) {
  record_->set(2);
  record_->clear(2);
  EXPECT_FALSE(pieces_.have(2));
  EXPECT_EQ(pieces_.have_count(), 0);
  pieces_.async_wait(2, io_.get_executor(), record());
  io_.run_for(20ms);
  EXPECT_TRUE(results_.empty());
  record_->set(2);
  run_until(1);
  EXPECT_EQ(results_.size(), 1u);
}

// "Verified" has one truth, the store's record: a map has no piece until it follows one, and
// then has what the record has, waking the waits for those.
TEST_F(PieceMapTest, AMapHasWhatTheRecordItFollowsHasAndNothingBefore) {
  PieceMap later(4);
  later.async_wait(1, io_.get_executor(), record());
  later.async_wait(2, io_.get_executor(), record());
  EXPECT_FALSE(later.have(1));
  EXPECT_EQ(later.have_count(), 0);
  // Recorded before the map follows the record: nothing tells the map but the record itself.
  auto bits = test::PieceBits::alone(4);
  bits->set(1);
  later.follow(bits);
  EXPECT_TRUE(later.have(1));
  EXPECT_EQ(later.have_count(), 1);
  run_until(1);
  io_.run_for(20ms);
  ASSERT_EQ(results_.size(), 1u) << "the wait for piece 1 completes, piece 2's still waits";
  EXPECT_TRUE(results_[0].ok());
}

// A wait begins while another thread records its piece: it completes, whichever comes first.
TEST_F(PieceMapTest, NoWaitIsLostToAPieceRecordedAsItBegins) {
  constexpr int kRounds = 2000;
  for (int round = 0; round < kRounds; ++round) {
    PieceMap map(1);
    auto bits = test::PieceBits::followed_by(map);
    std::atomic<bool> go{false};
    std::thread network([&] {
      while (!go) {
      }
      bits->set(0);
    });
    go = true;
    map.async_wait(0, io_.get_executor(), record());
    network.join();
  }
  run_until(kRounds);
  ASSERT_EQ(results_.size(), static_cast<std::size_t>(kRounds));
  for (const auto& status : results_)
    EXPECT_TRUE(status.ok());
}

TEST_F(PieceMapTest, OutOfRangePiecesFail) {
  pieces_.async_wait(99, io_.get_executor(), record());
  run_until(1);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_FALSE(results_[0].ok());
  EXPECT_FALSE(pieces_.have(-1));
}

}  // namespace
}  // namespace seeder::torrent
