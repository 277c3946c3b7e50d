#include "seeder/storage/content_path.hpp"

#include <fstream>

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
  const auto temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return make_error(Errc::io, "cannot write " + temporary);
  }
  std::filesystem::rename(temporary, path, ec);
  if (ec) return make_error(Errc::io, "cannot write " + path.string() + ": " + ec.message());
  return {};
}

}  // namespace seeder::storage
