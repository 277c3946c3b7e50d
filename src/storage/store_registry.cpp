#include "seeder/storage/store_registry.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/stat.h>

#include <limits>
#include <map>

#include <spdlog/spdlog.h>
#include <libtorrent/torrent_info.hpp>

#include "seeder/core/read_file.hpp"
#include "seeder/storage/content_path.hpp"

namespace seeder::storage {

StoreRegistry::StoreRegistry(std::filesystem::path data_dir, StoreOptions options,
                             std::size_t keep_recent)
    : data_dir_(std::move(data_dir)),
      options_(std::move(options)),
      keep_recent_(keep_recent),
      evictor_([this] {
        if (disk_pass_on_) enforce_disk_budget();
      }) {
  if (!options_.counters) options_.counters = std::make_shared<StorageCounters>();
  if (!options_.open_files)
    options_.open_files = std::make_shared<OpenFiles>(StoreOptions::kDefaultOpenFiles);
  if (options_.disk && options_.disk->limited()) {
    count_data_dir();
    disk_pass_on_ = true;
  }
}

// Allocated blocks (holes are not), which is what the disk holds; a store that opens counts its
// complete pieces instead. Nothing here throws: an unreadable directory counts as empty.
void StoreRegistry::count_data_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::directory_iterator torrent(data_dir_, ec), end; !ec && torrent != end;
       torrent.increment(ec)) {
    const auto key = InfoHash::parse(torrent->path().filename().string());
    std::error_code type_error;
    if (!key || !torrent->is_directory(type_error)) continue;
    std::uint64_t bytes = 0;
    std::error_code walk;
    for (fs::recursive_directory_iterator file(torrent->path() / "content", walk), last;
         !walk && file != last; file.increment(walk)) {
      struct stat info {};
      if (::stat(file->path().c_str(), &info) == 0 && S_ISREG(info.st_mode))
        bytes += static_cast<std::uint64_t>(info.st_blocks) * 512;
    }
    if (bytes > 0) options_.disk->add_closed(*key, bytes, 0);
  }
}

std::vector<std::shared_ptr<TorrentStore>> StoreRegistry::open_stores() const {
  std::vector<std::shared_ptr<TorrentStore>> stores;
  LockGuard lock(mutex_);
  for (const auto& [key, weak] : by_libtorrent_key_) {
    if (auto store = weak.lock()) stores.push_back(std::move(store));
  }
  return stores;
}

StoreRegistry::~StoreRegistry() {
  disk_pass_on_ = false;
  evictor_.flush();  // a pass under way ends before this registry goes
  LockGuard lock(mutex_);
  recent_.clear();
}

Result<std::shared_ptr<TorrentStore>> StoreRegistry::open(const StoreSpec& spec) {
  std::shared_ptr<Slot> slot;
  {
    LockGuard lock(mutex_);
    auto& entry = slots_[spec.key];
    if (!entry) entry = std::make_shared<Slot>();
    slot = entry;
  }
  LockGuard open_lock(slot->open_mutex);
  if (auto store = slot->store.lock()) {
    // A store of it that was closing when this one opened may have listed it as closed.
    if (options_.disk) options_.disk->take_closed(spec.key);
    remember(store);
    return store;
  }
  auto store = TorrentStore::open(data_dir_, spec, writer_, evictor_, options_);
  if (!store) return store.error();
  slot->store = *store;
  {
    LockGuard lock(mutex_);
    by_libtorrent_key_[(*store)->libtorrent_key()] = *store;
  }
  remember(*store);
  return store;
}

void StoreRegistry::remember(const std::shared_ptr<TorrentStore>& store) {
  std::shared_ptr<TorrentStore> evicted;  // released after the lock
  LockGuard lock(mutex_);
  const auto it = std::find(recent_.begin(), recent_.end(), store);
  if (it != recent_.end()) recent_.erase(it);
  recent_.push_front(store);
  if (recent_.size() > keep_recent_) {
    evicted = std::move(recent_.back());
    recent_.pop_back();
  }
}

std::shared_ptr<TorrentStore> StoreRegistry::find(const lt::sha1_hash& libtorrent_key) const {
  LockGuard lock(mutex_);
  const auto it = by_libtorrent_key_.find(libtorrent_key);
  return it == by_libtorrent_key_.end() ? nullptr : it->second.lock();
}

void StoreRegistry::expect(const lt::sha1_hash& libtorrent_key, const InfoHash& key) {
  LockGuard lock(mutex_);
  expected_[libtorrent_key] = key;
}

InfoHash StoreRegistry::key_for(const lt::sha1_hash& libtorrent_key) const {
  LockGuard lock(mutex_);
  const auto it = expected_.find(libtorrent_key);
  if (it != expected_.end()) return it->second;
  return *InfoHash::from_raw(std::string_view(libtorrent_key.data(), libtorrent_key.size()));
}

Result<UniqueFd> StoreRegistry::open_for_read(const InfoHash& hash, int file_index) {
  const auto file = content_path(data_dir_, hash, file_index);
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.valid()) return fd;
  const int error = errno;
  if (error == ENOENT) return make_error(Errc::not_found, "no data yet in " + file.string());
  if (error == EMFILE || error == ENFILE)
    return make_error(Errc::unavailable, "cannot open " + file.string() + ": too many open files");
  return make_error(Errc::io, "cannot open " + file.string() + ": " + std::strerror(error));
}

Result<std::shared_ptr<TorrentStore>> StoreRegistry::open_saved(const InfoHash& key) {
  const auto path = metadata_path(data_dir_, key);
  auto bytes = read_file(path);
  if (!bytes) return bytes.error();
  lt::error_code error;
  const lt::torrent_info info(*bytes, error, lt::from_span);
  if (error)
    return make_error(Errc::corrupt, "cannot read " + path.string() + ": " + error.message());
  return open(spec_for(key, info, ""));
}

void StoreRegistry::enforce_disk_budget() {
  if (!options_.disk) return;
  auto& disk = *options_.disk;
  // Bounded: each round frees bytes or takes a closed torrent off the list (opening it); past
  // this, what is left is protected by readers.
  constexpr int kRounds = 64;
  for (int round = 0; round < kRounds && disk.over(); ++round) {
    const auto need = disk.excess();
    struct Candidate {
      TorrentStore::Unused unused;
      TorrentStore* store;
    };
    const auto stores = open_stores();  // held for the round
    std::vector<Candidate> candidates;
    for (const auto& store : stores) {
      for (const auto& unused : store->least_used(need))
        candidates.push_back({unused, store.get()});
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const auto& a, const auto& b) { return a.unused.last_use < b.unused.last_use; });
    const auto oldest_open = candidates.empty() ? std::numeric_limits<std::uint64_t>::max()
                                                : candidates.front().unused.last_use;
    // A torrent on disk with no open store, used before anything open: opened, its pieces are
    // the least recently used, and the next round takes them.
    if (const auto closed = disk.oldest_closed(oldest_open)) {
      if (auto opened = open_saved(*closed); !opened) {
        spdlog::warn("cache budget: cannot open torrent {} to evict its pieces: {}", closed->hex(),
                     opened.error().message);
        disk.take_closed(*closed);  // not counted again until a store of it opens
      }
      continue;
    }
    std::map<TorrentStore*, std::vector<int>> chosen;
    std::uint64_t picked = 0;
    for (const auto& candidate : candidates) {
      if (picked >= need) break;
      chosen[candidate.store].push_back(candidate.unused.piece);
      picked += candidate.unused.bytes;
    }
    std::uint64_t freed = 0;
    for (const auto& [store, pieces] : chosen)
      freed += store->evict_pieces(pieces);
    if (freed == 0) break;  // everything left is protected by readers
  }
}

}  // namespace seeder::storage
