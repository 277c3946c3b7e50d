// CompletionJournal over a real SQLite file: what a commit writes, the order of fdatasync and
// commit, file rows that follow their pieces, and changes that survive a failed commit.
#include <gtest/gtest.h>

#include <vector>

#include "seeder/storage/completion_journal.hpp"
#include "temp_dir.hpp"

namespace seeder::storage {
namespace {

using test::TempDir;

constexpr const char* kHex = "c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd";

// Pieces of 10 bytes: a.bin in pieces 0-1, b.bin in pieces 2-3 (piece 2 is shared).
ContentLayout two_files() {
  return ContentLayout(10, 4, {{"a.bin", 0, 20, false}, {"b.bin", 20, 20, false}});
}

class CompletionJournalTest : public ::testing::Test {
 protected:
  std::unique_ptr<CompletionDb> open_db() {
    auto db = CompletionDb::open(dir_ / "t.db", kHex);
    EXPECT_TRUE(db) << db.error().message;
    return std::move(*db);
  }
  CompletionDb::State reload() {
    auto state = open_db()->load();
    EXPECT_TRUE(state) << state.error().message;
    return *state;
  }
  // Commits what is pending, recording each fdatasync'ed file.
  Status commit(CompletionJournal& journal, std::vector<int>& synced) {
    return journal.commit(journal.take(model_), [&](int file) {
      synced.push_back(file);
      return Status{};
    });
  }

  TempDir dir_;
  ContentLayout layout_ = two_files();
  CompletionModel model_{layout_};
  std::atomic<std::uint64_t> errors_{0};
};

TEST_F(CompletionJournalTest, ACommitSyncsTheFilesOfNewPiecesAndRecordsACompleteFile) {
  CompletionJournal journal(open_db(), layout_, &errors_);
  for (const int piece : {0, 1, 2}) {
    model_.set(piece);
    journal.record(piece, true);
  }
  std::vector<int> synced;
  ASSERT_TRUE(commit(journal, synced));
  EXPECT_EQ(synced, (std::vector<int>{0, 1}));  // piece 2 holds bytes of both files
  const auto state = reload();
  EXPECT_EQ(state.complete_pieces, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(state.complete_files, (std::vector<std::string>{"a.bin"}));
}

TEST_F(CompletionJournalTest, AForgottenPieceTakesItsFilesRowAway) {
  CompletionJournal journal(open_db(), layout_, &errors_);
  for (const int piece : {0, 1}) {
    model_.set(piece);
    journal.record(piece, true);
  }
  std::vector<int> synced;
  ASSERT_TRUE(commit(journal, synced));
  model_.clear(1);
  journal.record(1, false);
  synced.clear();
  ASSERT_TRUE(commit(journal, synced));
  EXPECT_TRUE(synced.empty()) << "an eviction has no bytes to sync";
  const auto state = reload();
  EXPECT_EQ(state.complete_pieces, (std::vector<int>{0}));
  EXPECT_TRUE(state.complete_files.empty());
}

TEST_F(CompletionJournalTest, AFailedSyncCommitsNothingAndKeepsTheChangesForTheNextCommit) {
  CompletionJournal journal(open_db(), layout_, &errors_);
  for (const int piece : {0, 1}) {
    model_.set(piece);
    journal.record(piece, true);
  }
  const auto failed = journal.commit(journal.take(model_), [](int) -> Status {
    return make_error(Errc::io, "fdatasync a.bin: injected");
  });
  ASSERT_FALSE(failed);
  EXPECT_TRUE(reload().complete_pieces.empty()) << "rows before their bytes are durable";
  EXPECT_EQ(errors_.load(), 0u) << "a sync failure is not a database error";
  std::vector<int> synced;
  ASSERT_TRUE(commit(journal, synced));
  EXPECT_EQ(synced, (std::vector<int>{0}));
  EXPECT_EQ(reload().complete_files, (std::vector<std::string>{"a.bin"}));
}

TEST_F(CompletionJournalTest, AChangeRecordedDuringAFailedCommitWinsOverTheRestoredOne) {
  CompletionJournal journal(open_db(), layout_, &errors_);
  model_.set(0);
  journal.record(0, true);
  auto batch = journal.take(model_);
  model_.clear(0);
  journal.record(0, false);  // evicted while the commit was under way
  ASSERT_FALSE(journal.commit(std::move(batch),
                              [](int) -> Status { return make_error(Errc::io, "injected"); }));
  std::vector<int> synced;
  ASSERT_TRUE(commit(journal, synced));
  EXPECT_TRUE(reload().complete_pieces.empty());
}

TEST_F(CompletionJournalTest, ReconcileBringsFileRowsInLineWithThePieces) {
  {
    auto db = open_db();
    CompletionDb::Change stale;
    stale.pieces_complete = {0, 1, 3};
    stale.files_complete = {{"b.bin", 2, 3}};  // recorded, but its pieces are not
    ASSERT_TRUE(db->apply(stale));
  }
  CompletionJournal journal(open_db(), layout_, &errors_);
  model_.set(0);
  model_.set(1);  // a.bin complete, its row lost in a crash
  CompletionDb::State loaded;
  loaded.complete_pieces = {0, 1, 3};
  loaded.complete_files = {"b.bin"};
  ASSERT_TRUE(journal.reconcile(model_, loaded, {3}));  // piece 3's bytes were found missing
  const auto state = reload();
  EXPECT_EQ(state.complete_files, (std::vector<std::string>{"a.bin"}));
  EXPECT_EQ(state.complete_pieces, (std::vector<int>{0, 1}));
}

}  // namespace
}  // namespace seeder::storage
