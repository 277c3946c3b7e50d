#pragma once
// Server: the HTTP listener and its connections (Boost.Beast on the gateway's io_context).
// Each connection is a Connection on its own strand (src/http/connection.hpp): it reads one request
// at a time (keep-alive), hands its head to the RequestHandler, and writes what that answers:
// an in-memory body, a file's bytes with sendfile(2), or an event stream (?stats, ?warmup) as
// chunks, frame by frame.
//
// Limits: request headers up to `header_limit`; a request must arrive within `read_timeout`
// (this is also the keep-alive idle time); a body send that makes no progress for
// `send_timeout` closes the connection. Beyond `max_connections`, a new connection is answered
// `503` and closed at once. Out of descriptors (EMFILE), the accept loop backs off (10 ms,
// doubling to 1 s) instead of spinning, and says so once per 10 s.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "seeder/core/endpoint.hpp"
#include "seeder/core/result.hpp"
#include "seeder/http/request_handler.hpp"
#include "seeder/metrics/http_metrics.hpp"

namespace seeder::http {

struct ServerOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds send_timeout{60'000};
  std::size_t header_limit = 16 * 1024;
  std::uint64_t slice_bytes = 4ull << 20;  // largest single sendfile batch
  // Connections at once; one more is answered 503 with Retry-After and closed. 0: no limit.
  std::size_t max_connections = 0;
  // Sent as X-Seeder-Instance on every answer; empty sends none.
  std::string instance_name;
  // The largest body a POST / (an upload) may have; 0: uploads are off, and such a body is
  // held to the small limit of every other request.
  std::uint64_t upload_limit = 0;
  // Peers whose X-Forwarded-* headers are believed (--trusted-proxy); none by default.
  std::vector<AddressBlock> trusted_proxies;
};

class Server {
 public:
  // Binds and starts accepting. Fails (no throw) when the address cannot be bound.
  // `handler` and `metrics` (optional) outlive the server and every connection it served
  // (the Gateway destroys them after its io_context has stopped).
  static Result<std::unique_ptr<Server>> start(boost::asio::io_context& io, ServerOptions options,
                                               const RequestHandler& handler,
                                               metrics::HttpMetrics* metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  // Stops accepting and closes every connection (their work in flight is cancelled).
  void stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace seeder::http
