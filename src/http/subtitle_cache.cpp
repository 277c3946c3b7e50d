#include "subtitle_cache.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <deque>

#include <boost/asio/post.hpp>

#include "seeder/core/deliver.hpp"
#include "seeder/core/fd_io.hpp"
#include "seeder/http/webvtt.hpp"

namespace seeder::http {
namespace {

using Executor = boost::asio::any_io_executor;

// A converted text in a memfd, shared by every body that sends it.
struct Text {
  UniqueFd fd;
  std::uint64_t size = 0;
};

// The bytes of one Text as a body (read from the memfd).
class TextSource final : public ByteSource {
 public:
  TextSource(std::shared_ptr<const Text> text, Executor executor)
      : text_(std::move(text)), executor_(std::move(executor)) {}
  [[nodiscard]] std::uint64_t size() const override { return text_->size; }
  void async_next(std::uint64_t max_bytes, NextHandler handler) override {
    Result<FileSlice> slice = make_error(Errc::cancelled, "response cancelled");
    if (!cancelled_) {
      const auto length = std::min(max_bytes, text_->size - cursor_);
      slice = FileSlice{text_->fd.get(), cursor_, length, {}};
      cursor_ += length;
    }
    deliver(executor_, std::move(handler), std::move(slice));
  }
  void cancel() override { cancelled_ = true; }

 private:
  std::shared_ptr<const Text> text_;
  Executor executor_;
  std::uint64_t cursor_ = 0;
  bool cancelled_ = false;
};

Result<std::shared_ptr<const Text>> convert(const std::string& srt) {
  const auto vtt = srt_to_webvtt(srt);
  if (vtt.size() > SubtitleCache::kMaxOutput)
    return make_error(
        Errc::payload_too_large,
        "its WebVTT would be over " + std::to_string(SubtitleCache::kMaxOutput >> 20) + " MiB");
  auto text = std::make_shared<Text>();
  text->fd = UniqueFd(::memfd_create("seeder-webvtt", MFD_CLOEXEC));
  if (!text->fd.valid())
    return make_error(Errc::io, std::string("memfd_create: ") + std::strerror(errno));
  if (auto written = write_all(text->fd.get(), vtt); !written) return written.error();
  text->size = vtt.size();
  return std::shared_ptr<const Text>(std::move(text));
}

}  // namespace

struct SubtitleCache::State {
  struct Job {
    std::string key;
    std::string srt;
    Executor executor;
    Handler handler;
  };
  explicit State(Executor work_on) : work(std::move(work_on)) {}

  Executor work;
  Mutex mutex;
  int running GUARDED_BY(mutex) = 0;
  std::deque<Job> waiting GUARDED_BY(mutex);
  std::list<std::pair<std::string, std::shared_ptr<const Text>>> recent GUARDED_BY(mutex);
  std::uint64_t bytes GUARDED_BY(mutex) = 0;

  std::shared_ptr<const Text> lookup(const std::string& key) {
    LockGuard lock(mutex);
    for (auto it = recent.begin(); it != recent.end(); ++it) {
      if (it->first != key) continue;
      recent.splice(recent.begin(), recent, it);
      return it->second;
    }
    return nullptr;
  }
  void keep(const std::string& key, std::shared_ptr<const Text> text) {
    LockGuard lock(mutex);
    bytes += text->size;
    recent.emplace_front(key, std::move(text));
    while (bytes > kBudget && recent.size() > 1) {
      bytes -= recent.back().second->size;
      recent.pop_back();
    }
  }
};

namespace {

void run(const std::shared_ptr<SubtitleCache::State>& state, SubtitleCache::State::Job job);

// Starts the next waiting job, if any; called when one ends.
void next(const std::shared_ptr<SubtitleCache::State>& state) {
  std::optional<SubtitleCache::State::Job> job;
  {
    LockGuard lock(state->mutex);
    if (state->waiting.empty()) {
      --state->running;
      return;
    }
    job = std::move(state->waiting.front());
    state->waiting.pop_front();
  }
  run(state, std::move(*job));
}

void run(const std::shared_ptr<SubtitleCache::State>& state, SubtitleCache::State::Job job) {
  boost::asio::post(state->work, [state, job = std::move(job)]() mutable {
    // The same subtitle may have been converted while this one waited.
    auto text = state->lookup(job.key);
    Result<std::shared_ptr<ByteSource>> body = make_error(Errc::internal, "no conversion");
    if (!text) {
      Result<std::shared_ptr<const Text>> made = make_error(Errc::internal, "no conversion");
      try {
        made = convert(job.srt);
      } catch (const std::exception& error) {  // out of memory: the slot must still move on
        made = make_error(Errc::internal, std::string("converting: ") + error.what());
      }
      if (made) {
        text = *made;
        state->keep(job.key, text);
      } else {
        body = made.error();
      }
    }
    if (text) body = std::shared_ptr<ByteSource>(std::make_shared<TextSource>(text, job.executor));
    deliver(job.executor, std::move(job.handler), std::move(body));
    next(state);
  });
}

}  // namespace

SubtitleCache::SubtitleCache(Executor work) : state_(std::make_shared<State>(std::move(work))) {}

std::shared_ptr<ByteSource> SubtitleCache::find(const std::string& key, Executor executor) {
  auto text = state_->lookup(key);
  return text ? std::make_shared<TextSource>(std::move(text), std::move(executor)) : nullptr;
}

void SubtitleCache::async_convert(std::string key, std::string srt, Executor executor,
                                  Handler handler) {
  State::Job job{std::move(key), std::move(srt), std::move(executor), std::move(handler)};
  bool refused = false;
  {
    LockGuard lock(state_->mutex);
    if (state_->running < kRunning) {
      ++state_->running;
    } else if (state_->waiting.size() < static_cast<std::size_t>(kWaiting)) {
      state_->waiting.push_back(std::move(job));
      return;
    } else {
      refused = true;
    }
  }
  if (refused) {
    deliver(job.executor, std::move(job.handler),
            Result<std::shared_ptr<ByteSource>>(make_error(
                Errc::unavailable, "too many subtitles are being converted; try again")));
    return;
  }
  run(state_, std::move(job));
}

}  // namespace seeder::http
