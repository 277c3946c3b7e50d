#pragma once
// A small real HTTP/1.1 client over a loopback socket, for tests and benchmarks. Every call is
// bounded by a timeout; nothing here can hang a test.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace seeder::test {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  [[nodiscard]] std::string header(const std::string& lowercase_name) const;
};

// One request on a fresh connection (throws on transport failure or after `timeout`).
HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const Headers& headers = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));
inline HttpResponse http_get(std::uint16_t port, const std::string& target,
                             const Headers& headers = {}) {
  return http_request(port, "GET", target, headers);
}

// A keep-alive connection for several requests in a row.
class HttpConnection {
 public:
  // `from`: the local address to connect from (another loopback address is another client).
  explicit HttpConnection(std::uint16_t port, const std::string& from = {});
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // `body`, when not empty, goes with a Content-Length (set its Content-Type in `headers`).
  HttpResponse request(const std::string& method, const std::string& target,
                       const Headers& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(60),
                       const std::string& body = {});

  // Raw access: send bytes, read up to `max` bytes (empty at EOF), close.
  void send_raw(const std::string& bytes);
  std::string read_some(std::size_t max,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // True when the server closed the connection within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout);
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace seeder::test
