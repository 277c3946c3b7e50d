#include "connection.hpp"

#include <sys/socket.h>

#include <array>
#include <string_view>

#include <spdlog/spdlog.h>

namespace seeder::http {
using tcp = boost::asio::ip::tcp;

// A fresh socket's send buffer takes the 503 whole, so it is written without waiting.
void refuse_connection(tcp::socket socket, ConnectionHost& host) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 21\r\n\r\n"
      "too many connections\n";
  const int fd = socket.native_handle();
  [[maybe_unused]] const auto sent =
      ::send(fd, kBusy.data(), kBusy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  // Read what the client already sent, so that the close is a FIN and not a reset that could
  // discard the 503 before the client reads it.
  std::array<char, 4096> request{};
  [[maybe_unused]] const auto read = ::recv(fd, request.data(), request.size(), MSG_DONTWAIT);
  ::shutdown(fd, SHUT_WR);
  if (const auto held_back = host.refuse_log.admit()) {
    spdlog::warn(
        "HTTP: refused a connection over --max-connections {} ({} more since the last "
        "report)",
        host.options.max_connections, *held_back);
  }
}

}  // namespace seeder::http
