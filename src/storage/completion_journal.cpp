#include "seeder/storage/completion_journal.hpp"

#include <algorithm>
#include <unordered_set>

namespace seeder::storage {

CompletionJournal::CompletionJournal(std::unique_ptr<CompletionDb> db, const ContentLayout& layout,
                                     std::atomic<std::uint64_t>* database_errors)
    : layout_(layout), database_errors_(database_errors), db_(std::move(db)) {
  file_rows_.assign(layout.files().size(), 0);
}

CompletionDb::FileRow CompletionJournal::row_of(const CompletionModel& model, int file) const {
  const auto& span = model.pieces_of(file);
  return {layout_.file(file).name, span.first, span.last};
}

Status CompletionJournal::reconcile(const CompletionModel& model, const CompletionDb::State& loaded,
                                    const std::vector<int>& incomplete) {
  CompletionDb::Change change;
  change.pieces_incomplete = incomplete;
  if (loaded.needs_check) change.needs_check = true;
  const std::unordered_set<std::string_view> rows(loaded.complete_files.begin(),
                                                  loaded.complete_files.end());
  {
    LockGuard lock(mutex_);
    for (int file = 0; file < model.num_files(); ++file) {
      if (model.pieces_of(file).pad) continue;
      auto row = row_of(model, file);
      const bool recorded = rows.count(row.path) != 0;
      const bool complete = model.file_complete(file);
      file_rows_[static_cast<std::size_t>(file)] = complete ? 1 : 0;
      if (complete && !recorded)
        change.files_complete.push_back(std::move(row));
      else if (!complete && recorded)
        change.files_incomplete.push_back(std::move(row.path));
    }
  }
  LockGuard db_lock(db_mutex_);
  return db_->apply(change);
}

void CompletionJournal::record(int piece, bool complete) {
  LockGuard lock(mutex_);
  pending_[piece] = complete;
}

void CompletionJournal::record_check_finished() {
  LockGuard lock(mutex_);
  check_finished_pending_ = true;
}

CompletionJournal::Batch CompletionJournal::take(const CompletionModel& model) {
  LockGuard lock(mutex_);
  Batch batch;
  batch.pieces.swap(pending_);
  std::vector<int> touched;
  for (const auto& entry : batch.pieces) {
    const int piece = entry.first;
    const bool complete = entry.second;  // a named copy: lambdas cannot capture bindings
    (complete ? batch.change.pieces_complete : batch.change.pieces_incomplete).push_back(piece);
    model.for_each_file_of(piece, [&](int file) {
      touched.push_back(file);
      if (complete) batch.synced_files.push_back(file);
    });
  }
  for (auto* list : {&touched, &batch.synced_files}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  for (const int file : touched) {
    const bool complete = model.file_complete(file);
    if (complete == (file_rows_[static_cast<std::size_t>(file)] != 0)) continue;
    batch.new_rows.emplace_back(file, complete);
    if (complete)
      batch.change.files_complete.push_back(row_of(model, file));
    else
      batch.change.files_incomplete.push_back(row_of(model, file).path);
  }
  if (check_finished_pending_) batch.change.needs_check = false;
  check_finished_pending_ = false;
  return batch;
}

Status CompletionJournal::commit(Batch batch, const SyncFile& sync_file) {
  // Bytes first, then the rows that claim them.
  for (const int file : batch.synced_files) {
    if (auto synced = sync_file(file); !synced) {
      restore(batch);
      return synced;
    }
  }
  Status applied;
  {
    LockGuard db_lock(db_mutex_);
    applied = db_->apply(batch.change);
  }
  if (!applied) {
    if (database_errors_ != nullptr) ++*database_errors_;
    restore(batch);
    return applied;
  }
  LockGuard lock(mutex_);
  for (const auto& [file, complete] : batch.new_rows)
    file_rows_[static_cast<std::size_t>(file)] = complete ? 1 : 0;
  return {};
}

void CompletionJournal::restore(const Batch& batch) {
  LockGuard lock(mutex_);
  for (const auto& [piece, complete] : batch.pieces)
    pending_.emplace(piece, complete);  // newer states win
  if (batch.change.needs_check) check_finished_pending_ = true;
}

}  // namespace seeder::storage
