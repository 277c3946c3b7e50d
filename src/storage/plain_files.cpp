#include "seeder/storage/plain_files.hpp"

#include <fcntl.h>

#include <cerrno>
#include <cstring>

namespace seeder::storage {

Result<UniqueFd> PlainFiles::open_for_read(const InfoHash& hash, std::string_view path) {
  const auto file = save_path(hash) / std::filesystem::path(std::string(path));
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.valid()) return fd;
  const int error = errno;
  if (error == ENOENT) return make_error(Errc::not_found, "no data yet for " + std::string(path));
  return make_error(Errc::io, "cannot open " + file.string() + ": " + std::strerror(error));
}

}  // namespace seeder::storage
