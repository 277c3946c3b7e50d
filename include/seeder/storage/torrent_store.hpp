#pragma once
// TorrentStore: everything seeder keeps on disk for one torrent: its content files, its
// completion database, the in-memory view of both, and its share of the cache budget. Shared
// (refcounted) by the disk I/O backend, the live torrent and HTTP readers, so a torrent removed
// and re-added never loses its files mid-read.
//
// Made of four parts, each with one job: TorrentFiles (the bytes), CompletionModel (which pieces
// are verified), CacheBudget (which may stay on disk; what to evict) and CompletionJournal (what
// is durable). The store keeps them in step: each change of a piece goes through one of its
// methods, under its state lock, to all of them and to its listener.
//
// Eviction: with a budget, once the complete pieces exceed it, the least recently used pieces
// that nobody protects are evicted down to 80% of it (see cache_budget.hpp). Readers protect the
// pieces of their read-ahead window, completed-file readers the pieces they serve; a protected
// piece is never evicted. Protection and eviction of one piece are serialised by a sharded lock, as
// are reads for peers, so no reader and no peer is ever handed bytes from a hole.
//
// Threads: open() runs on a blocking worker. on_piece_passed() comes from libtorrent's network
// thread; maintain() from the CompletionWriter; the rest from anywhere. Lock order: a piece's
// shard lock, then the state mutex, then the listener's (and the listener's callbacks' own);
// SQLite has its own mutex.

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <libtorrent/bitfield.hpp>
#include <libtorrent/sha1_hash.hpp>

#include "seeder/core/info_hash.hpp"
#include "seeder/core/mutex.hpp"
#include "seeder/core/result.hpp"
#include "seeder/storage/cache_budget.hpp"
#include "seeder/storage/completion_db.hpp"
#include "seeder/storage/completion_journal.hpp"
#include "seeder/storage/completion_model.hpp"
#include "seeder/storage/disk_budget.hpp"
#include "seeder/storage/piece_generations.hpp"
#include "seeder/storage/torrent_files.hpp"

namespace libtorrent {
class torrent_info;
}

namespace seeder::storage {

class CompletionWriter;
class Evictor;

// What a store is opened for.
struct StoreSpec {
  InfoHash key;                          // seeder's key (v1 hash)
  libtorrent::sha1_hash libtorrent_key;  // info_hash_t::get_best(), what the disk backend sees
  ContentLayout layout;                  // from the original file layout (orig_files())
  std::string torrent_file;              // saved beside the content; empty when unknown yet
  std::vector<libtorrent::sha1_hash>
      piece_hashes;  // v1 hashes, for --verify-on-start; may be empty
};

// The spec for a torrent whose metadata is known.
StoreSpec spec_for(const InfoHash& key, const libtorrent::torrent_info& info,
                   std::string torrent_file);

// Totals over every store, for the metrics. Shared by the stores of one StoreRegistry.
struct StorageCounters {
  std::atomic<std::uint64_t> pieces_completed{0};
  std::atomic<std::uint64_t> pieces_evicted{0};
  std::atomic<std::uint64_t> database_errors{0};  // failed commits, corrupt databases
  // Blocks libtorrent wrote again into a verified piece, dropped (verified bytes never change).
  std::atomic<std::uint64_t> verified_writes_dropped{0};
  // Passes refused: the piece's bytes changed after the hash that passed.
  std::atomic<std::uint64_t> stale_passes_refused{0};
};

struct StoreOptions {
  std::uint64_t budget = 0;  // bytes of complete pieces kept on disk; 0 = no eviction
  std::shared_ptr<StorageCounters> counters = std::make_shared<StorageCounters>();
  // Content files open at once across every store sharing these options.
  std::shared_ptr<OpenFiles> open_files = std::make_shared<OpenFiles>(kDefaultOpenFiles);
  static constexpr std::size_t kDefaultOpenFiles = 128;
  // Hash every recorded piece again when the store opens (--verify-on-start): catches bytes
  // changed on disk behind seeder's back, at the cost of reading everything once.
  bool verify_on_open = false;
  // The data dir's one budget (--cache-budget), shared by every store; null when none.
  std::shared_ptr<DiskBudget> disk;
};

class TorrentStore : public std::enable_shared_from_this<TorrentStore> {
 public:
  // Told of every change of a piece's state. The store is the one record of what is on disk:
  // the live torrent's PieceMap reads it, and wakes its waiters on `completed`. `completed` and
  // `evicting` run under the store's state lock, in the step that records the change (so the
  // two never cross for one piece; `evicting` before the piece's bytes go): they must be quick,
  // take no lock but their own leaf locks, and never call back into the store.
  struct PieceListener {
    std::function<void(int piece)> completed;
    std::function<void(int piece)> evicting;
  };

  // Creates the torrent's directory, saves its metadata, opens (or rebuilds) its database and
  // checks every recorded piece against the content files: a piece whose bytes are missing
  // (file gone, truncated, or a hole where data should be) is recorded incomplete again. Then
  // brings the torrent within its budget.
  static Result<std::shared_ptr<TorrentStore>> open(const std::filesystem::path& data_dir,
                                                    const StoreSpec& spec, CompletionWriter& writer,
                                                    Evictor& evictor, StoreOptions options = {});
  ~TorrentStore();
  TorrentStore(const TorrentStore&) = delete;
  TorrentStore& operator=(const TorrentStore&) = delete;

  [[nodiscard]] const InfoHash& key() const { return key_; }
  // The hash libtorrent gives the disk backend (info_hash_t::get_best(): truncated v2 for
  // hybrid torrents), so the backend can find this store.
  [[nodiscard]] const libtorrent::sha1_hash& libtorrent_key() const { return libtorrent_key_; }
  [[nodiscard]] TorrentFiles& files() { return files_; }
  [[nodiscard]] int num_pieces() const;
  [[nodiscard]] std::uint64_t budget() const { return cache_.budget(); }

  // True after the database was rebuilt: only a full hash check may say what is on disk.
  [[nodiscard]] bool needs_full_check() const;
  // Verified pieces, sized to the torrent, for add_torrent_params::have_pieces.
  [[nodiscard]] libtorrent::typed_bitfield<libtorrent::piece_index_t> have_pieces() const;
  [[nodiscard]] bool piece_complete(int piece) const;
  [[nodiscard]] int complete_pieces() const;
  [[nodiscard]] bool file_complete(int file_index) const;
  // Bytes of complete pieces on disk (what the budget counts) and evictions so far.
  [[nodiscard]] std::uint64_t bytes_on_disk() const;
  [[nodiscard]] std::uint64_t evictions() const { return evictions_; }

  // The disk backend: a block downloaded into `piece`. Dropped (ok) when the piece is verified
  // already: verified bytes are never rewritten, whatever a peer sends.
  Status write_block(int piece, int offset, std::span<const char> bytes);
  // The disk backend hashes `piece`: begin_hash before reading its bytes, end_hash after, so a
  // later pass is recorded only if the bytes it vouches for are still the ones on disk.
  [[nodiscard]] std::uint32_t begin_hash(int piece) const;
  // Which recording of the piece as verified this is (it changes each time the piece is
  // recorded again after being forgotten); 0 while it is not recorded.
  [[nodiscard]] std::uint32_t record_of(int piece) const;
  void end_hash(int piece, std::uint32_t token);
  // A reader takes pieces [first, last] as they are now; the check it gets (any thread) says
  // whether they are still complete and unchanged since (no eviction, no loss noticed, no write):
  // bytes read in between are the bytes that were verified (FileSlice::still_vouched).
  [[nodiscard]] std::function<bool()> vouch(int first, int last);
  // libtorrent verified `piece` (downloaded, resumed or checked). Cheap; durability follows.
  // Refused when the piece's bytes changed (written or evicted) since the hash that passed.
  void on_piece_passed(int piece);
  // libtorrent's hash of `piece` failed: if the store had it, its bytes are not what was
  // verified (changed on disk); it is forgotten, so the download that follows is written.
  void on_piece_failed(int piece);
  // A full hash check finished: the store's records are trustworthy again.
  void on_full_check_finished();

  // Protection against eviction, counted per piece.
  void protect(int piece);
  void unprotect(int piece);
  // Protects pieces [first, last] if all are complete; otherwise protects nothing.
  bool protect_if_complete(int first, int last);
  void unprotect(int first, int last);
  // Marks the piece used (most recently) for the LRU.
  void touch(int piece);
  // A read for a peer; Errc::not_found when the piece is not (or no longer) on disk.
  Status read_for_peer(int piece, int offset, std::span<char> out);

  void set_piece_listener(PieceListener listener);

  // Checks file `file_index`'s recorded pieces against its content file (removed or replaced,
  // size, holes) and forgets those whose bytes are gone, as an eviction would (a replaced file
  // is closed and all its pieces forgotten). Any thread, no store lock held; touches the disk.
  // Returns how many pieces were forgotten.
  int recheck_file(int file_index);
  // Forgets every recorded piece of file `file_index`, holes or not: what a write does when it
  // finds the file made anew or cut short (the block where a cut fell reads as data). Returns
  // how many pieces were forgotten.
  int forget_file(int file_index);

  // Evictor thread, writes, hashes (and open): if over budget once `incoming` more bytes are
  // complete, evict down to the low watermark (less `incoming`).
  void enforce_budget(std::uint64_t incoming = 0);
  // Cheap check, for the write path: over the torrent's budget, or the data dir's (which only
  // the evictor thread enforces: it may open stores).
  [[nodiscard]] bool over_budget() const;

  // For the data dir's budget (StoreRegistry::enforce_disk_budget, evictor thread).
  struct Unused {
    std::uint64_t last_use;  // PieceLru's clock
    int piece;
    std::uint64_t bytes;
  };
  // Complete pieces nobody protects, least recently used first, enough to make `bytes` (one
  // piece more at most).
  [[nodiscard]] std::vector<Unused> least_used(std::uint64_t bytes) const;
  // Evicts `pieces` (those protected since are left); the bytes that went.
  std::uint64_t evict_pieces(const std::vector<int>& pieces);
  // Writer thread (and open): make pending changes durable: fdatasync the files of newly
  // complete pieces, then record everything in one transaction. On failure the changes stay
  // pending for the next call.
  Status persist_pending();

 private:
  static constexpr std::size_t kShards = 64;

  TorrentStore(const std::filesystem::path& data_dir, const StoreSpec& spec,
               CompletionWriter& writer, Evictor& evictor, std::unique_ptr<CompletionDb> db,
               StoreOptions options);
  Status load(const CompletionDb::State& state);
  void verify(const std::vector<libtorrent::sha1_hash>& hashes);
  // The claimed pieces whose bytes are not all stored (file gone or short, or a hole).
  std::vector<int> missing_bytes(const std::vector<int>& claimed) const;
  // The file's recorded pieces; every pass on its way for a piece of it stops counting.
  std::vector<int> recorded_pieces_of(int file_index);
  // Forgets `lost` (pieces of file `file_index`), logging `how` the file lost them.
  int forget_lost(int file_index, const std::vector<int>& lost, const char* how);
  // False: it already was. `used`: complete now (else found on disk: least recently used).
  bool mark_complete_locked(int piece, bool used = true) REQUIRES(mutex_);
  void mark_incomplete_locked(int piece) REQUIRES(mutex_);
  [[nodiscard]] Mutex& shard(int piece) {
    return shards_[static_cast<std::size_t>(piece) % kShards];
  }
  bool evict(int piece);
  bool forget_shard_locked(int piece);
  PieceListener listener();

  InfoHash key_;
  libtorrent::sha1_hash libtorrent_key_;
  TorrentFiles files_;
  CompletionWriter& writer_;
  Evictor& evictor_;
  StoreOptions options_;

  CompletionJournal journal_;

  std::array<Mutex, kShards> shards_;  // per piece (piece % kShards)
  std::atomic<std::uint64_t> evictions_{0};

  mutable Mutex mutex_;
  CompletionModel completion_ GUARDED_BY(mutex_);    // verified pieces, per-file counts
  PieceGenerations generations_ GUARDED_BY(mutex_);  // whether a hash still describes the bytes
  std::vector<std::uint32_t> records_ GUARDED_BY(mutex_);  // per piece: times recorded verified
  // Its LRU under mutex_, its pins under the piece's shard lock (see cache_budget.hpp): not
  // annotated, since no one capability guards all of it.
  CacheBudget cache_;
  bool needs_check_ GUARDED_BY(mutex_) = false;

  Mutex listener_mutex_;
  PieceListener listener_ GUARDED_BY(listener_mutex_);
};

}  // namespace seeder::storage
