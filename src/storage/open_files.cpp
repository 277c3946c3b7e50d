#include "seeder/storage/open_files.hpp"

#include <vector>

namespace seeder::storage {

std::uint64_t OpenFiles::new_owner() {
  LockGuard lock(mutex_);
  return next_owner_++;
}

std::shared_ptr<MappedFile> OpenFiles::find(std::uint64_t owner, int index) {
  LockGuard lock(mutex_);
  const auto it = by_key_.find(Key{owner, index});
  if (it == by_key_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->file;
}

Result<std::shared_ptr<MappedFile>> OpenFiles::get(std::uint64_t owner, int index,
                                                   const std::filesystem::path& path,
                                                   std::uint64_t size, bool create) {
  if (auto open = find(owner, index)) return open;
  auto opened = MappedFile::open(path, size, create);
  if (!opened) {
    if (!create && opened.error().code == Errc::not_found) return std::shared_ptr<MappedFile>();
    return opened.error();
  }
  std::vector<std::shared_ptr<MappedFile>> closing;  // closed after the lock
  LockGuard lock(mutex_);
  const Key key{owner, index};
  if (const auto it = by_key_.find(key); it != by_key_.end()) {
    // Another thread opened it meanwhile: keep one, and the word that this open created it.
    lru_.splice(lru_.begin(), lru_, it->second);
    if ((*opened)->take_created()) it->second->file->mark_created();
    closing.push_back(std::move(*opened));
    return it->second->file;
  }
  lru_.push_front(Entry{key, *opened});
  by_key_.emplace(key, lru_.begin());
  while (lru_.size() > capacity_) {
    closing.push_back(std::move(lru_.back().file));
    by_key_.erase(lru_.back().key);
    lru_.pop_back();
  }
  return *opened;
}

void OpenFiles::forget(std::uint64_t owner) {
  std::vector<std::shared_ptr<MappedFile>> closing;
  LockGuard lock(mutex_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (it->key.owner != owner) {
      ++it;
      continue;
    }
    closing.push_back(std::move(it->file));
    by_key_.erase(it->key);
    it = lru_.erase(it);
  }
}

void OpenFiles::forget(std::uint64_t owner, int index) {
  std::shared_ptr<MappedFile> closing;
  LockGuard lock(mutex_);
  const auto it = by_key_.find(Key{owner, index});
  if (it == by_key_.end()) return;
  closing = std::move(it->second->file);
  lru_.erase(it->second);
  by_key_.erase(it);
}

std::size_t OpenFiles::open_count() const {
  LockGuard lock(mutex_);
  return lru_.size();
}

}  // namespace seeder::storage
