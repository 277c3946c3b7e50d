#include "mini_http_server.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

namespace seeder::test {

MiniHttpServer::MiniHttpServer(Handler handler) : handler_(std::move(handler)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::listen(listener_, 16) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error(std::string("mini http server: ") + std::strerror(errno));
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { run(); });
}

MiniHttpServer::~MiniHttpServer() {
  stopping_ = true;
  thread_.join();
  ::close(listener_);
}

std::vector<std::string> MiniHttpServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void MiniHttpServer::run() {
  while (!stopping_) {
    pollfd ready{listener_, POLLIN, 0};
    if (::poll(&ready, 1, 50) <= 0) continue;
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    // One thread per connection: a slow answer must not hold up the next request.
    workers_.emplace_back([this, fd] {
      serve(fd);
      ::close(fd);
    });
  }
  for (auto& worker : workers_)
    worker.join();
}

void MiniHttpServer::serve(int fd) {
  std::string head;
  char buffer[4096];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (head.find("\r\n\r\n") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, 50) <= 0) continue;
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    head.append(buffer, static_cast<std::size_t>(n));
  }
  const auto first_space = head.find(' ');
  const auto second_space = head.find(' ', first_space + 1);
  if (first_space == std::string::npos || second_space == std::string::npos) return;
  const auto method = head.substr(0, first_space);
  const auto target = head.substr(first_space + 1, second_space - first_space - 1);
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(method + " " + target);
  }
  const auto response = handler_(method, target);
  const auto until = std::chrono::steady_clock::now() + response.delay;
  while (std::chrono::steady_clock::now() < until && !stopping_)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " X\r\nConnection: close\r\n";
  for (const auto& [name, value] : response.headers)
    out += name + ": " + value + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n\r\n";
  if (method != "HEAD") out += response.body;
  std::size_t sent = 0;
  while (sent < out.size()) {
    const auto n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

}  // namespace seeder::test
