#pragma once
// OpenFiles: the content files kept open (fd + mapping) across every torrent of a StoreRegistry,
// at most `capacity` of them, least recently used closed first. A 100k-file torrent would
// otherwise hold an fd per file until its TTL and starve the HTTP server of descriptors.
// Closing is safe at any time: jobs in flight hold their own reference to the file.
//
// Thread-safe; the files open outside the lock.

#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <unordered_map>

#include "seeder/core/mutex.hpp"
#include "seeder/core/result.hpp"
#include "seeder/storage/mapped_file.hpp"

namespace seeder::storage {

class OpenFiles {
 public:
  explicit OpenFiles(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  OpenFiles(const OpenFiles&) = delete;
  OpenFiles& operator=(const OpenFiles&) = delete;

  // A key for one owner's files (one per TorrentFiles).
  std::uint64_t new_owner();
  // File `index` of `owner`, opened from `path` (sized to `size`, created with `create`) when it
  // is not open. Null when it does not exist and `create` is false.
  Result<std::shared_ptr<MappedFile>> get(std::uint64_t owner, int index,
                                          const std::filesystem::path& path, std::uint64_t size,
                                          bool create);
  // The file if it is open right now, without opening it.
  std::shared_ptr<MappedFile> find(std::uint64_t owner, int index);
  // Closes every file of `owner`.
  void forget(std::uint64_t owner);
  // Closes file `index` of `owner` (the next get() opens what is at its path then).
  void forget(std::uint64_t owner, int index);

  [[nodiscard]] std::size_t open_count() const;
  [[nodiscard]] std::size_t capacity() const { return capacity_; }

 private:
  struct Key {
    std::uint64_t owner;
    int index;
    bool operator==(const Key& other) const { return owner == other.owner && index == other.index; }
  };
  struct KeyHasher {
    std::size_t operator()(const Key& key) const {
      return std::hash<std::uint64_t>()(key.owner * 0x9E3779B97F4A7C15ull ^
                                        static_cast<std::uint64_t>(key.index));
    }
  };
  struct Entry {
    Key key;
    std::shared_ptr<MappedFile> file;
  };

  const std::size_t capacity_;
  mutable Mutex mutex_;
  std::uint64_t next_owner_ GUARDED_BY(mutex_) = 1;
  std::list<Entry> lru_ GUARDED_BY(mutex_);  // front newest
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHasher> by_key_ GUARDED_BY(mutex_);
};

}  // namespace seeder::storage
