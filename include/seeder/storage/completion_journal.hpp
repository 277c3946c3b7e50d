#pragma once
// CompletionJournal: makes one torrent's completion durable. Changes are recorded as they
// happen (cheap, in memory) and committed in batches by the completion writer: the content
// files of newly complete pieces are fdatasync'ed first, then every change goes to the
// CompletionDb in one transaction, so a crash between the two loses rows, never bytes. A file's
// row follows its pieces: present exactly when all of them are complete.
//
// Threads: record*() from anywhere, under the owner's state lock (TorrentStore's), so the
// journal sees changes in the order the CompletionModel did; take() and reconcile() (on open,
// before anyone else has the store) under that lock too, as they read the model; commit() from
// the writer thread (and open) without it. The journal's own locks are leaves.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "seeder/core/mutex.hpp"
#include "seeder/core/result.hpp"
#include "seeder/storage/completion_db.hpp"
#include "seeder/storage/completion_model.hpp"
#include "seeder/storage/content_layout.hpp"

namespace seeder::storage {

class CompletionJournal {
 public:
  // What one commit writes.
  struct Batch {
    std::map<int, bool> pieces;  // piece -> complete?
    CompletionDb::Change change;
    std::vector<int> synced_files;               // to fdatasync before the commit
    std::vector<std::pair<int, bool>> new_rows;  // file, recorded complete
  };
  using SyncFile = std::function<Status(int file)>;

  // `layout` names the files and must outlive the journal; `database_errors` (may be null)
  // counts failed commits.
  CompletionJournal(std::unique_ptr<CompletionDb> db, const ContentLayout& layout,
                    std::atomic<std::uint64_t>* database_errors);

  // On open, once the model holds what survived the start-up checks: records the pieces found
  // wanting (`incomplete`) and brings the file rows in line with the model (a crash may fall
  // between a piece's commit and its file's).
  Status reconcile(const CompletionModel& model, const CompletionDb::State& loaded,
                   const std::vector<int>& incomplete);

  void record(int piece, bool complete);
  void record_check_finished();

  // The pending changes as one batch, and the file rows they flip. Under the owner's lock.
  Batch take(const CompletionModel& model);
  // Syncs the batch's files, then applies it. On failure its changes are pending again (newer
  // ones for the same piece win) for the next commit.
  Status commit(Batch batch, const SyncFile& sync_file);

 private:
  [[nodiscard]] CompletionDb::FileRow row_of(const CompletionModel& model, int file) const;
  void restore(const Batch& batch);

  const ContentLayout& layout_;
  std::atomic<std::uint64_t>* database_errors_;
  Mutex db_mutex_;
  std::unique_ptr<CompletionDb> db_ GUARDED_BY(db_mutex_);

  Mutex mutex_;
  std::map<int, bool> pending_ GUARDED_BY(mutex_);          // piece -> complete?, not yet recorded
  std::vector<std::uint8_t> file_rows_ GUARDED_BY(mutex_);  // per file, recorded complete in the db
  bool check_finished_pending_ GUARDED_BY(mutex_) = false;
};

}  // namespace seeder::storage
