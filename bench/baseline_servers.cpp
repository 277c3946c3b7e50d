#include "baseline_servers.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace seeder::bench {
namespace {

constexpr const char* kNginx = "/usr/sbin/nginx";

}  // namespace

bool nginx_available() {
  return ::access(kNginx, X_OK) == 0;
}

NginxServer::NginxServer(const std::filesystem::path& root, const std::filesystem::path& scratch) {
  if (!nginx_available())
    throw std::runtime_error("nginx is not installed (scripts/install-deps.sh --bench)");
  port_ = test::free_port();
  const auto prefix = scratch / "nginx";
  std::filesystem::create_directories(prefix / "logs");
  const auto conf = prefix / "nginx.conf";
  std::ofstream out(conf);
  // Workers stay root when run as root: the scratch dirs are private to this user.
  out << (::geteuid() == 0 ? "user root;\n" : "") << "daemon off;\nworker_processes 1;\npid "
      << (prefix / "nginx.pid").string() << ";\nerror_log "
      << (prefix / "logs" / "error.log").string()
      << ";\nevents { worker_connections 256; }\nhttp {\n  sendfile on;\n  tcp_nopush on;\n  "
         "access_log off;\n"
      << "  server {\n    listen 127.0.0.1:" << port_ << ";\n    root " << root.string()
      << ";\n  }\n}\n";
  out.close();
  child_ = std::make_unique<test::ChildProcess>(
      std::vector<std::string>{kNginx, "-c", conf.string(), "-p", prefix.string()},
      (prefix / "stderr.log").string());
  if (!test::wait_for_listener(port_, std::chrono::seconds(10)))
    throw std::runtime_error("nginx did not start");
}

SendfileServer::SendfileServer(std::filesystem::path file) : file_(std::move(file)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener_, 64) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("sendfile server: cannot listen");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

SendfileServer::~SendfileServer() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  ::close(listener_);
  thread_.join();
}

void SendfileServer::serve() {
  while (!stopping_) {
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    answer(client);
    ::close(client);
  }
}

void SendfileServer::answer(int client) {
  std::string request;
  char buffer[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    const auto n = ::recv(client, buffer, sizeof buffer, 0);
    if (n <= 0) return;
    request.append(buffer, static_cast<std::size_t>(n));
  }
  const int fd = ::open(file_.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat info {};
  ::fstat(fd, &info);
  const auto size = static_cast<std::uint64_t>(info.st_size);
  std::uint64_t first = 0;
  std::uint64_t last = size - 1;
  std::string status = "200 OK";
  if (const auto at = request.find("Range: bytes="); at != std::string::npos) {
    first = std::stoull(request.substr(at + 13));
    last = std::stoull(request.substr(request.find('-', at + 13) + 1));
    status = "206 Partial Content";
  }
  const std::string head = "HTTP/1.1 " + status +
                           "\r\nContent-Length: " + std::to_string(last - first + 1) +
                           "\r\nConnection: close\r\n\r\n";
  ::send(client, head.data(), head.size(), MSG_NOSIGNAL);
  off_t offset = static_cast<off_t>(first);
  std::uint64_t left = last - first + 1;
  while (left > 0) {
    const auto sent = ::sendfile(client, fd, &offset, left);
    if (sent <= 0) break;
    left -= static_cast<std::uint64_t>(sent);
  }
  ::close(fd);
}

}  // namespace seeder::bench
