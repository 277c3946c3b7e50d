#include "seeder/storage/torrent_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <unordered_set>

#include <spdlog/spdlog.h>
#include <libtorrent/hasher.hpp>
#include <libtorrent/torrent_info.hpp>

#include "missing_bytes.hpp"
#include "seeder/core/unique_fd.hpp"
#include "seeder/storage/completion_writer.hpp"
#include "seeder/storage/content_path.hpp"
#include "seeder/storage/evictor.hpp"

namespace seeder::storage {
namespace {

Result<std::unique_ptr<CompletionDb>> open_database(const std::filesystem::path& path,
                                                    const InfoHash& key, bool& rebuilt) {
  auto db = CompletionDb::open(path, key.hex());
  if (db || db.error().code != Errc::corrupt) return db;
  const auto aside = CompletionDb::move_aside(path);
  spdlog::warn("torrent {}: {}; moved it to {} and rebuilding from the content on disk", key.hex(),
               db.error().message, aside.string());
  rebuilt = true;
  return CompletionDb::open(path, key.hex());
}

std::vector<std::uint32_t> stored_bytes_per_piece(const TorrentFiles& files) {
  const auto& layout = files.layout();
  std::vector<std::uint32_t> bytes(static_cast<std::size_t>(layout.num_pieces()), 0);
  for (int piece = 0; piece < layout.num_pieces(); ++piece) {
    bytes[static_cast<std::size_t>(piece)] = static_cast<std::uint32_t>(files.stored_bytes(piece));
  }
  return bytes;
}

}  // namespace

StoreSpec spec_for(const InfoHash& key, const lt::torrent_info& info, std::string torrent_file) {
  std::vector<lt::sha1_hash> hashes;
  if (info.info_hashes().has_v1()) {
    hashes.reserve(static_cast<std::size_t>(info.num_pieces()));
    for (const auto piece : info.piece_range())
      hashes.push_back(info.hash_for_piece(piece));
  }
  return StoreSpec{key, info.info_hashes().get_best(), ContentLayout::from(info.orig_files()),
                   std::move(torrent_file), std::move(hashes)};
}

Result<std::shared_ptr<TorrentStore>> TorrentStore::open(const std::filesystem::path& data_dir,
                                                         const StoreSpec& spec,
                                                         CompletionWriter& writer, Evictor& evictor,
                                                         StoreOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(torrent_dir(data_dir, spec.key) / "content", ec);
  if (ec)
    return make_error(Errc::io, "cannot create " + torrent_dir(data_dir, spec.key).string() + ": " +
                                    ec.message());
  if (!spec.torrent_file.empty()) {
    if (auto saved = save_metadata(data_dir, spec.key, spec.torrent_file); !saved)
      return saved.error();
  }

  bool rebuilt = false;
  auto db = open_database(database_path(data_dir, spec.key), spec.key, rebuilt);
  if (!db) return db.error();
  auto state = (*db)->load();
  if (!state) return state.error();
  if (rebuilt) {
    state->needs_check = true;
    ++options.counters->database_errors;
  }

  std::shared_ptr<TorrentStore> store(
      new TorrentStore(data_dir, spec, writer, evictor, std::move(*db), options));
  if (auto loaded = store->load(*state); !loaded) return loaded.error();
  if (options.verify_on_open) store->verify(spec.piece_hashes);
  // A smaller budget than last time, or pieces recorded by a run without one.
  store->enforce_budget();
  if (auto persisted = store->persist_pending(); !persisted) return persisted.error();
  return store;
}

TorrentStore::TorrentStore(const std::filesystem::path& data_dir, const StoreSpec& spec,
                           CompletionWriter& writer, Evictor& evictor,
                           std::unique_ptr<CompletionDb> db, StoreOptions options)
    : key_(spec.key),
      libtorrent_key_(spec.libtorrent_key),
      files_(data_dir, spec.key, spec.layout, options.open_files),
      writer_(writer),
      evictor_(evictor),
      options_(options),
      db_(std::move(db)),
      protect_(static_cast<std::size_t>(spec.layout.num_pieces())),
      completion_(files_.layout()),
      lru_(stored_bytes_per_piece(files_)) {
  file_rows_.assign(static_cast<std::size_t>(completion_.num_files()), 0);
}

TorrentStore::~TorrentStore() = default;

int TorrentStore::num_pieces() const {
  return files_.layout().num_pieces();
}

CompletionDb::FileRow TorrentStore::row_of_locked(int file_index) const {
  const auto& span = completion_.pieces_of(file_index);
  return {files_.layout().file(file_index).name, span.first, span.last};
}

// Pieces among `claimed` with bytes missing from their content files.
std::vector<int> TorrentStore::missing_bytes(const std::vector<int>& claimed) const {
  return pieces_missing_bytes(files_, claimed);
}

Status TorrentStore::load(const CompletionDb::State& state) {
  std::vector<int> claimed;
  for (const int piece : state.complete_pieces) {
    if (piece >= 0 && piece < num_pieces()) claimed.push_back(piece);
  }
  const auto missing = missing_bytes(claimed);
  if (!missing.empty()) {
    spdlog::warn(
        "torrent {}: {} recorded piece(s) have bytes missing on disk; they will be downloaded "
        "again",
        key_.hex(), missing.size());
  }
  CompletionDb::Change change;
  change.pieces_incomplete = missing;
  if (state.needs_check) change.needs_check = true;
  {
    LockGuard lock(mutex_);
    needs_check_ = state.needs_check;
    for (const int piece : claimed) {
      if (!std::binary_search(missing.begin(), missing.end(), piece)) mark_complete_locked(piece);
    }
    // Reconcile file rows with what the pieces say (a crash may fall between the two).
    const std::unordered_set<std::string_view> rows(state.complete_files.begin(),
                                                    state.complete_files.end());
    for (int file = 0; file < completion_.num_files(); ++file) {
      if (completion_.pieces_of(file).pad) continue;
      const auto row = row_of_locked(file);
      const bool recorded = rows.count(row.path) != 0;
      const bool complete = completion_.file_complete(file);
      if (complete && !recorded) change.files_complete.push_back(row);
      if (!complete && recorded) change.files_incomplete.push_back(row.path);
      file_rows_[static_cast<std::size_t>(file)] = complete ? 1 : 0;
    }
  }
  LockGuard db_lock(db_mutex_);
  return db_->apply(change);
}

// Hashes every recorded piece; a mismatch is forgotten (downloaded again) and reported.
void TorrentStore::verify(const std::vector<lt::sha1_hash>& hashes) {
  if (hashes.size() != static_cast<std::size_t>(num_pieces())) {
    spdlog::warn("torrent {}: no v1 piece hashes to verify against; trusting the records",
                 key_.hex());
    return;
  }
  int checked = 0;
  std::vector<int> bad;
  for (int piece = 0; piece < num_pieces(); ++piece) {
    if (!piece_complete(piece)) continue;
    lt::hasher sha1;
    const auto read =
        files_.visit(piece, 0, files_.layout().piece_size(piece), [&](std::span<const char> bytes) {
          sha1.update({bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())});
        });
    ++checked;
    if (!read || sha1.final() != hashes[static_cast<std::size_t>(piece)]) bad.push_back(piece);
    files_.release_pages(piece);
  }
  {
    LockGuard lock(mutex_);
    for (const int piece : bad) {
      mark_incomplete_locked(piece);
      pending_[piece] = false;
    }
  }
  if (!bad.empty()) {
    spdlog::warn(
        "torrent {}: {} of {} recorded piece(s) failed verification; they will be "
        "downloaded again",
        key_.hex(), bad.size(), checked);
  } else {
    spdlog::info("torrent {}: {} recorded piece(s) verified", key_.hex(), checked);
  }
}

bool TorrentStore::mark_complete_locked(int piece) {
  if (!completion_.set(piece)) return false;
  lru_.add(piece);
  return true;
}

void TorrentStore::mark_incomplete_locked(int piece) {
  if (completion_.clear(piece)) lru_.remove(piece);
}

bool TorrentStore::needs_full_check() const {
  LockGuard lock(mutex_);
  return needs_check_;
}

lt::typed_bitfield<lt::piece_index_t> TorrentStore::have_pieces() const {
  LockGuard lock(mutex_);
  lt::typed_bitfield<lt::piece_index_t> have(num_pieces(), false);
  for (int piece = 0; piece < num_pieces(); ++piece) {
    if (completion_.has(piece)) have.set_bit(lt::piece_index_t(piece));
  }
  return have;
}

bool TorrentStore::piece_complete(int piece) const {
  LockGuard lock(mutex_);
  return completion_.has(piece);
}

int TorrentStore::complete_pieces() const {
  LockGuard lock(mutex_);
  return completion_.count();
}

bool TorrentStore::file_complete(int file_index) const {
  LockGuard lock(mutex_);
  return file_index >= 0 && file_index < completion_.num_files() && !needs_check_ &&
         completion_.file_complete(file_index);
}

std::uint64_t TorrentStore::bytes_on_disk() const {
  LockGuard lock(mutex_);
  return lru_.bytes();
}

void TorrentStore::on_piece_passed(int piece) {
  if (piece < 0 || piece >= num_pieces()) return;
  bool over_budget = false;
  {
    LockGuard lock(mutex_);
    if (!mark_complete_locked(piece)) return;
    pending_[piece] = true;
    ++options_.counters->pieces_completed;
    over_budget = options_.budget > 0 && lru_.bytes() > options_.budget;
    // In the step that records it, as an eviction's `evicting` is: the listener never hears a
    // piece's completion and eviction in the other order. Not under the piece's shard lock,
    // which a peer read or a hole punch holds across disk I/O: this is libtorrent's network
    // thread.
    if (const auto callbacks = listener(); callbacks.completed) callbacks.completed(piece);
  }
  writer_.schedule(shared_from_this());
  if (over_budget) evictor_.schedule(shared_from_this());
}

void TorrentStore::on_full_check_finished() {
  {
    LockGuard lock(mutex_);
    if (!needs_check_) return;
    needs_check_ = false;
    check_finished_pending_ = true;
  }
  writer_.schedule(shared_from_this());
}

void TorrentStore::protect(int piece) {
  if (piece < 0 || piece >= num_pieces()) return;
  LockGuard lock(shard(piece));
  ++protect_[static_cast<std::size_t>(piece)];
}

void TorrentStore::unprotect(int piece) {
  if (piece < 0 || piece >= num_pieces()) return;
  LockGuard lock(shard(piece));
  --protect_[static_cast<std::size_t>(piece)];
}

bool TorrentStore::protect_if_complete(int first, int last) {
  for (int piece = first; piece <= last; ++piece)
    protect(piece);
  // Protected first, checked after: an eviction either ran before (and the check fails) or it
  // sees the protection and leaves the piece alone.
  bool complete = true;
  {
    LockGuard lock(mutex_);
    for (int piece = first; piece <= last && complete; ++piece)
      complete = completion_.has(piece);
  }
  // Undone without the state lock: shard locks come first in the lock order.
  if (!complete) unprotect(first, last);
  return complete;
}

void TorrentStore::unprotect(int first, int last) {
  for (int piece = first; piece <= last; ++piece)
    unprotect(piece);
}

void TorrentStore::touch(int piece) {
  LockGuard lock(mutex_);
  lru_.touch(piece);
}

Status TorrentStore::read_for_peer(int piece, int offset, std::span<char> out) {
  if (piece < 0 || piece >= num_pieces()) return make_error(Errc::not_found, "no such piece");
  // Held across the read: an eviction of this piece waits until the bytes are copied out.
  LockGuard lock(shard(piece));
  if (!piece_complete(piece)) return make_error(Errc::not_found, "piece not on disk");
  return files_.read(piece, offset, out);
}

void TorrentStore::set_piece_listener(PieceListener listener) {
  LockGuard lock(listener_mutex_);
  listener_ = std::move(listener);
}

bool TorrentStore::over_budget() const {
  if (options_.budget == 0) return false;
  LockGuard lock(mutex_);
  return lru_.bytes() > options_.budget;
}

void TorrentStore::enforce_budget(std::uint64_t incoming) {
  if (options_.budget == 0) return;
  std::vector<int> candidates;
  {
    LockGuard lock(mutex_);
    if (lru_.bytes() + incoming <= options_.budget) return;
    const auto low_watermark =
        options_.budget / 10 * 8 - std::min(incoming, options_.budget / 10 * 8);
    candidates = lru_.victims(low_watermark, [this](int piece) {
      return protect_[static_cast<std::size_t>(piece)].load() >
             0;  // rechecked under the shard lock
    });
  }
  std::vector<int> evicted;
  for (const int piece : candidates) {
    if (evict(piece)) evicted.push_back(piece);
  }
  if (evicted.empty()) return;
  evictions_ += evicted.size();
  options_.counters->pieces_evicted += evicted.size();
  spdlog::debug("torrent {}: evicted {} piece(s), {} bytes of pieces left on disk", key_.hex(),
                evicted.size(), bytes_on_disk());
  writer_.schedule(shared_from_this());  // record the evictions
}

int TorrentStore::recheck_file(int file_index) {
  std::vector<int> claimed;
  {
    LockGuard lock(mutex_);
    if (file_index < 0 || file_index >= completion_.num_files()) return 0;
    const auto& span = completion_.pieces_of(file_index);
    for (int piece = span.first; piece <= span.last; ++piece) {
      if (completion_.has(piece)) claimed.push_back(piece);
    }
  }
  std::vector<int> forgotten;
  for (const int piece : missing_bytes(claimed)) {
    LockGuard shard_lock(shard(piece));
    if (forget_shard_locked(piece)) forgotten.push_back(piece);
  }
  if (forgotten.empty()) return 0;
  spdlog::warn(
      "torrent {}: {} is shorter than its verified pieces (changed behind seeder's "
      "back); {} piece(s) will be downloaded again",
      key_.hex(), files_.path_of(file_index).string(), forgotten.size());
  writer_.schedule(shared_from_this());
  return static_cast<int>(forgotten.size());
}

// A copy, so callbacks run without the listener lock (they may take their owner's locks).
TorrentStore::PieceListener TorrentStore::listener() {
  LockGuard lock(listener_mutex_);
  return listener_;
}

// The piece's shard lock is held throughout: no reader can protect it, and no peer read can
// copy from it, between the decision and the hole.
bool TorrentStore::evict(int piece) {
  LockGuard shard_lock(shard(piece));
  if (protect_[static_cast<std::size_t>(piece)].load() > 0) return false;
  if (!forget_shard_locked(piece)) return false;
  files_.punch(piece);
  return true;
}

// With the piece's shard lock held: records it incomplete (to be persisted) and clears it for
// readers. False when it was not complete.
bool TorrentStore::forget_shard_locked(int piece) {
  LockGuard lock(mutex_);
  if (!completion_.has(piece)) return false;
  mark_incomplete_locked(piece);
  pending_[piece] = false;
  if (const auto callbacks = listener(); callbacks.evicting) callbacks.evicting(piece);
  return true;
}

// Takes the pending changes: the pieces, the file rows they flip, and the files to sync.
TorrentStore::Batch TorrentStore::take_pending_locked() {
  Batch batch;
  batch.pieces.swap(pending_);
  std::vector<int> touched;
  for (const auto& entry : batch.pieces) {
    const int piece = entry.first;
    const bool complete = entry.second;  // a named copy: lambdas cannot capture bindings
    (complete ? batch.change.pieces_complete : batch.change.pieces_incomplete).push_back(piece);
    completion_.for_each_file_of(piece, [&](int file) {
      touched.push_back(file);
      if (complete) batch.synced_files.push_back(file);
    });
  }
  for (auto* list : {&touched, &batch.synced_files}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
  }
  // A file's row follows its pieces: present exactly when every one of them is complete.
  for (const int file : touched) {
    const bool complete = completion_.file_complete(file);
    if (complete == (file_rows_[static_cast<std::size_t>(file)] != 0)) continue;
    batch.new_rows.emplace_back(file, complete);
    if (complete)
      batch.change.files_complete.push_back(row_of_locked(file));
    else
      batch.change.files_incomplete.push_back(row_of_locked(file).path);
  }
  if (check_finished_pending_) batch.change.needs_check = false;
  check_finished_pending_ = false;
  return batch;
}

Status TorrentStore::persist_pending() {
  Batch batch;
  {
    LockGuard lock(mutex_);
    batch = take_pending_locked();
  }
  const auto restore = [&] {
    LockGuard lock(mutex_);
    for (const auto& [piece, complete] : batch.pieces)
      pending_.emplace(piece, complete);  // newer states win
    if (batch.change.needs_check) check_finished_pending_ = true;
  };
  // Bytes first, then the rows that claim them: a crash between the two loses rows, not data.
  for (const int file : batch.synced_files) {
    if (auto synced = files_.sync_file(file); !synced) {
      restore();
      return synced;
    }
  }
  Status applied;
  {
    LockGuard db_lock(db_mutex_);
    applied = db_->apply(batch.change);
  }
  if (!applied) {
    ++options_.counters->database_errors;
    restore();
    return applied;
  }
  LockGuard lock(mutex_);
  for (const auto& [file, complete] : batch.new_rows)
    file_rows_[static_cast<std::size_t>(file)] = complete ? 1 : 0;
  return {};
}

}  // namespace seeder::storage
