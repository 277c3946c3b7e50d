#include "seeder/torrent/catalog.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <libtorrent/torrent_info.hpp>

#include "seeder/core/endpoint.hpp"
#include "seeder/core/read_file.hpp"
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

// A stranger's torrent may not aim the gateway's HTTP client at its own network. Returns how
// many web seeds were dropped.
std::size_t drop_private_web_seeds(lt::torrent_info& info) {
  auto seeds = info.web_seeds();
  const auto before = seeds.size();
  seeds.erase(
      std::remove_if(seeds.begin(), seeds.end(),
                     [](const lt::web_seed_entry& seed) { return !url_host_is_public(seed.url); }),
      seeds.end());
  const auto dropped = before - seeds.size();
  if (dropped > 0) info.set_web_seeds(std::move(seeds));
  return dropped;
}

struct Parsed {
  std::shared_ptr<lt::torrent_info> info;
  std::size_t web_seeds_dropped = 0;
};

Result<Parsed> parse_info(const std::string& bytes, Origin origin) {
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
  const auto dropped = origin == Origin::stranger ? drop_private_web_seeds(*info) : 0;
  return Parsed{std::move(info), dropped};
}

}  // namespace

Result<CatalogEntry::Loaded> CatalogEntry::load() const {
  // Its file first; then its copy in the data dir (the --input file may be gone or replaced).
  Error last = make_error(Errc::unavailable, "no copy of torrent " + meta->hash().hex());
  for (const auto* path : {&torrent_path, &copy_path}) {
    if (!held_bytes && path->empty()) continue;
    auto bytes = held_bytes ? Result<std::string>(*held_bytes) : read_file(*path);
    if (!bytes) {
      last = make_error(Errc::unavailable,
                        "cannot read the torrent's metadata: " + bytes.error().message);
      continue;
    }
    auto parsed = parse_info(*bytes, origin);
    if (parsed && key_of(*parsed->info) == meta->hash())
      return Loaded{std::move(*bytes), std::move(parsed->info)};
    last = make_error(Errc::unavailable, path->string() + " is no longer torrent " +
                                             meta->hash().hex() +
                                             (parsed ? "" : ": " + parsed.error().message));
    if (held_bytes) break;
  }
  return last;
}

Result<std::string> CatalogEntry::torrent_file() const {
  auto loaded = load();
  if (!loaded) return loaded.error();
  return std::move(loaded->bytes);
}

Result<InfoPtr> CatalogEntry::load_info() const {
  auto loaded = load();
  if (!loaded) return loaded.error();
  return InfoPtr(std::move(loaded->info));
}

Result<EntryPtr> parse_torrent(std::string bytes, Origin origin) {
  auto parsed = parse_info(bytes, origin);
  if (!parsed) return parsed.error();
  const auto& info = *parsed->info;
  if (parsed->web_seeds_dropped > 0) {
    spdlog::warn("torrent {}: {} web seed(s) on a private address ignored (--allow-private-peers)",
                 info.name(), parsed->web_seeds_dropped);
  }
  auto meta = std::make_shared<const TorrentMeta>(
      key_of(info), info.name(), static_cast<std::uint64_t>(info.total_size()), info.piece_length(),
      info.num_pieces(), files_of(info), info.info_hashes().has_v2());
  CatalogEntry entry;
  entry.meta = std::move(meta);
  entry.libtorrent_key = info.info_hashes().get_best();
  entry.origin = origin;
  entry.held_bytes = std::make_shared<const std::string>(std::move(bytes));
  return std::make_shared<const CatalogEntry>(std::move(entry));
}

EntryPtr kept_in(const EntryPtr& entry, std::filesystem::path path,
                 std::filesystem::path copy_path) {
  auto kept = std::make_shared<CatalogEntry>(*entry);
  kept->torrent_path = std::move(path);
  kept->copy_path = std::move(copy_path);
  kept->held_bytes.reset();
  return kept;
}

Result<EntryPtr> save_entry(const std::filesystem::path& data_dir, const EntryPtr& entry) {
  if (!entry->held_bytes) return entry;
  const auto& hash = entry->meta->hash();
  if (auto saved = storage::save_metadata(data_dir, hash, *entry->held_bytes); !saved)
    return saved.error();
  return kept_in(entry, storage::metadata_path(data_dir, hash));
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
    auto loaded = load_file(path);
    if (!loaded) {
      report.skipped.push_back(path.string() + ": " + loaded.error().message);
      continue;
    }
    report.loaded.push_back(std::move(*loaded));
  }
  return report;
}

Result<EntryPtr> Catalog::load_file(const std::filesystem::path& path) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.error();
  auto entry = parse_torrent(std::move(*bytes));
  if (!entry) return entry.error();
  const auto& hash = (*entry)->meta->hash();
  return add(kept_in(
      *entry, path,
      copies_dir_.empty() ? std::filesystem::path() : storage::metadata_path(copies_dir_, hash)));
}

Catalog::LoadReport Catalog::load_saved(const std::filesystem::path& data_dir, Origin origin) {
  LoadReport report;
  std::error_code ec;
  for (const auto& item : std::filesystem::directory_iterator(data_dir, ec)) {
    const auto hash = InfoHash::parse(item.path().filename().string());
    if (!hash || find(*hash)) continue;
    const auto saved = storage::metadata_path(data_dir, *hash);
    if (!std::filesystem::exists(saved, ec)) continue;
    auto bytes = read_file(saved);
    auto entry = bytes ? parse_torrent(std::move(*bytes), origin) : Result<EntryPtr>(bytes.error());
    if (!entry || (*entry)->meta->hash() != *hash) {
      report.skipped.push_back(saved.string() + ": " +
                               (entry ? "belongs to another torrent" : entry.error().message));
      continue;
    }
    report.loaded.push_back(add(kept_in(*entry, saved)));
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
