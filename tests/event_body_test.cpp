// EventBody over a real loopback socket: an EventStream's frames leave as the chunks of a chunked
// body (RFC 9112 §7.1), its end as the last chunk; a frame's error, cancel() and a connection
// already gone end the body with `done` run once.
#include "../src/http/event_body.hpp"

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace seeder::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Frames handed out in order, completed inline; with none left, a read waits until cancel().
class EventBodyFrames final : public EventStream {
 public:
  void async_next(NextHandler handler) override {
    if (frames.empty()) {
      waiting = std::move(handler);
      return;
    }
    auto frame = std::move(frames.front());
    frames.pop_front();
    handler(std::move(frame));
  }
  void cancel() override {
    cancelled = true;
    if (waiting) std::exchange(waiting, nullptr)(make_error(Errc::cancelled, "cancelled"));
  }
  std::deque<Result<std::optional<std::string>>> frames;
  NextHandler waiting;
  bool cancelled = false;
};

class EventBodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
    client_.connect(acceptor.local_endpoint());
    acceptor.accept(server_.socket());
  }
  std::shared_ptr<EventBody> make_body() {
    return std::make_shared<EventBody>(server_, owner_, events_, 5s);
  }
  // Starts `body` and runs the io_context until `done` ran (at most 10 s); its status, if it ran.
  std::optional<Status> run(EventBody& body) {
    std::optional<Status> done;
    int calls = 0;
    body.start([&](Status status) {
      ++calls;
      done = std::move(status);
    });
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!done && std::chrono::steady_clock::now() < until) {
      io_.restart();
      io_.run_one_for(100ms);
    }
    io_.restart();
    io_.poll();
    EXPECT_LE(calls, 1);
    return done;
  }
  // What the client has received so far.
  std::string received() {
    std::string got;
    client_.non_blocking(true);
    boost::system::error_code error;
    char buffer[4096];
    while (true) {
      const auto n = client_.read_some(asio::buffer(buffer), error);
      if (error) break;
      got.append(buffer, n);
    }
    return got;
  }

  asio::io_context io_;
  asio::ip::tcp::socket client_{io_};
  boost::beast::tcp_stream server_{io_};
  std::shared_ptr<int> owner_ = std::make_shared<int>(0);
  std::shared_ptr<EventBodyFrames> events_ = std::make_shared<EventBodyFrames>();
};

TEST_F(EventBodyTest, EachFrameIsAChunkAndTheEndIsTheLastChunk) {
  events_->frames.push_back(std::optional<std::string>("data: a\n\n"));
  events_->frames.push_back(std::optional<std::string>("data: {\"peers\":12}\n\n"));
  events_->frames.push_back(std::optional<std::string>());
  auto body = make_body();
  const auto done = run(*body);
  ASSERT_TRUE(done) << "done never ran";
  EXPECT_TRUE(done->ok()) << done->error().message;
  EXPECT_EQ(received(), "9\r\ndata: a\n\n\r\n14\r\ndata: {\"peers\":12}\n\n\r\n0\r\n\r\n");
  EXPECT_EQ(body->sent(), 9u + 20u);
}

TEST_F(EventBodyTest, AFrameThatFailsEndsTheBodyWithItsError) {
  events_->frames.push_back(std::optional<std::string>("data: a\n\n"));
  events_->frames.push_back(make_error(Errc::unavailable, "the torrent is in error"));
  auto body = make_body();
  const auto done = run(*body);
  ASSERT_TRUE(done) << "done never ran";
  ASSERT_FALSE(done->ok());
  EXPECT_EQ(done->error().code, Errc::unavailable);
  EXPECT_EQ(done->error().message, "the torrent is in error");
  EXPECT_EQ(received(), "9\r\ndata: a\n\n\r\n") << "no last chunk: the body is cut short";
}

// The stream waits for its next frame (?stats between two ticks) when the client leaves.
TEST_F(EventBodyTest, CancelEndsTheBodyAtOnceAndCancelsTheStream) {
  events_->frames.push_back(std::optional<std::string>("data: a\n\n"));
  auto body = make_body();
  std::optional<Status> done;
  body->start([&](Status status) { done = std::move(status); });
  for (int i = 0; i < 100 && !events_->waiting; ++i) {
    io_.restart();
    io_.run_one_for(100ms);
  }
  ASSERT_TRUE(events_->waiting) << "the stream was never asked for its second frame";
  body->cancel();
  ASSERT_TRUE(done) << "cancel() did not run done";
  EXPECT_EQ(done->error().code, Errc::cancelled);
  EXPECT_TRUE(events_->cancelled);
}

// The connection that owns the socket is gone: nothing is written to it.
TEST_F(EventBodyTest, AConnectionAlreadyGoneEndsTheBodyAsCancelled) {
  events_->frames.push_back(std::optional<std::string>("data: a\n\n"));
  events_->frames.push_back(std::optional<std::string>());
  owner_.reset();
  auto body = make_body();
  const auto done = run(*body);
  ASSERT_TRUE(done) << "done never ran";
  ASSERT_FALSE(done->ok());
  EXPECT_EQ(done->error().code, Errc::cancelled);
  EXPECT_EQ(received(), "");
}

}  // namespace
}  // namespace seeder::http
