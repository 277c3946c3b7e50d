#pragma once
// EventBody: sends an EventStream's frames as the chunks of a chunked response body, each frame
// one chunk, the stream's end the last chunk (internal to the http module). Event streams
// (?stats) wait between frames, so no deadline runs while waiting; each write has
// `send_timeout`.
//
// Used on the stream's strand only. `done` runs once: ok after the last chunk; cancelled when
// the client went away, stopped reading or cancel() was called; the stream's own error when a
// frame failed.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/beast/core/tcp_stream.hpp>

#include "seeder/core/event_stream.hpp"
#include "seeder/core/result.hpp"

namespace seeder::http {

class EventBody : public std::enable_shared_from_this<EventBody> {
 public:
  using Done = std::function<void(Status)>;

  // `stream` belongs to `stream_owner`, which each write in flight holds: a write's composed
  // operation touches the stream until it completes, even after `done` has run.
  EventBody(boost::beast::tcp_stream& stream, std::weak_ptr<void> stream_owner,
            std::shared_ptr<EventStream> events, std::chrono::milliseconds send_timeout);

  void start(Done done);
  // Stops at once: cancels the stream and runs `done` with cancelled, from inside this call.
  void cancel();

  // Payload bytes of the frames written so far (without the chunk framing).
  [[nodiscard]] std::uint64_t sent() const { return sent_; }

 private:
  void next_frame();
  void on_frame(Result<std::optional<std::string>> frame);
  void write_chunk(bool last);
  void finish(Status status);

  boost::beast::tcp_stream& stream_;
  const std::weak_ptr<void> stream_owner_;
  std::shared_ptr<EventStream> events_;
  const std::chrono::milliseconds send_timeout_;
  Done done_;
  std::string chunk_;  // the chunk being written
  std::uint64_t sent_ = 0;
  bool finished_ = false;
};

}  // namespace seeder::http
