#include "seeder/torrent/quick_ack.hpp"

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>

namespace seeder::torrent {
namespace {

using boost::asio::ip::tcp;

bool same(const sockaddr_storage& address, socklen_t length, const tcp::endpoint& endpoint) {
  if (length > sizeof(sockaddr_storage) || length != endpoint.size()) return false;
  return std::memcmp(&address, endpoint.data(), length) == 0;
}

bool connects(int fd, const tcp::endpoint& local, const tcp::endpoint& remote) {
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISSOCK(info.st_mode)) return false;
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      !same(address, length, remote))
    return false;
  length = sizeof address;
  return ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0 &&
         same(address, length, local);
}

}  // namespace

int find_tcp_socket(const tcp::endpoint& local, const tcp::endpoint& remote) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int found = -1;
  while (const dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == ::dirfd(dir)) continue;
    if (connects(static_cast<int>(fd), local, remote)) {
      found = static_cast<int>(fd);
      break;
    }
  }
  ::closedir(dir);
  return found;
}

void ack_now(int fd) {
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
}

void send_without_delay(int fd) {
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

}  // namespace seeder::torrent
