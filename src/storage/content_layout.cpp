#include "seeder/storage/content_layout.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <libtorrent/file_storage.hpp>

#include "seeder/core/utf8.hpp"

namespace seeder::storage {
namespace {

constexpr std::size_t kMaxComponent = 255;  // NAME_MAX on Linux: what a downloader can save
constexpr std::size_t kMaxExtension = 32;

// Cuts `name` to at most `limit` bytes on a character boundary, keeping a short extension.
std::string shorten(const std::string& name, std::size_t limit) {
  if (name.size() <= limit) return name;
  const auto dot = name.rfind('.');
  const bool keep_extension =
      dot != std::string::npos && dot > 0 && name.size() - dot <= kMaxExtension;
  const std::string extension = keep_extension ? name.substr(dot) : std::string();
  std::size_t cut = limit - extension.size();
  // Back up over continuation bytes so that no character is split.
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80)
    --cut;
  return name.substr(0, cut) + extension;
}

std::string safe_component(std::string_view component) {
  std::string out;
  out.reserve(component.size());
  for (std::size_t at = 0; at < component.size();) {
    const auto c = static_cast<unsigned char>(component[at]);
    const auto length = utf8_sequence_length(component, at);
    if (length == 0 || c < 0x20 || c == 0x7F || c == '\\') {
      out.push_back('_');
      at += length == 0 ? 1 : length;
      continue;
    }
    out.append(component.substr(at, length));
    at += length;
  }
  return shorten(out, kMaxComponent);
}

}  // namespace

std::string safe_file_path(std::string_view path) {
  std::string out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto component = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (component.empty() || component == "." || component == "..") continue;
    if (!out.empty()) out.push_back('/');
    out += safe_component(component);
  }
  return out.empty() ? std::string("_") : out;
}

namespace {

// "dir/name.ext" → "dir/name.<n>.ext".
std::string numbered(const std::string& path, int n) {
  const auto slash = path.rfind('/');
  const auto start = slash == std::string::npos ? 0 : slash + 1;
  auto dot = path.rfind('.');
  if (dot == std::string::npos || dot <= start) dot = path.size();
  return path.substr(0, dot) + "." + std::to_string(n) + path.substr(dot);
}

}  // namespace

std::vector<std::string> unique_file_names(const std::vector<std::string>& paths) {
  // The route /<hash>/source.torrent serves the metadata; a file of that name moves aside.
  std::unordered_set<std::string> taken{"source.torrent"};
  taken.reserve(paths.size() + 1);
  // Per safe path, the number its next clash tries first: N names that clash cost N tries in
  // all, not N²/2 (a hostile torrent of 240,000 of them took minutes and froze the server).
  // Numbers skipped because the torrent names such a file itself are skipped once each.
  std::unordered_map<std::string, int> next_number;
  std::vector<std::string> names;
  names.reserve(paths.size());
  for (const auto& path : paths) {
    if (path.empty()) {
      names.emplace_back();
      continue;
    }
    auto safe = safe_file_path(path);
    auto name = safe;
    if (taken.count(name) != 0) {
      auto& n = next_number[safe];
      do {
        name = numbered(safe, ++n);
      } while (taken.count(name) != 0);
    }
    taken.insert(name);
    names.push_back(std::move(name));
  }
  return names;
}

ContentLayout::ContentLayout(int piece_length, int num_pieces, std::vector<ContentFile> files)
    : piece_length_(piece_length), num_pieces_(num_pieces), files_(std::move(files)) {
  for (const auto& file : files_)
    total_size_ = std::max(total_size_, file.offset + file.size);
}

ContentLayout ContentLayout::from(const lt::file_storage& storage) {
  std::vector<std::string> paths;
  paths.reserve(static_cast<std::size_t>(storage.num_files()));
  for (const auto index : storage.file_range())
    paths.push_back(storage.pad_file_at(index) ? std::string() : storage.file_path(index));
  auto names = unique_file_names(paths);
  std::vector<ContentFile> files;
  files.reserve(names.size());
  for (const auto index : storage.file_range()) {
    files.push_back(ContentFile{std::move(names[static_cast<std::size_t>(index)]),
                                static_cast<std::uint64_t>(storage.file_offset(index)),
                                static_cast<std::uint64_t>(storage.file_size(index)),
                                storage.pad_file_at(index)});
  }
  return ContentLayout(storage.piece_length(), storage.num_pieces(), std::move(files));
}

int ContentLayout::piece_size(int piece) const {
  const auto begin = static_cast<std::uint64_t>(piece) * static_cast<std::uint64_t>(piece_length_);
  if (begin >= total_size_) return 0;
  return static_cast<int>(
      std::min<std::uint64_t>(static_cast<std::uint64_t>(piece_length_), total_size_ - begin));
}

int ContentLayout::piece_size2(int piece) const {
  const auto begin = static_cast<std::uint64_t>(piece) * static_cast<std::uint64_t>(piece_length_);
  const auto next = std::upper_bound(
      files_.begin(), files_.end(), begin,
      [](std::uint64_t offset, const ContentFile& file) { return offset < file.offset; });
  if (next == files_.end()) return piece_size(piece);
  return static_cast<int>(
      std::min<std::uint64_t>(static_cast<std::uint64_t>(piece_length_), next->offset - begin));
}

std::vector<FileSlice> ContentLayout::map_block(int piece, std::int64_t offset,
                                                std::int64_t length) const {
  std::vector<FileSlice> slices;
  auto position = static_cast<std::uint64_t>(piece) * static_cast<std::uint64_t>(piece_length_) +
                  static_cast<std::uint64_t>(offset);
  auto remaining = static_cast<std::uint64_t>(std::max<std::int64_t>(length, 0));
  // The first file that ends after `position`.
  auto it = std::upper_bound(
      files_.begin(), files_.end(), position,
      [](std::uint64_t at, const ContentFile& file) { return at < file.offset + file.size; });
  for (; it != files_.end() && remaining > 0; ++it) {
    if (it->size == 0 || position < it->offset) continue;
    const auto in_file = position - it->offset;
    if (in_file >= it->size) continue;
    const auto take = std::min(remaining, it->size - in_file);
    slices.push_back(FileSlice{static_cast<int>(it - files_.begin()), in_file, take});
    position += take;
    remaining -= take;
  }
  return slices;
}

}  // namespace seeder::storage
