// http/whole_read: a whole ByteSource read into memory slice by slice: the bytes in order, an
// error passed on once, a client that left cancels the source, and slices the store no longer
// vouches for, or a file shorter than its slice, are errors that tell the source.
#include "../src/http/whole_read.hpp"

#include <fcntl.h>

#include <optional>

#include <gtest/gtest.h>

#include "content.hpp"
#include "seeder/core/unique_fd.hpp"
#include "temp_dir.hpp"

namespace seeder::http {
namespace {

// Slices of at most `chunk` bytes of a real file, from offset 0 to `size`, completed inline.
class WholeReadSource final : public ByteSource {
 public:
  WholeReadSource(int fd, std::uint64_t size, std::uint64_t chunk)
      : fd_(fd), size_(size), chunk_(chunk) {}
  [[nodiscard]] std::uint64_t size() const override { return size_; }
  void async_next(std::uint64_t max_bytes, NextHandler handler) override {
    ++asks;
    if (next_ >= size_) {  // the contract: never asked again after the last byte
      handler(make_error(Errc::internal, "asked past the end"));
      return;
    }
    if (fail_at && asks == *fail_at) {
      handler(make_error(Errc::timeout, "no peer delivered piece 3"));
      return;
    }
    const auto length = std::min({max_bytes, chunk_, size_ - next_});
    FileSlice slice{fd_, next_, length, {}};
    if (unvouched) slice.still_vouched = [] { return false; };
    next_ += length;
    handler(slice);
  }
  void cancel() override { cancelled = true; }
  void bytes_missing() override { missing = true; }

  std::optional<int> fail_at;  // the ask (1-based) that fails
  bool unvouched = false;
  int asks = 0;
  bool cancelled = false;
  bool missing = false;

 private:
  int fd_;
  std::uint64_t size_;
  std::uint64_t chunk_;
  std::uint64_t next_ = 0;
};

class WholeReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = test::random_bytes(10'000, 11);
    test::write_file(dir_ / "f.bin", bytes_);
    fd_ = UniqueFd{::open((dir_ / "f.bin").c_str(), O_RDONLY | O_CLOEXEC)};
    ASSERT_TRUE(fd_.valid());
  }
  // Reads `source` whole; the results `done` was called with.
  std::vector<Result<std::string>> read(const std::shared_ptr<WholeReadSource>& source,
                                        bool gone = false) {
    std::vector<Result<std::string>> results;
    WholeRead::start(
        source, [gone] { return gone; },
        [&](Result<std::string> bytes) { results.push_back(std::move(bytes)); });
    return results;
  }

  test::TempDir dir_;
  std::string bytes_;
  UniqueFd fd_;
};

TEST_F(WholeReadTest, TheBytesOfEverySliceComeInOrder) {
  auto source = std::make_shared<WholeReadSource>(fd_.get(), bytes_.size(), 3'000);
  const auto results = read(source);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0]) << results[0].error().message;
  EXPECT_TRUE(*results[0] == bytes_);
  EXPECT_EQ(source->asks, 4);
}

TEST_F(WholeReadTest, AnEmptySourceIsDoneWithoutAskingForASlice) {
  auto source = std::make_shared<WholeReadSource>(fd_.get(), 0, 3'000);
  const auto results = read(source);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_TRUE(results[0]);
  EXPECT_EQ(*results[0], "");
  EXPECT_EQ(source->asks, 0);
}

TEST_F(WholeReadTest, TheSourcesErrorIsTheResultOnce) {
  auto source = std::make_shared<WholeReadSource>(fd_.get(), bytes_.size(), 3'000);
  source->fail_at = 2;
  const auto results = read(source);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0]);
  EXPECT_EQ(results[0].error().code, Errc::timeout);
  EXPECT_EQ(results[0].error().message, "no peer delivered piece 3");
  EXPECT_FALSE(source->missing);
}

TEST_F(WholeReadTest, AClientThatLeftCancelsTheSourceAndGetsNoAnswer) {
  auto source = std::make_shared<WholeReadSource>(fd_.get(), bytes_.size(), 3'000);
  const auto results = read(source, /*gone=*/true);
  EXPECT_TRUE(results.empty());
  EXPECT_TRUE(source->cancelled);
  EXPECT_EQ(source->asks, 1) << "no read after the client left";
}

TEST_F(WholeReadTest, BytesTheStoreNoLongerVouchesForAreAnIoErrorTheSourceHears) {
  auto source = std::make_shared<WholeReadSource>(fd_.get(), bytes_.size(), 3'000);
  source->unvouched = true;
  const auto results = read(source);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0]);
  EXPECT_EQ(results[0].error().code, Errc::io);
  EXPECT_TRUE(source->missing);
}

TEST_F(WholeReadTest, AFileShorterThanItsSliceIsAnIoErrorTheSourceHears) {
  // The source promises more than the file holds (truncated behind seeder's back).
  auto source = std::make_shared<WholeReadSource>(fd_.get(), bytes_.size() + 500, 20'000);
  const auto results = read(source);
  ASSERT_EQ(results.size(), 1u);
  ASSERT_FALSE(results[0]);
  EXPECT_EQ(results[0].error().code, Errc::io);
  EXPECT_NE(results[0].error().message.find("file too short"), std::string::npos)
      << results[0].error().message;
  EXPECT_TRUE(source->missing);
}

}  // namespace
}  // namespace seeder::http
