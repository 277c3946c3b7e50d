#pragma once
// MediaReader: media::RandomAccess over the gateway's own byte sources (internal to the http
// module): each read opens the file's bytes through Content, so the pieces it needs are fetched
// first, verified and counted like any other read. Reads come in windows of kWindow bytes, kept
// until the next read falls outside.
//
// read_at() blocks the probing thread (never an HTTP strand) until the bytes come or the
// probe's deadline passes (Errc::timeout); the opens and slices run on `executor` (the
// connection's strand). While it waits, the on_wait callback runs every kPoll (to ask the strand
// whether the client is still there); abandon() (any thread) wakes a waiting read with
// Errc::cancelled.

#include <time.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/byte_source.hpp"
#include "seeder/media/probe.hpp"

namespace seeder::http {

// Adds the calling thread's CPU time between its construction and destruction to `counter`
// (microseconds): what one media job cost.
class CpuSpent {
 public:
  explicit CpuSpent(std::atomic<std::uint64_t>& counter) : counter_(counter), start_(now()) {}
  ~CpuSpent() { counter_ += now() - start_; }
  CpuSpent(const CpuSpent&) = delete;
  CpuSpent& operator=(const CpuSpent&) = delete;

 private:
  static std::uint64_t now() {
    timespec spent{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spent);
    return static_cast<std::uint64_t>(spent.tv_sec) * 1'000'000 +
           static_cast<std::uint64_t>(spent.tv_nsec) / 1'000;
  }
  std::atomic<std::uint64_t>& counter_;
  const std::uint64_t start_;
};

class MediaReader final : public media::RandomAccess {
 public:
  using Opened = std::function<void(Result<std::shared_ptr<ByteSource>>)>;
  // Opens bytes [first, first + length) of the file; completes on the executor.
  using Open = std::function<void(std::uint64_t first, std::uint64_t length, Opened opened)>;
  static constexpr std::uint64_t kWindow = 1 << 20;
  static constexpr std::chrono::milliseconds kPoll{250};
  using Clock = std::chrono::steady_clock;

  MediaReader(std::uint64_t size, Open open, boost::asio::any_io_executor executor,
              Clock::time_point deadline);
  ~MediaReader() override;
  MediaReader(const MediaReader&) = delete;
  MediaReader& operator=(const MediaReader&) = delete;

  [[nodiscard]] std::uint64_t size() const override { return size_; }
  Result<std::size_t> read_at(std::uint64_t offset, std::span<char> into) override;
  // Any thread: the client left; a read waiting now or later fails with Errc::cancelled.
  void abandon();
  // Set before the first read.
  void on_wait(std::function<void()> poll) { poll_ = std::move(poll); }
  // Media thread, asked often while the bytes are already here (a conversion): whether the
  // client left. Asks the strand (on_wait's callback) at most every kPoll.
  bool stopped();

 private:
  struct Pending;  // one window's read, shared with its completion on the executor
  Result<std::string> fetch(std::uint64_t first, std::uint64_t length);

  const std::uint64_t size_;
  const Open open_;
  const boost::asio::any_io_executor executor_;
  const Clock::time_point deadline_;
  std::function<void()> poll_;
  std::shared_ptr<Pending> current_;  // the read in flight, for abandon()
  std::mutex mutex_;                  // guards current_ and abandoned_
  bool abandoned_ = false;
  Clock::time_point last_poll_{};  // the media thread's
  std::uint64_t window_first_ = 0;
  std::string window_;
};

}  // namespace seeder::http
