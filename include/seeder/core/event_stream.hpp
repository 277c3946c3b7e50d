#pragma once
// EventStream: an asynchronous sequence of text frames (Server-Sent Events) making up one HTTP
// body of unknown length. The HTTP layer sends each frame as it comes and ends the body when the
// stream says it is over.
//
// Threading: used only on its connection's strand; every async_next completes on that strand,
// exactly once.

#include <functional>
#include <optional>
#include <string>

#include "seeder/core/result.hpp"

namespace seeder {

class EventStream {
 public:
  // The next frame, or nullopt when the stream is over (the body ends cleanly).
  using NextHandler = std::function<void(Result<std::optional<std::string>>)>;

  virtual ~EventStream() = default;
  // Must not be called again before the previous call completed.
  virtual void async_next(NextHandler handler) = 0;
  // The client left: a pending async_next completes with Errc::cancelled.
  virtual void cancel() = 0;
};

}  // namespace seeder
