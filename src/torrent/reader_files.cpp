#include "seeder/torrent/reader_files.hpp"

#include "seeder/torrent/file_plan.hpp"

namespace seeder::torrent {

ReaderFiles::ReaderFiles(const TorrentMeta& meta, bool budget_mode)
    : meta_(meta), budget_mode_(budget_mode), background_(meta) {}

std::vector<int> ReaderFiles::open(const FileInfo& file) {
  if (readers_[file.index]++ > 0) return {};
  // The file as meta_ holds it: the caller's may belong to a newer catalog entry, and the
  // background keeps a pointer.
  const auto* own = meta_.find_file(file.path);
  if (own == nullptr) return {};
  if (!budget_mode_) background_.add_file(*own);
  return media_end_pieces(meta_, *own);
}

std::vector<int> ReaderFiles::close(const FileInfo& file) {
  const auto it = readers_.find(file.index);
  if (it == readers_.end() || --it->second > 0) return {};
  readers_.erase(it);
  const auto* own = meta_.find_file(file.path);
  if (own == nullptr) return {};
  if (!budget_mode_ && started_.count(file.index) == 0) background_.remove_file(*own);
  if (!budget_mode_) return {};
  return media_end_pieces(meta_, *own);
}

}  // namespace seeder::torrent
