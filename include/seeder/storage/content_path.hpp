#pragma once
// Where seeder keeps a torrent on disk:
//   <data-dir>/<info-hash>/content/<index / 1000>/<index>            one flat file per torrent file
//   <data-dir>/<info-hash>/.torrent.db                               piece and file completion
//   <data-dir>/<info-hash>/source.torrent                            the metadata, for restarts
// `index` is the file's index in the torrent (libtorrent's file_index_t): unique even where two
// files share a path, and no name from a torrent ever reaches the file system.

#include <filesystem>
#include <string>

#include "seeder/core/info_hash.hpp"
#include "seeder/core/result.hpp"

namespace seeder::storage {

std::filesystem::path torrent_dir(const std::filesystem::path& data_dir, const InfoHash& hash);
std::filesystem::path content_path(const std::filesystem::path& data_dir, const InfoHash& hash,
                                   int file_index);
std::filesystem::path database_path(const std::filesystem::path& data_dir, const InfoHash& hash);
std::filesystem::path metadata_path(const std::filesystem::path& data_dir, const InfoHash& hash);
// Saves a torrent's .torrent bytes at metadata_path (once; an existing file is kept).
Status save_metadata(const std::filesystem::path& data_dir, const InfoHash& hash,
                     const std::string& bytes);

}  // namespace seeder::storage
