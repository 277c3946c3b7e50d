#pragma once
// MultipartFixture: a real file of 10 000 random bytes, its multipart/byteranges layout of three
// ranges, and MultipartSources over it whose later ranges open through fakes over the file (held
// or failed on demand), standing in for the streamer. Shared by the layout's tests
// (multipart_test.cpp) and MultipartSource's (multipart_source_test.cpp).

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../../src/http/multipart_source.hpp"
#include "content.hpp"
#include "seeder/core/unique_fd.hpp"
#include "seeder/http/multipart.hpp"
#include "temp_dir.hpp"

namespace seeder::test {

// Bytes [first, first + length) of a real file, at most `max` a slice, completed inline.
class FileRangeSource : public ByteSource {
 public:
  FileRangeSource(int fd, http::ByteRange range)
      : fd_(fd), next_(range.first), size_(range.length()) {}
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

class MultipartFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = test::random_bytes(10'000, 7);
    test::write_file(dir_ / "f.bin", bytes_);
    fd_ = UniqueFd{::open((dir_ / "f.bin").c_str(), O_RDONLY | O_CLOEXEC)};
    ASSERT_TRUE(fd_.valid());
  }

  http::MultipartLayout layout() const {
    return http::multipart_layout(ranges_, "video/mp4", bytes_.size(), "BOUND");
  }
  std::string expected_body() const {
    const auto shape = layout();
    std::string body;
    for (std::size_t i = 0; i < shape.ranges.size(); ++i)
      body += shape.part_heads[i] + bytes_.substr(shape.ranges[i].first, shape.ranges[i].length());
    return body + shape.tail;
  }
  // A source whose later ranges open through `opens` (held when hold_opens is set).
  std::shared_ptr<http::MultipartSource> make_source() {
    auto first = std::make_shared<FileRangeSource>(fd_.get(), ranges_.front());
    auto made = http::MultipartSource::make(
        layout(), first,
        [this](const http::ByteRange& range, http::MultipartSource::Opened opened) {
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
  Result<std::string> read_all(http::MultipartSource& source, std::uint64_t max,
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
  std::vector<http::ByteRange> ranges_{{10, 99}, {5000, 5999}, {9000, 9999}};
  int opens_ = 0;
  bool hold_opens_ = false;
  std::optional<Error> open_error_;
  std::vector<std::function<void()>> held_;
  std::vector<std::shared_ptr<FileRangeSource>> opened_sources_;
};

}  // namespace seeder::test
