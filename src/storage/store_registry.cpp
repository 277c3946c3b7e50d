#include "seeder/storage/store_registry.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "seeder/storage/content_path.hpp"

namespace seeder::storage {

StoreRegistry::StoreRegistry(std::filesystem::path data_dir, StoreOptions options,
                             std::size_t keep_recent)
    : data_dir_(std::move(data_dir)), options_(std::move(options)), keep_recent_(keep_recent) {
  if (!options_.counters) options_.counters = std::make_shared<StorageCounters>();
  if (!options_.open_files)
    options_.open_files = std::make_shared<OpenFiles>(StoreOptions::kDefaultOpenFiles);
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

}  // namespace seeder::storage
