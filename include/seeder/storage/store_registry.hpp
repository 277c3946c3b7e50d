#pragma once
// StoreRegistry: opens TorrentStores (at most once per torrent at a time) and finds them again:
// by seeder's key for HTTP readers and the live torrent, by libtorrent's key for the disk I/O
// backend. Keeps the most recently used ones open so that requests for completed files do not
// reopen SQLite each time. Also the ContentFiles seam: readers open content files through it.
//
// Thread-safe. Opening one torrent never blocks opening another (a lock per torrent).
// Outlives every store it hands out (they write through its CompletionWriter).

#include <cstddef>
#include <deque>
#include <filesystem>
#include <memory>
#include <unordered_map>

#include <libtorrent/sha1_hash.hpp>

#include "seeder/core/mutex.hpp"
#include "seeder/storage/completion_writer.hpp"
#include "seeder/storage/content_files.hpp"
#include "seeder/storage/evictor.hpp"
#include "seeder/storage/torrent_store.hpp"

namespace seeder::storage {

class StoreRegistry final : public ContentFiles {
 public:
  explicit StoreRegistry(std::filesystem::path data_dir, StoreOptions options = {},
                         std::size_t keep_recent = 32);
  ~StoreRegistry() override;
  StoreRegistry(const StoreRegistry&) = delete;
  StoreRegistry& operator=(const StoreRegistry&) = delete;

  [[nodiscard]] const std::filesystem::path& data_dir() const { return data_dir_; }
  [[nodiscard]] const StorageCounters& counters() const { return *options_.counters; }
  // Every store open right now (held by a live torrent, a reader or the recent list).
  [[nodiscard]] std::vector<std::shared_ptr<TorrentStore>> open_stores() const;
  [[nodiscard]] const StoreOptions& options() const { return options_; }

  // The store of `spec.key`, opening it when no one holds it. Slow (SQLite, file checks): call
  // it from a blocking worker.
  Result<std::shared_ptr<TorrentStore>> open(const StoreSpec& spec);
  // An open store by libtorrent's key, or null.
  [[nodiscard]] std::shared_ptr<TorrentStore> find(
      const libtorrent::sha1_hash& libtorrent_key) const;
  // Announces that libtorrent will know torrent `key` as `libtorrent_key` (they differ for hybrid
  // torrents), for stores the backend has to open itself once metadata arrives.
  void expect(const libtorrent::sha1_hash& libtorrent_key, const InfoHash& key);
  [[nodiscard]] InfoHash key_for(const libtorrent::sha1_hash& libtorrent_key) const;

  Result<UniqueFd> open_for_read(const InfoHash& hash, int file_index) override;
  // Waits until every eviction scheduled so far is done and every completion and eviction so
  // far is recorded: what a restart would find.
  void flush() {
    evictor_.flush();
    writer_.flush();
  }

  // Evictor thread (and tests): brings the data dir back within its budget (--cache-budget),
  // least recently used pieces of any torrent first; a torrent on disk with no open store is
  // opened for it. A no-op without a budget.
  void enforce_disk_budget();
  // The store of a torrent whose metadata is saved in the data dir (opened when needed).
  Result<std::shared_ptr<TorrentStore>> open_saved(const InfoHash& key);

 private:
  struct Slot {
    Mutex open_mutex;
    std::weak_ptr<TorrentStore> store GUARDED_BY(open_mutex);
  };
  void remember(const std::shared_ptr<TorrentStore>& store);
  // Start-up: every torrent with content in the data dir counts against its budget.
  void count_data_dir();

  std::filesystem::path data_dir_;
  StoreOptions options_;
  std::size_t keep_recent_;
  // Off in the destructor, before the evictor's last pass: the pass walks this registry.
  std::atomic<bool> disk_pass_on_{false};
  // Declared early: destroyed after every store this registry keeps.
  CompletionWriter writer_;
  Evictor evictor_;

  mutable Mutex mutex_;
  std::unordered_map<InfoHash, std::shared_ptr<Slot>, InfoHashHasher> slots_ GUARDED_BY(mutex_);
  std::unordered_map<libtorrent::sha1_hash, std::weak_ptr<TorrentStore>> by_libtorrent_key_
      GUARDED_BY(mutex_);
  std::deque<std::shared_ptr<TorrentStore>> recent_ GUARDED_BY(mutex_);
  std::unordered_map<libtorrent::sha1_hash, InfoHash> expected_ GUARDED_BY(mutex_);
};

}  // namespace seeder::storage
