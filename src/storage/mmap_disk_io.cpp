#include "seeder/storage/mmap_disk_io.hpp"

#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <libtorrent/aux_/vector.hpp>
#include <libtorrent/disk_buffer_holder.hpp>
#include <libtorrent/disk_observer.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/hasher.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/storage_defs.hpp>

namespace seeder::storage {
namespace asio = boost::asio;

namespace {

constexpr int kBlock = 16 * 1024;
constexpr std::int64_t kMinWriteQueue = 16ll << 20;

lt::storage_error storage_error_of(const Error& error, lt::operation_t operation) {
  using boost::system::errc::make_error_code;
  namespace errc = boost::system::errc;
  lt::error_code code;
  switch (error.code) {
    case Errc::unavailable:
      code = make_error_code(errc::no_space_on_device);
      break;
    case Errc::not_found:
      code = make_error_code(errc::no_such_file_or_directory);
      break;
    default:
      code = make_error_code(errc::io_error);
      break;
  }
  return lt::storage_error(code, operation);
}

}  // namespace

lt::disk_io_constructor_type mmap_disk_io_constructor(StoreRegistry& stores, int threads) {
  return [&stores, threads](lt::io_context& io, const lt::settings_interface& settings,
                            lt::counters&) {
    return std::make_unique<MmapDiskIO>(io, settings, stores, threads);
  };
}

MmapDiskIO::MmapDiskIO(lt::io_context& io, const lt::settings_interface& settings,
                       StoreRegistry& stores, int threads)
    : io_(io),
      work_(io.get_executor()),
      settings_(settings),
      stores_(stores),
      pool_(static_cast<std::size_t>(std::max(1, threads))) {
  settings_updated();
}

MmapDiskIO::~MmapDiskIO() {
  pool_.join();
  work_.reset();
}

std::shared_ptr<MmapDiskIO::Slot> MmapDiskIO::slot(lt::storage_index_t index) const {
  return slots_[static_cast<std::size_t>(static_cast<int>(index))];
}

// Runs `job(store)` on the torrent's strand. The store is opened there first if the torrent
// was added without one (metadata that arrived after the add).
template <class Job>
void MmapDiskIO::run(lt::storage_index_t index, Job job) {
  auto target = slot(index);
  if (aborted_) {
    job(target->store);  // the pool is gone; the io_context still runs our completions
    return;
  }
  asio::post(target->strand, [target, job = std::move(job)]() mutable { job(target->store); });
}

// Hands a completion back to libtorrent's network thread, as the contract requires.
template <class Handler>
void MmapDiskIO::complete(Handler handler) {
  asio::post(io_, std::move(handler));
}

lt::storage_holder MmapDiskIO::new_torrent(const lt::storage_params& params,
                                           const std::shared_ptr<void>&) {
  lt::storage_index_t index;
  if (!free_slots_.empty()) {
    index = free_slots_.back();
    free_slots_.pop_back();
  } else {
    index = lt::storage_index_t(static_cast<int>(slots_.size()));
    slots_.emplace_back();
  }
  auto slot = std::make_shared<Slot>(pool_);
  slot->store = stores_.find(params.info_hash);
  slots_[static_cast<std::size_t>(static_cast<int>(index))] = slot;
  if (!slot->store) {
    // Opening touches SQLite and the file system: never on the network thread.
    // The layout is copied out now: params.files borrows names from metadata that may be gone
    // by the time a job runs (a magnet torrent replaced by its catalog entry).
    StoreSpec spec{stores_.key_for(params.info_hash),
                   params.info_hash,
                   ContentLayout::from(params.files),
                   {},
                   {}};
    asio::post(slot->strand, [slot, spec = std::move(spec), &stores = stores_] {
      auto store = stores.open(spec);
      if (!store) {
        spdlog::error("torrent {}: cannot open its storage: {}", spec.key.hex(),
                      store.error().message);
        return;
      }
      slot->store = *store;
    });
  }
  return lt::storage_holder(index, *this);
}

void MmapDiskIO::remove_torrent(lt::storage_index_t index) {
  // Jobs in flight keep the slot (and its store) alive until they are done.
  slots_[static_cast<std::size_t>(static_cast<int>(index))].reset();
  free_slots_.push_back(index);
}

void MmapDiskIO::async_read(
    lt::storage_index_t storage, const lt::peer_request& request,
    std::function<void(lt::disk_buffer_holder, const lt::storage_error&)> handler,
    lt::disk_job_flags_t) {
  run(storage, [this, request,
                handler = std::move(handler)](const std::shared_ptr<TorrentStore>& store) mutable {
    char* buffer = static_cast<char*>(std::malloc(static_cast<std::size_t>(request.length)));
    lt::storage_error error;
    if (buffer == nullptr) {
      error = lt::storage_error(
          lt::error_code(boost::system::errc::not_enough_memory, boost::system::generic_category()),
          lt::operation_t::alloc_cache_piece);
    } else if (!store) {
      error = lt::storage_error(
          lt::error_code(boost::system::errc::io_error, boost::system::generic_category()),
          lt::operation_t::file_read);
    } else if (auto read = store->read_for_peer(static_cast<int>(request.piece), request.start,
                                                {buffer, static_cast<std::size_t>(request.length)});
               !read) {
      // An evicted piece: libtorrent answers the peer with a reject (and DONT_HAVE), it does
      // not pause the torrent; the piece is re-announced after the next resync.
      error = storage_error_of(read.error(), lt::operation_t::file_read);
    }
    const int length = buffer != nullptr && !error ? request.length : 0;
    if (error && buffer != nullptr) {
      std::free(buffer);
      buffer = nullptr;
    }
    complete([this, handler = std::move(handler), buffer, length, error]() mutable {
      handler(lt::disk_buffer_holder(*this, buffer, length), error);
    });
  });
}

bool MmapDiskIO::async_write(lt::storage_index_t storage, const lt::peer_request& request,
                             const char* buffer, std::shared_ptr<lt::disk_observer> observer,
                             std::function<void(const lt::storage_error&)> handler,
                             lt::disk_job_flags_t) {
  // `buffer` is libtorrent's only for the duration of this call.
  std::shared_ptr<char[]> copy(new char[static_cast<std::size_t>(request.length)]);
  std::memcpy(copy.get(), buffer, static_cast<std::size_t>(request.length));
  const auto queued = queued_write_bytes_ += request.length;
  run(storage, [this, request, copy,
                handler = std::move(handler)](const std::shared_ptr<TorrentStore>& store) mutable {
    lt::storage_error error;
    // Over its cache budget, a torrent makes room before it takes more: the disk then never holds
    // more than the budget plus the pieces in flight, however busy the evictor thread is.
    if (store && store->over_budget()) store->enforce_budget();
    if (!store) {
      error = lt::storage_error(
          lt::error_code(boost::system::errc::io_error, boost::system::generic_category()),
          lt::operation_t::file_write);
    } else if (auto written =
                   store->write_block(static_cast<int>(request.piece), request.start,
                                      {copy.get(), static_cast<std::size_t>(request.length)});
               !written) {
      error = storage_error_of(written.error(), lt::operation_t::file_write);
      // The file, for libtorrent's file_error_alert (else it names none).
      if (const auto files = store->files().files_of(static_cast<int>(request.piece));
          !files.empty())
        error.file(lt::file_index_t(files.front()));
      // A full disk fails every block: one line per interval, with the count held back.
      if (const auto held = write_errors_logged_.admit())
        spdlog::error("torrent {}: write failed: {}{}", store->key().hex(), written.error().message,
                      *held > 0 ? fmt::format(" ({} more since the last line)", *held) : "");
    }
    on_write_done(request.length);
    complete([handler = std::move(handler), error] { handler(error); });
  });
  if (queued <= write_queue_limit_) return false;
  LockGuard lock(observers_mutex_);
  observers_.push_back(observer);
  return true;
}

void MmapDiskIO::on_write_done(std::int64_t bytes) {
  const auto left = queued_write_bytes_ -= bytes;
  if (left > write_queue_limit_ / 2) return;
  std::vector<std::weak_ptr<lt::disk_observer>> waiting;
  {
    LockGuard lock(observers_mutex_);
    waiting.swap(observers_);
  }
  if (waiting.empty()) return;
  complete([waiting = std::move(waiting)] {
    for (const auto& weak : waiting) {
      if (auto observer = weak.lock()) observer->on_disk();
    }
  });
}

void MmapDiskIO::async_hash(
    lt::storage_index_t storage, lt::piece_index_t piece, lt::span<lt::sha256_hash> block_hashes,
    lt::disk_job_flags_t flags,
    std::function<void(lt::piece_index_t, const lt::sha1_hash&, const lt::storage_error&)>
        handler) {
  const bool v1 = bool(flags & disk_interface::v1_hash);
  run(storage, [this, piece, block_hashes, v1,
                handler = std::move(handler)](const std::shared_ptr<TorrentStore>& store) mutable {
    lt::sha1_hash v1_hash;
    lt::storage_error error;
    const int index = static_cast<int>(piece);
    if (!store) {
      error = lt::storage_error(
          lt::error_code(boost::system::errc::io_error, boost::system::generic_category()),
          lt::operation_t::file_read);
    } else {
      auto& files = store->files();
      const auto& layout = files.layout();
      // This piece is about to become complete: make room for it first (see async_write).
      if (store->budget() > 0) store->enforce_budget(files.stored_bytes(index));
      const auto token = store->begin_hash(index);
      Status hashed;
      if (v1) {
        lt::hasher sha1;
        hashed = files.visit(index, 0, layout.piece_size(index), [&](std::span<const char> bytes) {
          sha1.update({bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())});
        });
        v1_hash = sha1.final();
      }
      // v2 block hashes cover the file's own bytes only: a short last block is hashed short.
      const int v2_size = block_hashes.empty() ? 0 : layout.piece_size2(index);
      for (int offset = 0, block = 0; hashed && offset < v2_size; offset += kBlock, ++block) {
        lt::hasher256 sha256;
        hashed = files.visit(
            index, offset, std::min(kBlock, v2_size - offset), [&](std::span<const char> bytes) {
              sha256.update({bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())});
            });
        block_hashes[block] = sha256.final();
      }
      if (!hashed) error = storage_error_of(hashed.error(), lt::operation_t::file_read);
      store->end_hash(index, token);
      // Hashing was the last look at these pages for now: keep the process's RSS flat.
      files.release_pages(index);
    }
    complete(
        [handler = std::move(handler), piece, v1_hash, error] { handler(piece, v1_hash, error); });
  });
}

void MmapDiskIO::async_hash2(
    lt::storage_index_t storage, lt::piece_index_t piece, int offset, lt::disk_job_flags_t,
    std::function<void(lt::piece_index_t, const lt::sha256_hash&, const lt::storage_error&)>
        handler) {
  run(storage, [this, piece, offset,
                handler = std::move(handler)](const std::shared_ptr<TorrentStore>& store) mutable {
    lt::sha256_hash hash;
    lt::storage_error error;
    if (!store) {
      error = lt::storage_error(
          lt::error_code(boost::system::errc::io_error, boost::system::generic_category()),
          lt::operation_t::file_read);
    } else {
      const int length =
          std::min(kBlock, store->files().layout().piece_size2(static_cast<int>(piece)) - offset);
      const auto token = store->begin_hash(static_cast<int>(piece));
      lt::hasher256 sha256;
      auto hashed = store->files().visit(
          static_cast<int>(piece), offset, length, [&](std::span<const char> bytes) {
            sha256.update({bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())});
          });
      hash = sha256.final();
      store->end_hash(static_cast<int>(piece), token);
      if (!hashed) error = storage_error_of(hashed.error(), lt::operation_t::file_read);
    }
    complete([handler = std::move(handler), piece, hash, error] { handler(piece, hash, error); });
  });
}

void MmapDiskIO::async_move_storage(
    lt::storage_index_t, std::string path, lt::move_flags_t,
    std::function<void(lt::status_t, const std::string&, const lt::storage_error&)> handler) {
  // Content lives where seeder puts it (by info-hash and file index); libtorrent's save path is
  // not used, so there is nothing to move.
  const lt::storage_error error(lt::error_code(boost::system::errc::operation_not_supported,
                                               boost::system::generic_category()),
                                lt::operation_t::file_rename);
  complete([handler = std::move(handler), path = std::move(path), error] {
    handler(lt::status_t::fatal_disk_error, path, error);
  });
}

void MmapDiskIO::async_release_files(lt::storage_index_t storage, std::function<void()> handler) {
  run(storage,
      [this, handler = std::move(handler)](const std::shared_ptr<TorrentStore>& store) mutable {
        if (store) store->files().release();
        if (handler) complete(std::move(handler));
      });
}

void MmapDiskIO::async_check_files(
    lt::storage_index_t storage, const lt::add_torrent_params*,
    lt::aux::vector<std::string, lt::file_index_t>,
    std::function<void(lt::status_t, const lt::storage_error&)> handler) {
  // Torrents are added with no_verify_files: this only runs when the completion database had to
  // be rebuilt, and then libtorrent must hash everything that is on disk.
  run(storage,
      [this, handler = std::move(handler)](const std::shared_ptr<TorrentStore>& store) mutable {
        const auto status = store && store->needs_full_check() ? lt::status_t::need_full_check
                                                               : lt::status_t::no_error;
        complete([handler = std::move(handler), status] { handler(status, lt::storage_error()); });
      });
}

void MmapDiskIO::async_stop_torrent(lt::storage_index_t storage, std::function<void()> handler) {
  async_release_files(storage, std::move(handler));
}

void MmapDiskIO::async_rename_file(
    lt::storage_index_t, lt::file_index_t index, std::string name,
    std::function<void(const std::string&, lt::file_index_t, const lt::storage_error&)> handler) {
  // Content files are named after the original path: a rename changes nothing on disk.
  complete([handler = std::move(handler), index, name = std::move(name)] {
    handler(name, index, lt::storage_error());
  });
}

void MmapDiskIO::async_delete_files(lt::storage_index_t, lt::remove_flags_t,
                                    std::function<void(const lt::storage_error&)> handler) {
  // seeder never removes torrents with their files; content is managed by seeder's own cache
  // (eviction), which keeps the completion records in step. Refuse rather than half-do it.
  const lt::storage_error error(lt::error_code(boost::system::errc::operation_not_supported,
                                               boost::system::generic_category()),
                                lt::operation_t::file_remove);
  complete([handler = std::move(handler), error] { handler(error); });
}

void MmapDiskIO::async_set_file_priority(
    lt::storage_index_t, lt::aux::vector<lt::download_priority_t, lt::file_index_t> priorities,
    std::function<void(const lt::storage_error&,
                       lt::aux::vector<lt::download_priority_t, lt::file_index_t>)>
        handler) {
  complete([handler = std::move(handler), priorities = std::move(priorities)]() mutable {
    handler(lt::storage_error(), std::move(priorities));
  });
}

void MmapDiskIO::async_clear_piece(lt::storage_index_t storage, lt::piece_index_t piece,
                                   std::function<void(lt::piece_index_t)> handler) {
  // Behind every job already queued for the torrent on its strand: when this runs, none of them
  // still touches the piece.
  run(storage,
      [this, piece, handler = std::move(handler)](const std::shared_ptr<TorrentStore>&) mutable {
        complete([handler = std::move(handler), piece] { handler(piece); });
      });
}

void MmapDiskIO::update_stats_counters(lt::counters&) const {}

std::vector<lt::open_file_state> MmapDiskIO::get_status(lt::storage_index_t) const {
  return {};
}

// Jobs are short (one block or one piece), so waiting for them here is cheap; afterwards every
// completion is in libtorrent's queue and its network thread may finish.
void MmapDiskIO::abort(bool) {
  aborted_ = true;
  pool_.join();
  work_.reset();
}

void MmapDiskIO::submit_jobs() {}  // jobs are posted to the pool as they arrive

void MmapDiskIO::settings_updated() {
  write_queue_limit_ = std::max<std::int64_t>(
      kMinWriteQueue, settings_.get_int(lt::settings_pack::max_queued_disk_bytes));
}

void MmapDiskIO::free_disk_buffer(char* buffer) {
  std::free(buffer);
}

}  // namespace seeder::storage
