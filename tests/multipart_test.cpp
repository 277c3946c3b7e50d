// multipart/byteranges: the layout's text and length, and MultipartSource reading real file
// slices through part sources opened on the way (fakes over a real file stand in for the
// streamer; the gateway test reads the same through a real swarm).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <map>

#include "../src/http/multipart_source.hpp"
#include "content.hpp"
#include "seeder/core/unique_fd.hpp"
#include "seeder/http/multipart.hpp"
#include "temp_dir.hpp"

namespace seeder::http {
namespace {

// Bytes [first, first + length) of a real file, at most `max` a slice, completed inline.
class FileRangeSource : public ByteSource {
 public:
  FileRangeSource(int fd, ByteRange range) : fd_(fd), next_(range.first), size_(range.length()) {}
  [[nodiscard]] std::uint64_t size() const override { return size_; }
  void async_next(std::uint64_t max_bytes, NextHandler handler) override {
    if (cancelled) {
      handler(make_error(Errc::cancelled, "cancelled"));
      return;
    }
    const auto length = std::min(max_bytes, size_ - yielded_);
    const FileSlice slice{fd_, next_, length, {}};
    next_ += length;
    yielded_ += length;
    handler(slice);
  }
  void cancel() override { cancelled = true; }
  bool cancelled = false;

 private:
  int fd_;
  std::uint64_t next_;
  std::uint64_t size_;
  std::uint64_t yielded_ = 0;
};

class MultipartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = test::random_bytes(10'000, 7);
    test::write_file(dir_ / "f.bin", bytes_);
    fd_ = UniqueFd{::open((dir_ / "f.bin").c_str(), O_RDONLY | O_CLOEXEC)};
    ASSERT_TRUE(fd_.valid());
  }

  MultipartLayout layout() const {
    return multipart_layout(ranges_, "video/mp4", bytes_.size(), "BOUND");
  }
  std::string expected_body() const {
    const auto shape = layout();
    std::string body;
    for (std::size_t i = 0; i < shape.ranges.size(); ++i)
      body += shape.part_heads[i] + bytes_.substr(shape.ranges[i].first, shape.ranges[i].length());
    return body + shape.tail;
  }
  // A source whose later ranges open through `opens` (held when hold_opens is set).
  std::shared_ptr<MultipartSource> make_source() {
    auto first = std::make_shared<FileRangeSource>(fd_.get(), ranges_.front());
    auto made = MultipartSource::make(
        layout(), first, [this](const ByteRange& range, MultipartSource::Opened opened) {
          ++opens_;
          if (open_error_) {
            opened(*open_error_);
            return;
          }
          auto source = std::make_shared<FileRangeSource>(fd_.get(), range);
          opened_sources_.push_back(source);
          if (hold_opens_) {
            held_.push_back([opened = std::move(opened), source] {
              opened(std::shared_ptr<ByteSource>(source));
            });
          } else {
            opened(std::shared_ptr<ByteSource>(source));
          }
        });
    EXPECT_TRUE(made.ok());
    return made.ok() ? *made : nullptr;
  }
  // Reads slices of at most `max` bytes until the end or an error (`already` read before).
  Result<std::string> read_all(MultipartSource& source, std::uint64_t max,
                               std::uint64_t already = 0) {
    std::string body;
    std::optional<Error> failed;
    for (int guard = 0; already + body.size() < source.size() && !failed && guard < 10'000;
         ++guard) {
      bool answered = false;
      source.async_next(max, [&](Result<FileSlice> slice) {
        answered = true;
        if (!slice) {
          failed = slice.error();
          return;
        }
        std::string part(slice->length, '\0');
        EXPECT_EQ(::pread(slice->fd, part.data(), part.size(), static_cast<off_t>(slice->offset)),
                  static_cast<ssize_t>(part.size()));
        body += part;
      });
      if (!answered) return make_error(Errc::internal, "a read did not complete");
    }
    if (failed) return *failed;
    return body;
  }

  test::TempDir dir_;
  std::string bytes_;
  UniqueFd fd_;
  std::vector<ByteRange> ranges_{{10, 99}, {5000, 5999}, {9000, 9999}};
  int opens_ = 0;
  bool hold_opens_ = false;
  std::optional<Error> open_error_;
  std::vector<std::function<void()>> held_;
  std::vector<std::shared_ptr<FileRangeSource>> opened_sources_;
};

TEST_F(MultipartTest, EachPartHasItsTypeAndRangeAndTheLengthCountsEveryByte) {
  const auto shape = layout();
  EXPECT_EQ(shape.content_type(), "multipart/byteranges; boundary=BOUND");
  EXPECT_EQ(shape.part_heads[0],
            "--BOUND\r\nContent-Type: video/mp4\r\nContent-Range: bytes 10-99/10000\r\n\r\n");
  EXPECT_EQ(
      shape.part_heads[1],
      "\r\n--BOUND\r\nContent-Type: video/mp4\r\nContent-Range: bytes 5000-5999/10000\r\n\r\n");
  EXPECT_EQ(shape.tail, "\r\n--BOUND--\r\n");
  EXPECT_EQ(shape.body_length(), expected_body().size());
}

TEST_F(MultipartTest, EveryBoundaryIsFreshAndAsLong) {
  const auto a = multipart_boundary();
  const auto b = multipart_boundary();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.rfind("seeder-", 0), 0u);
}

TEST_F(MultipartTest, TheBodyIsEveryHeadAndRangeInOrderWhateverTheSliceSize) {
  for (const std::uint64_t max : {1ull, 7ull, 700ull, 1ull << 20}) {
    auto source = make_source();
    ASSERT_TRUE(source);
    EXPECT_EQ(source->size(), expected_body().size());
    const auto body = read_all(*source, max);
    ASSERT_TRUE(body.ok()) << body.error().message;
    EXPECT_TRUE(*body == expected_body()) << "slices of " << max;
  }
}

TEST_F(MultipartTest, TheNextRangeOpensAsSoonAsThePreviousStarts) {
  hold_opens_ = true;
  auto source = make_source();
  ASSERT_TRUE(source);
  const auto head = layout().part_heads[0].size();
  // The first part's head, then its first byte: the second range is asked for then.
  source->async_next(head, [](Result<FileSlice> slice) { EXPECT_TRUE(slice.ok()); });
  EXPECT_EQ(opens_, 0);
  source->async_next(1, [](Result<FileSlice> slice) { EXPECT_TRUE(slice.ok()); });
  EXPECT_EQ(opens_, 1);
  for (auto& release : held_)
    release();
  held_.clear();
  hold_opens_ = false;
  const auto rest = read_all(*source, 4096, head + 1);
  ASSERT_TRUE(rest.ok()) << rest.error().message;
  EXPECT_EQ(opens_, 2);
}

TEST_F(MultipartTest, CancellingWhileARangeOpensEndsTheReadAndCancelsTheLateSource) {
  hold_opens_ = true;
  auto source = make_source();
  ASSERT_TRUE(source);
  const auto shape = layout();
  // The first head and range, the second head: all at hand.
  for (const auto length :
       {shape.part_heads[0].size(), std::size_t{90}, shape.part_heads[1].size()})
    source->async_next(length, [](Result<FileSlice> slice) { EXPECT_TRUE(slice.ok()); });
  std::optional<Error> ended;
  // The second range's bytes wait for the held open.
  source->async_next(100, [&](Result<FileSlice> slice) {
    ASSERT_FALSE(slice.ok());
    ended = slice.error();
  });
  EXPECT_FALSE(ended);
  source->cancel();
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->code, Errc::cancelled);
  for (auto& release : held_)
    release();
  ASSERT_FALSE(opened_sources_.empty());
  EXPECT_TRUE(opened_sources_.front()->cancelled);
}

TEST_F(MultipartTest, ARangeThatCannotOpenEndsTheBodyWithItsError) {
  open_error_ = make_error(Errc::timeout, "no peer delivered piece 3 within 60s");
  auto source = make_source();
  ASSERT_TRUE(source);
  const auto body = read_all(*source, 1 << 20);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code, Errc::timeout);
  EXPECT_EQ(body.error().message, "range 2 of 3: no peer delivered piece 3 within 60s");
}

}  // namespace
}  // namespace seeder::http
