#include "seeder/storage/content_path.hpp"

#include "seeder/core/sha1.hpp"

namespace seeder::storage {

std::filesystem::path torrent_dir(const std::filesystem::path& data_dir, const InfoHash& hash) {
  return data_dir / hash.hex();
}

std::filesystem::path content_path(const std::filesystem::path& data_dir, const InfoHash& hash,
                                   std::string_view file_path) {
  const auto name = sha1_hex(file_path);
  return torrent_dir(data_dir, hash) / "content" / name.substr(0, 2) / name;
}

std::filesystem::path database_path(const std::filesystem::path& data_dir, const InfoHash& hash) {
  return torrent_dir(data_dir, hash) / ".torrent.db";
}

std::filesystem::path metadata_path(const std::filesystem::path& data_dir, const InfoHash& hash) {
  return torrent_dir(data_dir, hash) / "source.torrent";
}

}  // namespace seeder::storage
