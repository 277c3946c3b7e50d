#include "seeder/storage/torrent_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

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
  // From now on the store counts its pieces (and, should the open fail, hands them back as
  // closed when it goes): not both at once while it loads and checks.
  if (options.disk) options.disk->take_closed(spec.key);
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
      journal_(std::move(db), files_.layout(), &options_.counters->database_errors),
      completion_(files_.layout()),
      generations_(files_.layout().num_pieces()),
      records_(static_cast<std::size_t>(files_.layout().num_pieces()), 0),
      cache_(options.budget, stored_bytes_per_piece(files_)) {
  // A write found a content file created anew or cut short: what was recorded of it is gone.
  files_.on_lost_bytes([this](int file_index) { forget_file(file_index); });
}

// Its pieces stay on disk: counted as a closed torrent's until a store of it opens again.
TorrentStore::~TorrentStore() {
  if (!options_.disk) return;
  LockGuard lock(mutex_);
  options_.disk->store_closed(key_, cache_.bytes(), cache_.last_use());
}

int TorrentStore::num_pieces() const {
  return files_.layout().num_pieces();
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
  {
    LockGuard lock(mutex_);
    needs_check_ = state.needs_check;
    // Highest first: each goes behind the last, so the lowest-numbered are the least recently
    // used, as they were when found pieces counted as just used.
    for (auto it = claimed.rbegin(); it != claimed.rend(); ++it) {
      if (!std::binary_search(missing.begin(), missing.end(), *it))
        mark_complete_locked(*it, false);
    }
    return journal_.reconcile(completion_, state, missing);
  }
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
      journal_.record(piece, false);
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

bool TorrentStore::mark_complete_locked(int piece, bool used) {
  if (!completion_.set(piece)) return false;
  ++records_[static_cast<std::size_t>(piece)];
  if (used)
    cache_.add(piece);
  else
    cache_.add_unused(piece);
  if (options_.disk) options_.disk->add(cache_.bytes_of(piece));
  return true;
}

void TorrentStore::mark_incomplete_locked(int piece) {
  if (!completion_.clear(piece)) return;
  cache_.remove(piece);
  if (options_.disk) options_.disk->remove(cache_.bytes_of(piece));
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
  return cache_.bytes();
}

Status TorrentStore::write_block(int piece, int offset, std::span<const char> bytes) {
  if (piece < 0 || piece >= num_pieces()) return make_error(Errc::internal, "no such piece");
  {
    LockGuard lock(mutex_);
    if (completion_.has(piece)) {
      ++options_.counters->verified_writes_dropped;
      return {};
    }
    // Before the bytes change: a hash running now, or done already, no longer counts.
    generations_.changed(piece);
  }
  return files_.write(piece, offset, bytes);
}

std::function<bool()> TorrentStore::vouch(int first, int last) {
  std::vector<std::uint32_t> taken;
  {
    LockGuard lock(mutex_);
    for (int piece = first; piece <= last; ++piece)
      taken.push_back(completion_.has(piece) ? generations_.begin_hash(piece) : 0);
  }
  // A strong reference by design: the check runs while the reader that took the slice, which
  // holds the store, is still sending it.
  return [self = shared_from_this(), first, taken = std::move(taken)] {
    LockGuard lock(self->mutex_);
    for (std::size_t i = 0; i < taken.size(); ++i) {
      const int piece = first + static_cast<int>(i);
      if (!self->completion_.has(piece) || self->generations_.begin_hash(piece) != taken[i])
        return false;
    }
    return true;
  };
}

std::uint32_t TorrentStore::begin_hash(int piece) const {
  LockGuard lock(mutex_);
  return generations_.begin_hash(piece);
}

std::uint32_t TorrentStore::record_of(int piece) const {
  if (piece < 0 || piece >= num_pieces()) return 0;
  LockGuard lock(mutex_);
  return completion_.has(piece) ? records_[static_cast<std::size_t>(piece)] : 0;
}

void TorrentStore::end_hash(int piece, std::uint32_t token) {
  LockGuard lock(mutex_);
  generations_.hashed(piece, token);
}

void TorrentStore::on_piece_passed(int piece) {
  if (piece < 0 || piece >= num_pieces()) return;
  bool over_budget = false;
  {
    LockGuard lock(mutex_);
    if (!generations_.pass_is_current(piece)) {
      // Evicted or written between our hash and libtorrent's verdict: what passed is gone.
      // libtorrent believes it has the piece; a reader that wants it resyncs.
      ++options_.counters->stale_passes_refused;
      spdlog::debug("torrent {}: piece {} changed after it was hashed; its pass is not recorded",
                    key_.hex(), piece);
      return;
    }
    if (!mark_complete_locked(piece)) return;
    journal_.record(piece, true);
    ++options_.counters->pieces_completed;
    over_budget = cache_.over() || (options_.disk && options_.disk->over());
    // In the step that records it, as an eviction's `evicting` is: the listener never hears a
    // piece's completion and eviction in the other order. Not under the piece's shard lock,
    // which a peer read or a hole punch holds across disk I/O: this is libtorrent's network
    // thread.
    if (const auto callbacks = listener(); callbacks.completed) callbacks.completed(piece);
  }
  writer_.schedule(shared_from_this());
  if (over_budget) evictor_.schedule(shared_from_this());
}

void TorrentStore::on_piece_failed(int piece) {
  if (piece < 0 || piece >= num_pieces()) return;
  LockGuard shard_lock(shard(piece));
  if (!forget_shard_locked(piece)) return;
  spdlog::warn("torrent {}: piece {} was recorded verified but failed a hash; fetched again",
               key_.hex(), piece);
  writer_.schedule(shared_from_this());
}

void TorrentStore::on_full_check_finished() {
  {
    LockGuard lock(mutex_);
    if (!needs_check_) return;
    needs_check_ = false;
    journal_.record_check_finished();
  }
  writer_.schedule(shared_from_this());
}

void TorrentStore::protect(int piece) {
  if (piece < 0 || piece >= num_pieces()) return;
  LockGuard lock(shard(piece));
  cache_.pin(piece);
}

void TorrentStore::unprotect(int piece) {
  if (piece < 0 || piece >= num_pieces()) return;
  LockGuard lock(shard(piece));
  cache_.unpin(piece);
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
  cache_.touch(piece);
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
  if (options_.disk && options_.disk->over()) return true;
  if (!cache_.limited()) return false;
  LockGuard lock(mutex_);
  return cache_.over();
}

std::vector<TorrentStore::Unused> TorrentStore::least_used(std::uint64_t bytes) const {
  std::vector<Unused> out;
  LockGuard lock(mutex_);
  for (const int piece : cache_.least_used(bytes)) {
    out.push_back({cache_.used_at(piece), piece, cache_.bytes_of(piece)});
  }
  return out;
}

std::uint64_t TorrentStore::evict_pieces(const std::vector<int>& pieces) {
  std::uint64_t freed = 0;
  std::size_t count = 0;
  for (const int piece : pieces) {
    if (!evict(piece)) continue;
    ++count;
    freed += cache_.bytes_of(piece);  // fixed per piece: no lock needed
  }
  if (count == 0) return 0;
  evictions_ += count;
  options_.counters->pieces_evicted += count;
  spdlog::debug("torrent {}: evicted {} piece(s), {} bytes of pieces left on disk", key_.hex(),
                count, bytes_on_disk());
  writer_.schedule(shared_from_this());  // record the evictions
  return freed;
}

void TorrentStore::enforce_budget(std::uint64_t incoming) {
  if (!cache_.limited()) return;
  std::vector<int> candidates;
  {
    LockGuard lock(mutex_);
    candidates = cache_.victims(incoming);
  }
  if (!candidates.empty()) evict_pieces(candidates);
}

int TorrentStore::recheck_file(int file_index) {
  // Removed or replaced behind our back: libtorrent's writes (and the hashes that vouch for
  // them) still go to the open file, which no reader can open any more. Closed, the next write
  // makes a new file at the path, and every piece of the old one is fetched again.
  const bool replaced = files_.replaced(file_index);  // a stat: before the state lock
  const auto claimed = recorded_pieces_of(file_index);
  if (replaced) files_.close_file(file_index);
  return forget_lost(file_index, replaced ? claimed : missing_bytes(claimed),
                     replaced ? "was removed or replaced" : "lost verified bytes");
}

int TorrentStore::forget_file(int file_index) {
  return forget_lost(file_index, recorded_pieces_of(file_index), "was made anew or cut short");
}

std::vector<int> TorrentStore::recorded_pieces_of(int file_index) {
  std::vector<int> claimed;
  LockGuard lock(mutex_);
  if (file_index < 0 || file_index >= completion_.num_files()) return claimed;
  const auto& span = completion_.pieces_of(file_index);
  for (int piece = span.first; piece <= span.last; ++piece) {
    if (completion_.has(piece)) claimed.push_back(piece);
  }
  // A pass on its way for a piece of this file vouches for bytes that may be gone with it,
  // recorded or not yet (its hash may have read them before the cut).
  for (int piece = span.first; piece <= span.last; ++piece)
    generations_.changed(piece);
  return claimed;
}

int TorrentStore::forget_lost(int file_index, const std::vector<int>& lost, const char* how) {
  std::vector<int> forgotten;
  for (const int piece : lost) {
    LockGuard shard_lock(shard(piece));
    if (forget_shard_locked(piece)) forgotten.push_back(piece);
  }
  if (forgotten.empty()) return 0;
  spdlog::warn("torrent {}: {} {} behind seeder's back; {} piece(s) will be downloaded again",
               key_.hex(), files_.path_of(file_index).string(), how, forgotten.size());
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
  if (cache_.pinned(piece)) return false;
  if (!forget_shard_locked(piece)) return false;
  files_.punch(piece);
  return true;
}

// With the piece's shard lock held: records it incomplete (to be persisted) and clears it for
// readers. False when it was not complete.
bool TorrentStore::forget_shard_locked(int piece) {
  LockGuard lock(mutex_);
  if (!completion_.has(piece)) return false;
  generations_.changed(piece);  // its bytes go now: a pass in flight for it is stale
  mark_incomplete_locked(piece);
  journal_.record(piece, false);
  if (const auto callbacks = listener(); callbacks.evicting) callbacks.evicting(piece);
  return true;
}

Status TorrentStore::persist_pending() {
  CompletionJournal::Batch batch;
  {
    LockGuard lock(mutex_);
    batch = journal_.take(completion_);
  }
  return journal_.commit(std::move(batch), [this](int file) { return files_.sync_file(file); });
}

}  // namespace seeder::storage
