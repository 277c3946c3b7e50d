#pragma once
// SubtitleCache: the WebVTT conversions of .srt files (internal to the http module). A
// conversion runs off the HTTP threads, at most two at once (a few more wait; past that a
// client gets 503), and its text is kept in a memfd: every client of that subtitle is sent the
// one copy, a buffer's worth at a time, so clients that do not read cost little each (40 took a
// 16 MiB .srt's 52 MB of WebVTT to 2 GB of RSS). The most recent conversions are kept under a
// byte budget; a conversion over kMaxOutput is refused.
//
// Thread-safe: HTTP strands ask, the work executor converts; handlers complete on the asker's
// executor. Jobs hold the cache's state (a strong reference by design), so a cache destroyed
// with work queued leaves that work harmless.

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/byte_source.hpp"
#include "seeder/core/mutex.hpp"
#include "seeder/core/result.hpp"
#include "seeder/core/unique_fd.hpp"

namespace seeder::http {

class SubtitleCache {
 public:
  using Executor = boost::asio::any_io_executor;
  using Handler = std::function<void(Result<std::shared_ptr<ByteSource>>)>;

  static constexpr std::uint64_t kMaxOutput = 8ull << 20;
  static constexpr std::uint64_t kBudget = 64ull << 20;
  static constexpr int kRunning = 2;
  static constexpr int kWaiting = 16;

  // `work`: where conversions run (the gateway's blocking pool).
  explicit SubtitleCache(Executor work);

  // The converted text of `key` (the WebVTT ETag), as a body, if it is cached.
  std::shared_ptr<ByteSource> find(const std::string& key, Executor executor);
  // Converts `srt`, keeps the text under `key` and completes on `executor` with it as a body.
  // Errc::unavailable when too many conversions wait; Errc::payload_too_large over kMaxOutput.
  void async_convert(std::string key, std::string srt, Executor executor, Handler handler);

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace seeder::http
