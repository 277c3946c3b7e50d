// FileBody over a real loopback socket: every slice leaves as a copy checked after it was read.
// A slice its source no longer vouches for (its pieces forgotten or rewritten since it was
// taken), and bytes past a file cut short behind our back (ftruncate zeroes the rest of the last
// page), are never sent: the response is cut short and the source told.
#include "../src/http/file_body.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>

#include "content.hpp"
#include "temp_dir.hpp"

namespace seeder::http {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// The file's bytes as one slice, with the check `vouched` (a fake store's answer).
class OneSlice final : public ByteSource {
 public:
  OneSlice(int fd, std::uint64_t size, std::function<bool()> vouched)
      : fd_(fd), size_(size), vouched_(std::move(vouched)) {}
  [[nodiscard]] std::uint64_t size() const override { return size_; }
  void async_next(std::uint64_t max_bytes, NextHandler handler) override {
    handler(FileSlice{fd_, 0, std::min(max_bytes, size_), vouched_});
  }
  void cancel() override {}
  void bytes_missing() override { ++missing; }
  int missing = 0;

 private:
  int fd_;
  std::uint64_t size_;
  std::function<bool()> vouched_;
};

class FileBodyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
    client_.connect(acceptor.local_endpoint());
    acceptor.accept(server_);
    server_.native_non_blocking(true);
    bytes_ = test::random_bytes(100'000, 7);
    test::write_file(dir_.path() / "f", bytes_);
    fd_ = ::open((dir_.path() / "f").c_str(), O_RDONLY);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override { ::close(fd_); }

  // Sends the source, then closes the sending side; what the client received, and the status.
  std::pair<std::string, Status> send(const std::shared_ptr<ByteSource>& source) {
    Status status = make_error(Errc::internal, "not done");
    auto body = std::make_shared<FileBody>(server_, source, 1 << 20, 10s);
    body->start([&](Status done) {
      status = std::move(done);
      server_.close();
    });
    io_.run_for(5s);
    std::string received;
    boost::system::error_code ec;
    asio::read(client_, asio::dynamic_buffer(received), ec);
    return {received, status};
  }

  asio::io_context io_;
  asio::ip::tcp::socket client_{io_};
  asio::ip::tcp::socket server_{io_};
  test::TempDir dir_{"seeder-file-body"};
  std::string bytes_;
  int fd_ = -1;
};

TEST_F(FileBodyTest, VouchedBytesAllArrive) {
  const auto [received, status] = send(std::make_shared<OneSlice>(fd_, bytes_.size(), nullptr));
  EXPECT_TRUE(status) << status.error().message;
  EXPECT_TRUE(received == bytes_);
}

TEST_F(FileBodyTest, BytesTheSourceNoLongerVouchesForAreNotSent) {
  auto source = std::make_shared<OneSlice>(fd_, bytes_.size(), [] { return false; });
  const auto [received, status] = send(source);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::io);
  EXPECT_TRUE(received.empty()) << received.size() << " bytes left";
  EXPECT_EQ(source->missing, 1);
}

TEST_F(FileBodyTest, NothingPastAFileCutShortIsSent) {
  ASSERT_EQ(::truncate((dir_.path() / "f").c_str(), 2343), 0);
  auto source = std::make_shared<OneSlice>(fd_, bytes_.size(), nullptr);
  const auto [received, status] = send(source);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::io);
  EXPECT_TRUE(received == bytes_.substr(0, 2343)) << received.size() << " bytes";
  EXPECT_EQ(source->missing, 1);
}

}  // namespace
}  // namespace seeder::http
