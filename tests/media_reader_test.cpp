// MediaReader: windows of a ByteSource read for the probing thread; a read that waits ends with
// the probe's deadline or when the client is gone, not later.
#include "../src/http/media_reader.hpp"

#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

namespace seeder::http {
namespace {

using namespace std::chrono_literals;

class MediaReaderTest : public ::testing::Test {
 protected:
  ~MediaReaderTest() override {
    work_.reset();
    io_.stop();
    thread_.join();
  }
  // An open that never answers: a piece no peer has.
  static MediaReader::Open stalled() {
    return [](std::uint64_t, std::uint64_t, MediaReader::Opened) {};
  }
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::thread thread_{[this] { io_.run(); }};
};

TEST_F(MediaReaderTest, AWaitingReadEndsAtTheDeadline) {
  MediaReader reader(1 << 20, stalled(), io_.get_executor(), MediaReader::Clock::now() + 300ms);
  std::array<char, 16> buffer{};
  const auto started = MediaReader::Clock::now();
  const auto read = reader.read_at(0, buffer);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, Errc::timeout);
  EXPECT_LT(MediaReader::Clock::now() - started, 2s);
}

TEST_F(MediaReaderTest, AClientGoneIsNoticedWhileAReadWaits) {
  auto reader = std::make_shared<MediaReader>(1 << 20, stalled(), io_.get_executor(),
                                              MediaReader::Clock::now() + 30s);
  int polls = 0;
  reader->on_wait([&, weak = std::weak_ptr(reader)] {
    if (++polls == 2)
      if (auto alive = weak.lock()) alive->abandon();  // the strand saw the client gone
  });
  std::array<char, 16> buffer{};
  const auto started = MediaReader::Clock::now();
  const auto read = reader->read_at(0, buffer);
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, Errc::cancelled);
  EXPECT_LT(MediaReader::Clock::now() - started, 2s) << "not the 30 s deadline";
  EXPECT_FALSE(reader->read_at(0, buffer)) << "abandoned for good";
}

}  // namespace
}  // namespace seeder::http
