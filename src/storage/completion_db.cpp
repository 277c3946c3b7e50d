#include "seeder/storage/completion_db.hpp"

#include <sqlite3.h>

#include <chrono>

#include "seeder/core/text.hpp"

namespace seeder::storage {
namespace {

struct StatementDeleter {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;

bool is_corruption(int code) {
  const int primary = code & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

Error db_error(sqlite3* db, int code, const std::string& what) {
  const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  if (is_corruption(code))
    return make_error(Errc::corrupt, "corrupt database: " + what + ": " + detail);
  return make_error(Errc::io, "database error: " + what + ": " + detail);
}

Status exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  const int code = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  if (code == SQLITE_OK) return {};
  std::string text = message != nullptr ? message : sqlite3_errstr(code);
  sqlite3_free(message);
  if (is_corruption(code)) return make_error(Errc::corrupt, "corrupt database: " + text);
  return make_error(Errc::io, "database error: " + text);
}

Result<Statement> prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  const int code = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (code != SQLITE_OK) return db_error(db, code, sql);
  return Statement(raw);
}

// Runs a single-row query returning one text column; empty when there is no row.
Result<std::string> query_text(sqlite3* db, const char* sql) {
  auto statement = prepare(db, sql);
  if (!statement) return statement.error();
  const int code = sqlite3_step(statement->get());
  if (code == SQLITE_DONE) return std::string();
  if (code != SQLITE_ROW) return db_error(db, code, sql);
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement->get(), 0));
  return std::string(text != nullptr ? text : "");
}

constexpr const char* kSchema = R"sql(
  CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS piece_completion("index" INTEGER PRIMARY KEY, complete INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS file_completion(path TEXT PRIMARY KEY, first_piece INTEGER, last_piece INTEGER);
)sql";

}  // namespace

struct CompletionDb::Statements {
  Statement set_piece;
  Statement add_file;
  Statement drop_file;
  Statement set_meta;
};

Result<std::unique_ptr<CompletionDb>> CompletionDb::open(const std::filesystem::path& path,
                                                         const std::string& info_hash_hex) {
  sqlite3* raw = nullptr;
  const int opened =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  DbHandle db(raw);
  if (opened != SQLITE_OK) return db_error(db.get(), opened, "open " + path.string());
  sqlite3_busy_timeout(db.get(), 5000);
  // quick_check reads every page: a damaged file is found here, not halfway through a download.
  auto check = query_text(db.get(), "PRAGMA quick_check");
  if (!check) return check.error();
  if (*check != "ok") return make_error(Errc::corrupt, "corrupt database: " + *check);
  for (const char* sql : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL"}) {
    if (auto done = exec(db.get(), sql); !done) return done.error();
  }
  if (auto done = exec(db.get(), kSchema); !done) return done.error();

  auto version = query_text(db.get(), "SELECT version FROM schema_version");
  if (!version) return version.error();
  if (version->empty()) {
    if (auto done = exec(db.get(), "INSERT INTO schema_version(version) VALUES (1)"); !done)
      return done.error();
  } else if (const auto number = parse_unsigned(*version); !number) {
    return make_error(Errc::corrupt, "corrupt database: " + path.string() +
                                         " has schema version '" + *version + "'");
  } else if (*number > kSchemaVersion) {
    return make_error(Errc::io,
                      path.string() + " was written by a newer seeder (schema " + *version + ")");
  }
  auto owner = query_text(db.get(), "SELECT value FROM meta WHERE key = 'info_hash'");
  if (!owner) return owner.error();
  if (!owner->empty() && *owner != info_hash_hex) {
    return make_error(Errc::corrupt, "corrupt database: it belongs to torrent " + *owner);
  }

  auto statements = std::make_unique<Statements>();
  const std::pair<Statement*, const char*> sqls[] = {
      {&statements->set_piece,
       R"(INSERT OR REPLACE INTO piece_completion("index", complete) VALUES (?, ?))"},
      {&statements->add_file,
       "INSERT OR REPLACE INTO file_completion(path, first_piece, last_piece) VALUES (?, ?, ?)"},
      {&statements->drop_file, "DELETE FROM file_completion WHERE path = ?"},
      {&statements->set_meta, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)"},
  };
  for (const auto& [slot, sql] : sqls) {
    auto statement = prepare(db.get(), sql);
    if (!statement) return statement.error();
    *slot = std::move(*statement);
  }
  std::unique_ptr<CompletionDb> result(new CompletionDb(db.release(), std::move(statements)));
  if (owner->empty()) {
    sqlite3_stmt* meta = result->statements_->set_meta.get();
    sqlite3_bind_text(meta, 1, "info_hash", -1, SQLITE_STATIC);
    sqlite3_bind_text(meta, 2, info_hash_hex.c_str(), -1, SQLITE_TRANSIENT);
    const int code = sqlite3_step(meta);
    sqlite3_reset(meta);
    if (code != SQLITE_DONE) return db_error(result->db_, code, "record info-hash");
  }
  return result;
}

CompletionDb::CompletionDb(sqlite3* db, std::unique_ptr<Statements> statements)
    : db_(db), statements_(std::move(statements)) {}

CompletionDb::~CompletionDb() {
  statements_.reset();  // statements before the connection
  sqlite3_close_v2(db_);
}

Result<CompletionDb::State> CompletionDb::load() {
  State state;
  auto pieces =
      prepare(db_, R"(SELECT "index" FROM piece_completion WHERE complete = 1 ORDER BY "index")");
  if (!pieces) return pieces.error();
  int code = 0;
  while ((code = sqlite3_step(pieces->get())) == SQLITE_ROW) {
    state.complete_pieces.push_back(sqlite3_column_int(pieces->get(), 0));
  }
  if (code != SQLITE_DONE) return db_error(db_, code, "load pieces");
  auto files = prepare(db_, "SELECT path FROM file_completion");
  if (!files) return files.error();
  while ((code = sqlite3_step(files->get())) == SQLITE_ROW) {
    state.complete_files.emplace_back(
        reinterpret_cast<const char*>(sqlite3_column_text(files->get(), 0)));
  }
  if (code != SQLITE_DONE) return db_error(db_, code, "load files");
  auto check = query_text(db_, "SELECT value FROM meta WHERE key = 'needs_check'");
  if (!check) return check.error();
  state.needs_check = *check == "1";
  return state;
}

Status CompletionDb::apply(const Change& change) {
  if (change.empty()) return {};
  if (auto begun = exec(db_, "BEGIN IMMEDIATE"); !begun) return begun;
  const auto step = [this](sqlite3_stmt* statement, const char* what) -> Status {
    const int code = sqlite3_step(statement);
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
    if (code != SQLITE_DONE) return db_error(db_, code, what);
    return {};
  };
  const auto run = [&]() -> Status {
    auto* set_piece = statements_->set_piece.get();
    for (const auto& [pieces, value] :
         {std::pair{&change.pieces_complete, 1}, std::pair{&change.pieces_incomplete, 0}}) {
      for (const int piece : *pieces) {
        sqlite3_bind_int(set_piece, 1, piece);
        sqlite3_bind_int(set_piece, 2, value);
        if (auto done = step(set_piece, "record piece"); !done) return done;
      }
    }
    auto* drop = statements_->drop_file.get();
    for (const auto& path : change.files_incomplete) {
      sqlite3_bind_text(drop, 1, path.c_str(), static_cast<int>(path.size()), SQLITE_TRANSIENT);
      if (auto done = step(drop, "drop file"); !done) return done;
    }
    auto* add = statements_->add_file.get();
    for (const auto& file : change.files_complete) {
      sqlite3_bind_text(add, 1, file.path.c_str(), static_cast<int>(file.path.size()),
                        SQLITE_TRANSIENT);
      sqlite3_bind_int(add, 2, file.first_piece);
      sqlite3_bind_int(add, 3, file.last_piece);
      if (auto done = step(add, "record file"); !done) return done;
    }
    if (change.needs_check) {
      auto* meta = statements_->set_meta.get();
      sqlite3_bind_text(meta, 1, "needs_check", -1, SQLITE_STATIC);
      sqlite3_bind_text(meta, 2, *change.needs_check ? "1" : "0", -1, SQLITE_STATIC);
      if (auto done = step(meta, "record check state"); !done) return done;
    }
    return {};
  };
  if (auto done = run(); !done) {
    (void)exec(db_, "ROLLBACK");
    return done;
  }
  return exec(db_, "COMMIT");
}

std::filesystem::path CompletionDb::move_aside(const std::filesystem::path& path) {
  const auto stamp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const auto target = path.string() + ".corrupt-" + std::to_string(stamp);
  std::error_code ec;
  std::filesystem::rename(path, target, ec);
  for (const char* suffix : {"-wal", "-shm"}) {
    std::filesystem::rename(path.string() + suffix, target + suffix, ec);
  }
  return target;
}

}  // namespace seeder::storage
