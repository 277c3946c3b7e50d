#pragma once
// PlainFiles: ContentFiles for libtorrent's own disk backend, which lays a torrent out as
// <root>/<info-hash>/files/<path in torrent>.

#include <filesystem>

#include "seeder/storage/content_files.hpp"

namespace seeder::storage {

class PlainFiles final : public ContentFiles {
 public:
  explicit PlainFiles(std::filesystem::path root) : root_(std::move(root)) {}

  // Where libtorrent is told to save a torrent.
  [[nodiscard]] std::filesystem::path save_path(const InfoHash& hash) const {
    return root_ / hash.hex() / "files";
  }
  Result<UniqueFd> open_for_read(const InfoHash& hash, std::string_view path) override;

 private:
  std::filesystem::path root_;
};

}  // namespace seeder::storage
