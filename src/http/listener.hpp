#pragma once
// Listening sockets for the HTTP servers (internal to the http module): opening one, and the
// accept loop both servers run on it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "seeder/core/log_limiter.hpp"
#include "seeder/core/result.hpp"

namespace seeder::http {

// Opens, binds (SO_REUSEADDR) and listens; returns the bound port (useful with port 0).
Result<std::uint16_t> open_listener(boost::asio::ip::tcp::acceptor& acceptor,
                                    const std::string& host, std::uint16_t port);

// Accepts connections until stopped, each socket on a strand of its own. Out of descriptors
// (EMFILE, ENFILE, ENOBUFS, ENOMEM) accept fails at once for as long as the backlog is not
// empty: the loop then waits 10 ms, doubling up to 1 s, instead of spinning a core. Failures are
// logged once per interval, naming the server and how many were held back.
// start() once; stop() from any thread, idempotent; the handler runs on the loop's strand.
class AcceptLoop : public std::enable_shared_from_this<AcceptLoop> {
 public:
  using OnSocket = std::function<void(boost::asio::ip::tcp::socket)>;

  // `name` says whose loop it is in the log ("HTTP", "side server"), beside the port.
  static Result<std::shared_ptr<AcceptLoop>> open(boost::asio::io_context& io,
                                                  const std::string& host, std::uint16_t port,
                                                  std::string name);
  AcceptLoop(const AcceptLoop&) = delete;
  AcceptLoop& operator=(const AcceptLoop&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  void start(OnSocket on_socket);
  void stop();

 private:
  AcceptLoop(boost::asio::io_context& io, std::string name);
  void accept();
  void on_failed(const boost::system::error_code& ec);

  boost::asio::io_context& io_;
  const std::string name_;
  boost::asio::ip::tcp::acceptor acceptor_;  // on its own strand, as is everything below
  boost::asio::steady_timer backoff_timer_;
  std::chrono::milliseconds backoff_{0};
  LogLimiter log_;
  OnSocket on_socket_;
  std::uint16_t port_ = 0;  // set once before accepting starts
};

}  // namespace seeder::http
