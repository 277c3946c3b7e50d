#include "listener.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

namespace seeder::http {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Result<std::uint16_t> open_listener(tcp::acceptor& acceptor, const std::string& host,
                                    std::uint16_t port) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return make_error(Errc::bad_request, "invalid host '" + host + "': " + ec.message());
  const tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return make_error(
        Errc::io, "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message());
  }
  const auto bound = acceptor.local_endpoint(ec).port();
  if (ec) return make_error(Errc::io, "cannot read the bound port: " + ec.message());
  return bound;
}

AcceptLoop::AcceptLoop(asio::io_context& io, std::string name)
    : io_(io),
      name_(std::move(name)),
      acceptor_(asio::make_strand(io)),
      backoff_timer_(acceptor_.get_executor()) {}

Result<std::shared_ptr<AcceptLoop>> AcceptLoop::open(asio::io_context& io, const std::string& host,
                                                     std::uint16_t port, std::string name) {
  std::shared_ptr<AcceptLoop> loop(new AcceptLoop(io, std::move(name)));
  auto bound = open_listener(loop->acceptor_, host, port);
  if (!bound) return bound.error();
  loop->port_ = *bound;
  return loop;
}

void AcceptLoop::start(OnSocket on_socket) {
  asio::dispatch(acceptor_.get_executor(),
                 [self = shared_from_this(), on_socket = std::move(on_socket)]() mutable {
                   self->on_socket_ = std::move(on_socket);
                   self->accept();
                 });
}

void AcceptLoop::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ec;
    self->acceptor_.close(ec);
    self->backoff_timer_.cancel();
  });
}

void AcceptLoop::accept() {
  acceptor_.async_accept(
      asio::make_strand(io_),
      [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted) return;
        if (ec) return self->on_failed(ec);
        self->backoff_ = std::chrono::milliseconds(0);
        self->on_socket_(std::move(socket));
        self->accept();
      });
}

void AcceptLoop::on_failed(const boost::system::error_code& ec) {
  if (!acceptor_.is_open()) return;  // closed by stop(): accepting again would fail forever
  namespace errc = boost::system::errc;
  const bool exhausted = ec == errc::too_many_files_open ||
                         ec == errc::too_many_files_open_in_system || ec == errc::no_buffer_space ||
                         ec == errc::not_enough_memory;
  if (const auto held_back = log_.admit()) {
    spdlog::warn("{} accept on port {} failed: {}{} ({} more since the last report)", name_, port_,
                 ec.message(), exhausted ? "; pausing accepts" : "", *held_back);
  }
  if (!exhausted) return accept();
  backoff_ =
      std::clamp(backoff_ * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  backoff_timer_.expires_after(backoff_);
  backoff_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& waited) {
    if (waited != asio::error::operation_aborted) self->accept();
  });
}

}  // namespace seeder::http
