#include "sse.hpp"

#include <stdexcept>

namespace seeder::test {

std::string SseFrame::get(const std::string& name) const {
  for (const auto& [key, value] : fields) {
    if (key == name) return value;
  }
  return {};
}

bool SseFrame::has(const std::string& name) const {
  for (const auto& [key, value] : fields) {
    if (key == name) return true;
  }
  return false;
}

namespace {

SseFrame parse_frame(const std::string& text) {
  SseFrame frame;
  std::size_t at = 0;
  while (at < text.size()) {
    auto end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const auto line = text.substr(at, end - at);
    const auto colon = line.find(": ");
    if (colon == std::string::npos) throw std::runtime_error("sse: bad line '" + line + "'");
    frame.fields.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    at = end + 1;
  }
  return frame;
}

}  // namespace

std::vector<SseFrame> parse_sse(const std::string& body) {
  std::vector<SseFrame> frames;
  std::size_t at = 0;
  while (at < body.size()) {
    const auto end = body.find("\n\n", at);
    if (end == std::string::npos) throw std::runtime_error("sse: unterminated frame");
    frames.push_back(parse_frame(body.substr(at, end - at)));
    at = end + 2;
  }
  return frames;
}

SseStream::SseStream(std::uint16_t port, const std::string& target, const Headers& headers)
    : connection_(port) {
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : headers)
    request += name + ": " + value + "\r\n";
  connection_.send_raw(request + "\r\n");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (raw_.find("\r\n\r\n") == std::string::npos) {
    if (!fill(deadline)) throw std::runtime_error("sse: connection closed before the head");
  }
  const auto end = raw_.find("\r\n\r\n");
  head_ = raw_.substr(0, end);
  raw_.erase(0, end + 4);
  status_ = static_cast<unsigned>(std::stoul(head_.substr(9, 3)));
}

bool SseStream::fill(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) throw std::runtime_error("sse: timed out");
  const auto bytes = connection_.read_some(64 * 1024, left);
  if (bytes.empty()) return false;
  raw_ += bytes;
  return true;
}

bool SseStream::take_chunk() {
  const auto line_end = raw_.find("\r\n");
  if (line_end == std::string::npos) return false;
  const auto size = std::stoul(raw_.substr(0, line_end), nullptr, 16);
  if (raw_.size() < line_end + 2 + size + 2) return false;
  if (size == 0) {
    ended_ = true;
  } else {
    text_ += raw_.substr(line_end + 2, size);
  }
  raw_.erase(0, line_end + 2 + size + 2);
  return true;
}

std::optional<SseFrame> SseStream::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    while (take_chunk()) {
    }
    if (const auto end = text_.find("\n\n"); end != std::string::npos) {
      auto frame = parse_frame(text_.substr(0, end));
      text_.erase(0, end + 2);
      return frame;
    }
    if (ended_) return std::nullopt;
    if (!fill(deadline)) return std::nullopt;
  }
}

}  // namespace seeder::test
