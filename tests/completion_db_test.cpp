// CompletionDb: one torrent's record of verified pieces and files, in SQLite in a temp dir.
#include "seeder/storage/completion_db.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "content.hpp"
#include "seeder/core/info_hash.hpp"
#include "temp_dir.hpp"

namespace seeder::storage {
namespace {

using test::TempDir;

const InfoHash kCompletionDbHash = *InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd");

TEST(CompletionDb, RecordsAndReloadsPiecesAndFiles) {
  TempDir dir;
  const auto path = dir / "t.db";
  {
    auto db = CompletionDb::open(path, kCompletionDbHash.hex());
    ASSERT_TRUE(db) << db.error().message;
    CompletionDb::Change change;
    change.pieces_complete = {0, 1, 5};
    change.files_complete = {{"Show/a.bin", 0, 1}};
    ASSERT_TRUE((*db)->apply(change));
    CompletionDb::Change undo;
    undo.pieces_incomplete = {1};
    undo.files_incomplete = {"Show/a.bin"};
    ASSERT_TRUE((*db)->apply(undo));
  }
  auto db = CompletionDb::open(path, kCompletionDbHash.hex());
  ASSERT_TRUE(db);
  const auto state = (*db)->load();
  ASSERT_TRUE(state);
  EXPECT_EQ(state->complete_pieces, (std::vector<int>{0, 5}));
  EXPECT_TRUE(state->complete_files.empty());
  EXPECT_FALSE(state->needs_check);
}

TEST(CompletionDb, GarbageIsReportedAsCorruption) {
  TempDir dir;
  const auto path = dir / "t.db";
  test::write_file(path, test::random_bytes(64 * 1024, 5));
  const auto db = CompletionDb::open(path, kCompletionDbHash.hex());
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("corrupt"), std::string::npos) << db.error().message;
  EXPECT_EQ(db.error().code, Errc::corrupt);
}

TEST(CompletionDb, ADamagedPageIsReportedAsCorruption) {
  TempDir dir;
  const auto path = dir / "t.db";
  {
    auto db = CompletionDb::open(path, kCompletionDbHash.hex());
    ASSERT_TRUE(db);
    CompletionDb::Change change;
    for (int i = 0; i < 5000; ++i)
      change.pieces_complete.push_back(i);
    ASSERT_TRUE((*db)->apply(change));
  }
  // Closing folded the WAL into the file. Scribble over every page but the first (the header and
  // schema), so the rows' b-tree pages are certainly hit.
  ASSERT_FALSE(std::filesystem::exists(path.string() + "-wal"));
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 3 * 4096u);
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(4096);
  const auto junk = test::random_bytes(size - 4096, 6);
  file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  file.close();
  const auto db = CompletionDb::open(path, kCompletionDbHash.hex());
  ASSERT_FALSE(db);
  EXPECT_NE(db.error().message.find("corrupt"), std::string::npos) << db.error().message;
  EXPECT_EQ(db.error().code, Errc::corrupt);
}

TEST(CompletionDb, AnotherTorrentsDatabaseIsRefused) {
  TempDir dir;
  const auto path = dir / "t.db";
  ASSERT_TRUE(CompletionDb::open(path, kCompletionDbHash.hex()));
  const auto other = CompletionDb::open(path, "0123456789abcdef0123456789abcdef01234567");
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("corrupt"), std::string::npos);
  EXPECT_EQ(other.error().code, Errc::corrupt);
}

TEST(CompletionDb, ASchemaVersionThatIsNoNumberIsCorruptionNotAnException) {
  TempDir dir;
  const auto path = dir / "t.db";
  ASSERT_TRUE(CompletionDb::open(path, kCompletionDbHash.hex()));
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.string().c_str(), &raw), SQLITE_OK);
    EXPECT_EQ(
        sqlite3_exec(raw, "UPDATE schema_version SET version = 'x1'", nullptr, nullptr, nullptr),
        SQLITE_OK);
    sqlite3_close(raw);
  }
  const auto db = CompletionDb::open(path, kCompletionDbHash.hex());
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, Errc::corrupt) << db.error().message;
}

TEST(CompletionDb, MoveAsideKeepsTheDamagedFile) {
  TempDir dir;
  const auto path = dir / "t.db";
  test::write_file(path, "junk");
  const auto aside = CompletionDb::move_aside(path);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::exists(aside));
  EXPECT_NE(aside.string().find(".corrupt-"), std::string::npos);
}

// Sets the schema version of the database at `path` behind CompletionDb's back.
void completion_db_set_version(const std::filesystem::path& path, const char* sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.string().c_str(), &raw), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
}

TEST(CompletionDbTest, AFreshDatabaseIsEmptyAndNeedsNoCheck) {
  TempDir dir;
  auto db = CompletionDb::open(dir / "t.db", kCompletionDbHash.hex());
  ASSERT_TRUE(db) << db.error().message;
  const auto state = (*db)->load();
  ASSERT_TRUE(state);
  EXPECT_TRUE(state->complete_pieces.empty());
  EXPECT_TRUE(state->complete_files.empty());
  EXPECT_FALSE(state->needs_check);
}

TEST(CompletionDbTest, TheNeedForAFullCheckSurvivesAReopenUntilItIsCleared) {
  TempDir dir;
  const auto path = dir / "t.db";
  {
    auto db = CompletionDb::open(path, kCompletionDbHash.hex());
    ASSERT_TRUE(db);
    CompletionDb::Change change;
    change.needs_check = true;
    ASSERT_TRUE((*db)->apply(change));
  }
  {
    auto db = CompletionDb::open(path, kCompletionDbHash.hex());
    ASSERT_TRUE(db);
    EXPECT_TRUE((*db)->load()->needs_check);
    CompletionDb::Change change;
    change.needs_check = false;
    ASSERT_TRUE((*db)->apply(change));
  }
  auto db = CompletionDb::open(path, kCompletionDbHash.hex());
  ASSERT_TRUE(db);
  EXPECT_FALSE((*db)->load()->needs_check);
}

TEST(CompletionDbTest, AFileDroppedAndRecordedInOneChangeStaysRecorded) {
  TempDir dir;
  auto db = CompletionDb::open(dir / "t.db", kCompletionDbHash.hex());
  ASSERT_TRUE(db);
  CompletionDb::Change change;
  change.files_incomplete = {"Show/a.bin"};
  change.files_complete = {{"Show/a.bin", 0, 3}, {"Show/b.bin", 3, 4}};
  ASSERT_TRUE((*db)->apply(change));
  const auto state = (*db)->load();
  ASSERT_TRUE(state);
  EXPECT_EQ(state->complete_files.size(), 2u);
}

TEST(CompletionDbTest, ADatabaseFromANewerSeederIsAnIoErrorNotCorruption) {
  TempDir dir;
  const auto path = dir / "t.db";
  ASSERT_TRUE(CompletionDb::open(path, kCompletionDbHash.hex()));
  completion_db_set_version(path, "UPDATE schema_version SET version = 2");
  const auto db = CompletionDb::open(path, kCompletionDbHash.hex());
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code, Errc::io) << "a newer database must not be moved aside";
  EXPECT_NE(db.error().message.find("newer"), std::string::npos) << db.error().message;
}

TEST(CompletionDbTest, MoveAsideTakesTheWalAndShmFilesAlong) {
  TempDir dir;
  const auto path = dir / "t.db";
  test::write_file(path, "junk");
  test::write_file(path.string() + "-wal", "wal");
  test::write_file(path.string() + "-shm", "shm");
  const auto aside = CompletionDb::move_aside(path);
  EXPECT_FALSE(std::filesystem::exists(path.string() + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(path.string() + "-shm"));
  EXPECT_EQ(test::read_file(aside.string() + "-wal"), "wal");
  EXPECT_EQ(test::read_file(aside.string() + "-shm"), "shm");
}

}  // namespace
}  // namespace seeder::storage
