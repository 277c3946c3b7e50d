#pragma once
// Where seeder keeps a torrent on disk:
//   <data-dir>/<info-hash>/content/<sha1(path)[0:2]>/<sha1(path)>   one flat file per torrent file
//   <data-dir>/<info-hash>/.torrent.db                               piece and file completion
//   <data-dir>/<info-hash>/source.torrent                            the metadata, for restarts
// `path` is the file's original path inside the torrent ("Name/dir/file"), so renames and odd
// characters never reach the file system.

#include <filesystem>
#include <string_view>

#include "seeder/core/info_hash.hpp"
#include "seeder/core/result.hpp"

namespace seeder::storage {

std::filesystem::path torrent_dir(const std::filesystem::path& data_dir, const InfoHash& hash);
std::filesystem::path content_path(const std::filesystem::path& data_dir, const InfoHash& hash,
                                   std::string_view file_path);
std::filesystem::path database_path(const std::filesystem::path& data_dir, const InfoHash& hash);
std::filesystem::path metadata_path(const std::filesystem::path& data_dir, const InfoHash& hash);
// Saves a torrent's .torrent bytes at metadata_path (once; an existing file is kept).
Status save_metadata(const std::filesystem::path& data_dir, const InfoHash& hash,
                     const std::string& bytes);

}  // namespace seeder::storage
