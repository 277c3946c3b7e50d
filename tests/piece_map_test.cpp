#include <gtest/gtest.h>

#include <thread>

#include <boost/asio/io_context.hpp>

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
  std::vector<Status> results_;
};

TEST_F(PieceMapTest, AWaitForAHadPieceCompletesAtOnce) {
  pieces_.set_have(3);
  pieces_.async_wait(3, io_.get_executor(), record());
  run_until(1);
  ASSERT_EQ(results_.size(), 1u);
  EXPECT_TRUE(results_[0].ok());
}

TEST_F(PieceMapTest, AWaiterWakesWhenAnotherThreadMarksThePiece) {
  pieces_.async_wait(5, io_.get_executor(), record());
  std::thread network([this] {
    std::this_thread::sleep_for(20ms);
    pieces_.set_have(4);  // not the awaited piece
    pieces_.set_have(5);
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
  pieces_.set_have(2);
  pieces_.clear_have(2);
  EXPECT_FALSE(pieces_.have(2));
  EXPECT_EQ(pieces_.have_count(), 0);
  pieces_.async_wait(2, io_.get_executor(), record());
  io_.run_for(20ms);
  EXPECT_TRUE(results_.empty());
  pieces_.set_have(2);
  run_until(1);
  EXPECT_EQ(results_.size(), 1u);
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
