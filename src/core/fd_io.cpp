#include "seeder/core/fd_io.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace seeder {

Status write_all(int fd, std::string_view bytes) {
  for (std::size_t written = 0; written < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error(Errc::io, n < 0 ? std::strerror(errno) : "nothing written");
    written += static_cast<std::size_t>(n);
  }
  return {};
}

}  // namespace seeder
