#pragma once
// Server-Sent Events for tests: parsing a whole body, or reading a live chunked stream frame by
// frame over a real connection (to disconnect mid-stream). Everything is bounded by timeouts.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "http_client.hpp"

namespace seeder::test {

// One frame: its fields in order of appearance ("id", "event", "data", "have", ...).
struct SseFrame {
  std::vector<std::pair<std::string, std::string>> fields;
  [[nodiscard]] std::string get(const std::string& name) const;  // "" when absent
  [[nodiscard]] bool has(const std::string& name) const;
};

// Frames of a complete SSE body; throws on a frame that is not `name: value` lines.
std::vector<SseFrame> parse_sse(const std::string& body);

class SseStream {
 public:
  // Sends `GET target` with `headers` and reads the response head (throws unless it arrives).
  SseStream(std::uint16_t port, const std::string& target, const Headers& headers = {});

  [[nodiscard]] unsigned status() const { return status_; }
  [[nodiscard]] const std::string& head() const { return head_; }  // raw status line + headers
  // The next frame, or nullopt when the body ended; throws after `timeout` without one.
  std::optional<SseFrame> next(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // True once the final chunk arrived.
  [[nodiscard]] bool ended() const { return ended_; }
  void close() { connection_.close(); }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);  // false at EOF
  bool take_chunk();                                          // moves one chunk into text_

  HttpConnection connection_;
  unsigned status_ = 0;
  std::string head_;
  std::string raw_;   // received, not yet de-chunked
  std::string text_;  // de-chunked, not yet parsed into frames
  bool ended_ = false;
};

}  // namespace seeder::test
