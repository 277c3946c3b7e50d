#include "seeder/torrent/catalog.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include <spdlog/spdlog.h>
#include <libtorrent/torrent_info.hpp>

#include "seeder/core/endpoint.hpp"
#include "seeder/storage/content_layout.hpp"
#include "seeder/storage/content_path.hpp"
#include "seeder/torrent/torrent_screen.hpp"

namespace seeder::torrent {
namespace {

// The key seeder uses for a torrent: its v1 hash, or the truncated v2 hash for v2-only torrents.
InfoHash key_of(const lt::torrent_info& info) {
  const auto& hashes = info.info_hashes();
  const auto& best = hashes.has_v1() ? hashes.v1 : hashes.get_best();
  return *InfoHash::from_raw(std::string_view(best.data(), best.size()));
}

// URL paths follow the storage's naming rule (ContentLayout): unique and safe per torrent.
std::vector<FileInfo> files_of(const lt::torrent_info& info) {
  const auto layout = storage::ContentLayout::from(info.orig_files());
  std::vector<FileInfo> files;
  files.reserve(static_cast<std::size_t>(layout.num_files()));
  for (int index = 0; index < layout.num_files(); ++index) {
    const auto& file = layout.file(index);
    if (file.pad) continue;
    files.push_back(FileInfo{index, file.name, file.size, file.offset});
  }
  return files;
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::io, "cannot open " + path.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return make_error(Errc::io, "cannot read " + path.string());
  return bytes.str();
}

// A stranger's torrent may not aim the gateway's HTTP client at its own network.
void drop_private_web_seeds(lt::torrent_info& info) {
  auto seeds = info.web_seeds();
  const auto before = seeds.size();
  seeds.erase(
      std::remove_if(seeds.begin(), seeds.end(),
                     [](const lt::web_seed_entry& seed) { return !url_host_is_public(seed.url); }),
      seeds.end());
  if (seeds.size() == before) return;
  spdlog::warn("torrent {}: {} web seed(s) on a private address ignored (--allow-private-peers)",
               info.name(), before - seeds.size());
  info.set_web_seeds(std::move(seeds));
}

}  // namespace

Result<EntryPtr> parse_torrent(std::string bytes, Origin origin) {
  if (auto screened = screen_torrent(bytes); !screened)
    return make_error(Errc::bad_request, "not served: " + screened.error().message);
  lt::error_code ec;
  auto info = std::make_shared<lt::torrent_info>(
      lt::span<const char>(bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())), ec,
      lt::from_span);
  if (ec) return make_error(Errc::bad_request, "not a valid torrent: " + ec.message());
  if (info->num_files() == 0 || info->piece_length() <= 0) {
    return make_error(Errc::bad_request, "not a valid torrent: no files");
  }
  if (origin == Origin::stranger) drop_private_web_seeds(*info);
  auto meta = std::make_shared<const TorrentMeta>(
      key_of(*info), info->name(), static_cast<std::uint64_t>(info->total_size()),
      info->piece_length(), info->num_pieces(), files_of(*info), std::move(bytes),
      info->info_hashes().has_v2());
  return std::make_shared<const CatalogEntry>(CatalogEntry{std::move(meta), std::move(info), {}});
}

Result<Catalog::LoadReport> Catalog::load_input(const std::filesystem::path& input) {
  std::error_code ec;
  std::vector<std::filesystem::path> candidates;
  if (std::filesystem::is_directory(input, ec)) {
    for (const auto& item : std::filesystem::directory_iterator(input, ec)) {
      if (item.path().extension() == ".torrent" && item.is_regular_file(ec)) {
        candidates.push_back(item.path());
      }
    }
    if (ec) return make_error(Errc::io, "cannot list " + input.string() + ": " + ec.message());
    std::sort(candidates.begin(), candidates.end());
  } else if (std::filesystem::is_regular_file(input, ec)) {
    candidates.push_back(input);
  } else {
    return make_error(Errc::not_found,
                      "input " + input.string() + " is neither a file nor a directory");
  }

  LoadReport report;
  for (const auto& path : candidates) {
    if (auto loaded = load_file(path); !loaded) {
      report.skipped.push_back(path.string() + ": " + loaded.error().message);
      continue;
    }
    ++report.loaded;
  }
  return report;
}

Result<EntryPtr> Catalog::load_file(const std::filesystem::path& path) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.error();
  auto entry = parse_torrent(std::move(*bytes));
  if (!entry) return entry.error();
  return add(std::move(*entry));
}

Catalog::LoadReport Catalog::load_saved(const std::filesystem::path& data_dir) {
  LoadReport report;
  std::error_code ec;
  for (const auto& item : std::filesystem::directory_iterator(data_dir, ec)) {
    const auto hash = InfoHash::parse(item.path().filename().string());
    if (!hash || find(*hash)) continue;
    const auto saved = storage::metadata_path(data_dir, *hash);
    if (!std::filesystem::exists(saved, ec)) continue;
    auto bytes = read_file(saved);
    auto entry = bytes ? parse_torrent(std::move(*bytes)) : Result<EntryPtr>(bytes.error());
    if (!entry || (*entry)->meta->hash() != *hash) {
      report.skipped.push_back(saved.string() + ": " +
                               (entry ? "belongs to another torrent" : entry.error().message));
      continue;
    }
    add(std::move(*entry));
    ++report.loaded;
  }
  return report;
}

EntryPtr Catalog::add(EntryPtr entry) {
  LockGuard lock(mutex_);
  auto& slot = entries_[entry->meta->hash()];
  slot = std::move(entry);
  return slot;
}

EntryPtr Catalog::find(const InfoHash& hash) const {
  LockGuard lock(mutex_);
  const auto it = entries_.find(hash);
  return it == entries_.end() ? nullptr : it->second;
}

std::vector<MetaPtr> Catalog::list() const {
  std::vector<MetaPtr> out;
  {
    LockGuard lock(mutex_);
    out.reserve(entries_.size());
    for (const auto& [hash, entry] : entries_)
      out.push_back(entry->meta);
  }
  std::sort(out.begin(), out.end(), [](const MetaPtr& a, const MetaPtr& b) {
    return a->name() != b->name() ? a->name() < b->name() : a->hash() < b->hash();
  });
  return out;
}

std::size_t Catalog::size() const {
  LockGuard lock(mutex_);
  return entries_.size();
}

}  // namespace seeder::torrent
