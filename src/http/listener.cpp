#include "listener.hpp"

namespace seeder::http {

Result<std::uint16_t> open_listener(boost::asio::ip::tcp::acceptor& acceptor,
                                    const std::string& host, std::uint16_t port) {
  namespace asio = boost::asio;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return make_error(Errc::bad_request, "invalid host '" + host + "': " + ec.message());
  const asio::ip::tcp::endpoint endpoint(address, port);
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

}  // namespace seeder::http
