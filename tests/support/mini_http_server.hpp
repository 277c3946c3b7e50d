#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 for tests that need an upstream (the torrent store, the
// vault): a real socket, a thread per connection, one request per connection, answers from a
// handler.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace seeder::test {

struct MiniResponse {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds delay{0};  // wait this long before answering
};

class MiniHttpServer {
 public:
  using Handler = std::function<MiniResponse(const std::string& method, const std::string& target)>;

  explicit MiniHttpServer(Handler handler);
  ~MiniHttpServer();  // stops and joins
  MiniHttpServer(const MiniHttpServer&) = delete;
  MiniHttpServer& operator=(const MiniHttpServer&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // "METHOD target" of every request so far.
  [[nodiscard]] std::vector<std::string> requests() const;

 private:
  void run();
  void serve(int fd);

  Handler handler_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;  // guarded by mutex_
  std::vector<std::thread> workers_;   // used by thread_ only
  std::thread thread_;
};

}  // namespace seeder::test
