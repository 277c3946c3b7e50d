#pragma once
// CompletionDb: the durable record of which pieces and files of one torrent are verified on disk,
// in SQLite at <data-dir>/<info-hash>/.torrent.db. Compatible with the reference gateway's tables
// (piece_completion, file_completion) plus schema_version and meta.
//
// One connection per torrent, WAL, prepared statements kept for its life, each batch of changes
// in one transaction. Not thread-safe: the owner serialises calls.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "seeder/core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace seeder::storage {

class CompletionDb {
 public:
  static constexpr int kSchemaVersion = 1;

  struct FileRow {
    std::string path;
    int first_piece = 0;
    int last_piece = -1;
  };
  struct State {
    std::vector<int> complete_pieces;
    std::vector<std::string> complete_files;
    bool needs_check = false;  // rebuilt after corruption: only a full hash check may fill it
  };
  struct Change {
    std::vector<int> pieces_complete;
    std::vector<int> pieces_incomplete;
    std::vector<FileRow> files_complete;
    std::vector<std::string> files_incomplete;
    std::optional<bool> needs_check;
    [[nodiscard]] bool empty() const {
      return pieces_complete.empty() && pieces_incomplete.empty() && files_complete.empty() &&
             files_incomplete.empty() && !needs_check;
    }
  };

  // Opens or creates the database for torrent `info_hash_hex`. A damaged file, a file that is
  // not SQLite, or another torrent's database is Errc::corrupt.
  static Result<std::unique_ptr<CompletionDb>> open(const std::filesystem::path& path,
                                                    const std::string& info_hash_hex);
  ~CompletionDb();
  CompletionDb(const CompletionDb&) = delete;
  CompletionDb& operator=(const CompletionDb&) = delete;

  Result<State> load();
  // Applies every change in one transaction; nothing is applied on error.
  Status apply(const Change& change);

  // Moves a damaged database (and its -wal/-shm files) aside as <name>.corrupt-<unix time>.
  static std::filesystem::path move_aside(const std::filesystem::path& path);

 private:
  struct Statements;
  CompletionDb(sqlite3* db, std::unique_ptr<Statements> statements);
  sqlite3* db_;
  std::unique_ptr<Statements> statements_;
};

}  // namespace seeder::storage
