#include "seeder/storage/content_path.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "seeder/core/fd_io.hpp"
#include "seeder/core/unique_fd.hpp"

namespace seeder::storage {

std::filesystem::path torrent_dir(const std::filesystem::path& data_dir, const InfoHash& hash) {
  return data_dir / hash.hex();
}

std::filesystem::path content_path(const std::filesystem::path& data_dir, const InfoHash& hash,
                                   int file_index) {
  // A thousand files a directory: a 100k-file torrent does not make one huge directory.
  return torrent_dir(data_dir, hash) / "content" / std::to_string(file_index / 1000) /
         std::to_string(file_index);
}

std::filesystem::path database_path(const std::filesystem::path& data_dir, const InfoHash& hash) {
  return torrent_dir(data_dir, hash) / ".torrent.db";
}

std::filesystem::path metadata_path(const std::filesystem::path& data_dir, const InfoHash& hash) {
  return torrent_dir(data_dir, hash) / "source.torrent";
}

// Written once, through a temporary file and a rename: a reader never sees half a torrent.
Status save_metadata(const std::filesystem::path& data_dir, const InfoHash& hash,
                     const std::string& bytes) {
  const auto path = metadata_path(data_dir, hash);
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return {};
  std::filesystem::create_directories(path.parent_path(), ec);
  // A name of its own: two saves of the same torrent at once (two uploads) never share it.
  std::string temporary = path.string() + ".XXXXXX";
  UniqueFd fd{::mkstemp(temporary.data())};
  if (!fd.valid())
    return make_error(Errc::io, "cannot write " + temporary + ": " + std::strerror(errno));
  auto written = write_all(fd.get(), bytes);
  // On disk before it has its name (a crash must not leave an empty source.torrent, which
  // load_saved would skip for good), readable as the old files were (mkstemp makes 0600).
  if (written && (::fchmod(fd.get(), 0644) != 0 || ::fsync(fd.get()) != 0))
    written = make_error(Errc::io, std::strerror(errno));
  if (!written) {
    std::filesystem::remove(temporary, ec);
    return make_error(Errc::io, "cannot write " + temporary + ": " + written.error().message);
  }
  fd.reset();
  // Two saves of one torrent at once write the same bytes: whichever rename comes last wins.
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    return make_error(Errc::io, "cannot write " + path.string());
  }
  return {};
}

}  // namespace seeder::storage
