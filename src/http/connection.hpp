#pragma once
// Connection: one client connection of the HTTP server (internal to the http module). It only
// moves bytes: reads a request with a deadline and a fresh parser with limits, hands its head to
// the RequestHandler, then writes the response: an in-memory body, a file's bytes (checked
// copies, FileBody) under TCP_CORK, or an event stream as chunks; then the next request
// (keep-alive) or a lingering close. Runs on its own strand; kept alive by the operation in flight.

#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>

#include "seeder/core/log_limiter.hpp"
#include "seeder/core/mutex.hpp"
#include "seeder/http/request_handler.hpp"
#include "seeder/http/server.hpp"
#include "seeder/metrics/http_metrics.hpp"

namespace seeder::http {

class Connection;

// What every connection of one server shares. Outlives its connections (each holds it).
struct ConnectionHost {
  ConnectionHost(ServerOptions options, const RequestHandler& handler,
                 metrics::HttpMetrics* metrics)
      : options(std::move(options)), handler(handler), metrics(metrics) {}

  const ServerOptions options;
  const RequestHandler& handler;
  metrics::HttpMetrics* const metrics;  // optional
  LogLimiter refuse_log;

  Mutex mutex;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections GUARDED_BY(mutex);
  bool stopped GUARDED_BY(mutex) = false;
};

// Serves a new connection as its own Connection, registered with `host` for its lifetime. Over
// max_connections it is answered 503 and closed instead; after close_connections it is dropped.
void serve_connection(boost::asio::ip::tcp::socket socket,
                      const std::shared_ptr<ConnectionHost>& host);
// Over max_connections: answers a 503 the client can act on, and closes the socket on return.
void refuse_connection(boost::asio::ip::tcp::socket socket, ConnectionHost& host);
// Any thread, once: closes every connection on its strand (their work in flight is cancelled) and
// drops connections served from now on.
void close_connections(ConnectionHost& host);

}  // namespace seeder::http
