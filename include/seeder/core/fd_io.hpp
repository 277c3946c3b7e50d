#pragma once
// Plain POSIX descriptor I/O as Status values. Any thread.

#include <string_view>

#include "seeder/core/result.hpp"

namespace seeder {

// Writes every byte of `bytes` to `fd` (retrying short writes and EINTR). Errc::io with
// strerror's text otherwise; callers add what they were writing.
Status write_all(int fd, std::string_view bytes);

}  // namespace seeder
