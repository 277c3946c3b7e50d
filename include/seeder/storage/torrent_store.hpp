#pragma once
// TorrentStore: everything seeder keeps on disk for one torrent: its content files, its
// completion database and the in-memory view of both. Shared (refcounted) by the disk I/O
// backend, the live torrent and HTTP readers, so a torrent removed and re-added never loses its
// files mid-read.
//
// Threads: open() runs on a blocking worker. on_piece_passed() comes from libtorrent's network
// thread; persist_pending() from the CompletionWriter; queries from anywhere. One mutex guards
// the in-memory state; the database has its own and is only touched by open() and the writer.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <libtorrent/bitfield.hpp>
#include <libtorrent/sha1_hash.hpp>

#include "seeder/core/info_hash.hpp"
#include "seeder/core/result.hpp"
#include "seeder/storage/completion_db.hpp"
#include "seeder/storage/torrent_files.hpp"

namespace libtorrent {
class torrent_info;
}

namespace seeder::storage {

class CompletionWriter;

// What a store is opened for.
struct StoreSpec {
  InfoHash key;                          // seeder's key (v1 hash)
  libtorrent::sha1_hash libtorrent_key;  // info_hash_t::get_best(), what the disk backend sees
  libtorrent::file_storage layout;       // the original file layout (orig_files())
  std::string torrent_file;              // saved beside the content; empty when unknown yet
};

// The spec for a torrent whose metadata is known.
StoreSpec spec_for(const InfoHash& key, const libtorrent::torrent_info& info,
                   std::string torrent_file);

class TorrentStore : public std::enable_shared_from_this<TorrentStore> {
 public:
  // Creates the torrent's directory, saves its metadata, opens (or rebuilds) its database and
  // checks every recorded piece against the content files: a piece whose bytes are missing
  // (file gone, truncated, or a hole where data should be) is recorded incomplete again.
  static Result<std::shared_ptr<TorrentStore>> open(const std::filesystem::path& data_dir,
                                                    const StoreSpec& spec,
                                                    CompletionWriter& writer);
  ~TorrentStore();
  TorrentStore(const TorrentStore&) = delete;
  TorrentStore& operator=(const TorrentStore&) = delete;

  [[nodiscard]] const InfoHash& key() const { return key_; }
  // The hash libtorrent gives the disk backend (info_hash_t::get_best(): truncated v2 for
  // hybrid torrents), so the backend can find this store.
  [[nodiscard]] const libtorrent::sha1_hash& libtorrent_key() const { return libtorrent_key_; }
  [[nodiscard]] TorrentFiles& files() { return files_; }
  [[nodiscard]] int num_pieces() const;

  // True after the database was rebuilt: only a full hash check may say what is on disk.
  [[nodiscard]] bool needs_full_check() const;
  // Verified pieces, sized to the torrent, for add_torrent_params::have_pieces.
  [[nodiscard]] libtorrent::typed_bitfield<libtorrent::piece_index_t> have_pieces() const;
  [[nodiscard]] bool piece_complete(int piece) const;
  [[nodiscard]] int complete_pieces() const;
  [[nodiscard]] bool file_complete(int file_index) const;

  // libtorrent verified `piece` (downloaded, resumed or checked). Cheap; durability follows.
  void on_piece_passed(int piece);
  // A full hash check finished: the store's records are trustworthy again.
  void on_full_check_finished();

  // Writer thread: fdatasync the files of pending pieces, then record them (and files that
  // became complete) in one transaction. On failure they stay pending for the next flush.
  Status persist_pending();

 private:
  struct FileSpan {
    int first_piece = 0;
    int last_piece = -1;  // empty for zero-length files
    bool pad = false;
  };
  TorrentStore(const std::filesystem::path& data_dir, const StoreSpec& spec,
               CompletionWriter& writer, std::unique_ptr<CompletionDb> db);
  Status load(const CompletionDb::State& state);
  std::vector<int> missing_bytes(const std::vector<int>& claimed) const;
  void mark_complete_locked(int piece);
  [[nodiscard]] CompletionDb::FileRow row_of(int file_index) const;

  InfoHash key_;
  libtorrent::sha1_hash libtorrent_key_;
  TorrentFiles files_;
  CompletionWriter& writer_;
  std::vector<FileSpan> spans_;  // per torrent file, immutable

  std::mutex db_mutex_;
  std::unique_ptr<CompletionDb> db_;  // guarded by db_mutex_

  mutable std::mutex mutex_;
  std::vector<std::uint8_t> complete_;   // guarded by mutex_: verified pieces
  std::vector<int> missing_;             // guarded by mutex_: per file, pieces not yet verified
  std::vector<std::uint8_t> file_rows_;  // guarded by mutex_: per file, recorded complete in the db
  std::vector<int> pending_;             // guarded by mutex_: verified, not yet durable
  int complete_count_ = 0;               // guarded by mutex_
  bool needs_check_ = false;             // guarded by mutex_
  bool check_finished_pending_ = false;  // guarded by mutex_
};

}  // namespace seeder::storage
