#include "media_reader.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <optional>

#include <boost/asio/post.hpp>

#include "whole_read.hpp"

namespace seeder::http {

struct MediaReader::Pending {
  std::mutex mutex;
  std::condition_variable done;
  std::optional<Result<std::string>> result;
  std::atomic<bool> abandoned{false};

  void finish(Result<std::string> bytes) {
    {
      std::lock_guard lock(mutex);
      if (result) return;
      result.emplace(std::move(bytes));
    }
    done.notify_all();
  }
};

MediaReader::MediaReader(std::uint64_t size, Open open, boost::asio::any_io_executor executor,
                         Clock::time_point deadline)
    : size_(size), open_(std::move(open)), executor_(std::move(executor)), deadline_(deadline) {}

MediaReader::~MediaReader() {
  abandon();
}

void MediaReader::abandon() {
  std::shared_ptr<Pending> pending;
  {
    std::lock_guard lock(mutex_);
    abandoned_ = true;
    pending = current_;
  }
  if (!pending) return;
  pending->abandoned = true;
  pending->finish(make_error(Errc::cancelled, "the client left"));
}

bool MediaReader::stopped() {
  if (poll_ && Clock::now() - last_poll_ >= kPoll) {
    last_poll_ = Clock::now();
    poll_();
  }
  std::lock_guard lock(mutex_);
  return abandoned_;
}

Result<std::size_t> MediaReader::read_at(std::uint64_t offset, std::span<char> into) {
  if (offset >= size_ || into.empty()) return std::size_t{0};
  const bool inside = offset >= window_first_ && offset - window_first_ < window_.size();
  if (!inside) {
    const auto length = std::min(std::max<std::uint64_t>(kWindow, into.size()), size_ - offset);
    auto bytes = fetch(offset, length);
    if (!bytes) return bytes.error();
    window_first_ = offset;
    window_ = std::move(*bytes);
  }
  const auto at = offset - window_first_;
  const auto n = std::min<std::uint64_t>(into.size(), window_.size() - at);
  std::memcpy(into.data(), window_.data() + at, n);
  return static_cast<std::size_t>(n);
}

Result<std::string> MediaReader::fetch(std::uint64_t first, std::uint64_t length) {
  auto pending = std::make_shared<Pending>();
  {
    std::lock_guard lock(mutex_);
    if (abandoned_) return make_error(Errc::cancelled, "the client left");
    current_ = pending;
  }
  boost::asio::post(executor_, [open = open_, pending, first, length] {
    open(first, length, [pending](Result<std::shared_ptr<ByteSource>> source) {
      if (!source) {
        pending->finish(source.error());
        return;
      }
      WholeRead::start(
          *source, [pending] { return pending->abandoned.load(); },
          [pending](Result<std::string> bytes) { pending->finish(std::move(bytes)); });
    });
  });
  std::unique_lock lock(pending->mutex);
  while (!pending->result) {
    if (Clock::now() >= deadline_) {
      pending->abandoned = true;  // a source still opening is let go when it answers
      return make_error(Errc::timeout, "the file's bytes did not come in time");
    }
    pending->done.wait_until(lock, std::min(deadline_, Clock::now() + kPoll));
    if (!pending->result && poll_) {
      lock.unlock();
      poll_();
      lock.lock();
    }
  }
  return std::move(*pending->result);
}

}  // namespace seeder::http
