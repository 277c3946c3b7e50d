#pragma once
// MmapDiskIO: seeder's libtorrent disk backend (lt::disk_interface), installed through
// session_params::disk_io_constructor. Content lives in TorrentStores (content files mapped
// shared, completion in SQLite); this class turns libtorrent's disk jobs into work on them.
//
// Threads: libtorrent calls every method on its network thread. Jobs run on our own thread pool,
// one strand per torrent, so a torrent's jobs run in the order libtorrent issued them: that is
// what makes a piece's hash see its writes, which libtorrent issues before they complete. Each
// job ends by posting its handler to libtorrent's io_context, exactly once, errors included.
//
// Lifetime: jobs and completions hold a raw `this`, by the disk_interface contract. Jobs run on
// our pool, which abort() and the destructor join; completions run on libtorrent's io_context,
// which libtorrent drains before destroying its disk backend (a disk_buffer_holder handed out
// with a read points back at this object by design).
//
// Buffers: writes are copied out of libtorrent's buffer before async_write returns; reads hand
// libtorrent a malloc'd copy (never a pointer into a mapping a later eviction could empty).

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <libtorrent/disk_interface.hpp>
#include <libtorrent/session_params.hpp>

#include "seeder/core/log_limiter.hpp"
#include "seeder/core/mutex.hpp"
#include "seeder/storage/store_registry.hpp"

namespace seeder::storage {

// The constructor to put in session_params::disk_io_constructor.
libtorrent::disk_io_constructor_type mmap_disk_io_constructor(StoreRegistry& stores, int threads);

class MmapDiskIO final : public libtorrent::disk_interface,
                         public libtorrent::buffer_allocator_interface {
 public:
  MmapDiskIO(libtorrent::io_context& io, const libtorrent::settings_interface& settings,
             StoreRegistry& stores, int threads);
  ~MmapDiskIO() override;
  MmapDiskIO(const MmapDiskIO&) = delete;
  MmapDiskIO& operator=(const MmapDiskIO&) = delete;

  libtorrent::storage_holder new_torrent(const libtorrent::storage_params& params,
                                         const std::shared_ptr<void>& torrent) override;
  void remove_torrent(libtorrent::storage_index_t index) override;

  void async_read(
      libtorrent::storage_index_t storage, const libtorrent::peer_request& request,
      std::function<void(libtorrent::disk_buffer_holder, const libtorrent::storage_error&)> handler,
      libtorrent::disk_job_flags_t flags) override;
  bool async_write(libtorrent::storage_index_t storage, const libtorrent::peer_request& request,
                   const char* buffer, std::shared_ptr<libtorrent::disk_observer> observer,
                   std::function<void(const libtorrent::storage_error&)> handler,
                   libtorrent::disk_job_flags_t flags) override;
  void async_hash(libtorrent::storage_index_t storage, libtorrent::piece_index_t piece,
                  libtorrent::span<libtorrent::sha256_hash> block_hashes,
                  libtorrent::disk_job_flags_t flags,
                  std::function<void(libtorrent::piece_index_t, const libtorrent::sha1_hash&,
                                     const libtorrent::storage_error&)>
                      handler) override;
  void async_hash2(libtorrent::storage_index_t storage, libtorrent::piece_index_t piece, int offset,
                   libtorrent::disk_job_flags_t flags,
                   std::function<void(libtorrent::piece_index_t, const libtorrent::sha256_hash&,
                                      const libtorrent::storage_error&)>
                       handler) override;
  void async_move_storage(libtorrent::storage_index_t storage, std::string path,
                          libtorrent::move_flags_t flags,
                          std::function<void(libtorrent::status_t, const std::string&,
                                             const libtorrent::storage_error&)>
                              handler) override;
  void async_release_files(libtorrent::storage_index_t storage,
                           std::function<void()> handler) override;
  void async_check_files(
      libtorrent::storage_index_t storage, const libtorrent::add_torrent_params* resume_data,
      libtorrent::aux::vector<std::string, libtorrent::file_index_t> links,
      std::function<void(libtorrent::status_t, const libtorrent::storage_error&)> handler) override;
  void async_stop_torrent(libtorrent::storage_index_t storage,
                          std::function<void()> handler) override;
  void async_rename_file(libtorrent::storage_index_t storage, libtorrent::file_index_t index,
                         std::string name,
                         std::function<void(const std::string&, libtorrent::file_index_t,
                                            const libtorrent::storage_error&)>
                             handler) override;
  void async_delete_files(libtorrent::storage_index_t storage, libtorrent::remove_flags_t options,
                          std::function<void(const libtorrent::storage_error&)> handler) override;
  void async_set_file_priority(
      libtorrent::storage_index_t storage,
      libtorrent::aux::vector<libtorrent::download_priority_t, libtorrent::file_index_t> priorities,
      std::function<
          void(const libtorrent::storage_error&,
               libtorrent::aux::vector<libtorrent::download_priority_t, libtorrent::file_index_t>)>
          handler) override;
  void async_clear_piece(libtorrent::storage_index_t storage, libtorrent::piece_index_t piece,
                         std::function<void(libtorrent::piece_index_t)> handler) override;

  void update_stats_counters(libtorrent::counters& counters) const override;
  std::vector<libtorrent::open_file_state> get_status(
      libtorrent::storage_index_t storage) const override;
  void abort(bool wait) override;
  void submit_jobs() override;
  void settings_updated() override;

  void free_disk_buffer(char* buffer) override;

 private:
  // One torrent's place in the backend. Jobs hold it by shared_ptr; `store` is set once, by the
  // first job on `strand` when the store was not open yet.
  struct Slot {
    explicit Slot(boost::asio::thread_pool& pool) : strand(boost::asio::make_strand(pool)) {}
    boost::asio::strand<boost::asio::thread_pool::executor_type> strand;
    std::shared_ptr<TorrentStore> store;
  };
  std::shared_ptr<Slot> slot(libtorrent::storage_index_t index) const;
  template <class Job>
  void run(libtorrent::storage_index_t index, Job job);
  template <class Handler>
  void complete(Handler handler);
  void on_write_done(std::int64_t bytes);

  libtorrent::io_context& io_;
  // Keeps libtorrent's network thread running until every completion we owe it is posted: a
  // handler left in a stopped io_context is destroyed during session teardown, and with it the
  // libtorrent objects it holds, after their session is gone (a crash).
  std::optional<boost::asio::executor_work_guard<libtorrent::io_context::executor_type>> work_;
  const libtorrent::settings_interface& settings_;
  StoreRegistry& stores_;
  boost::asio::thread_pool pool_;
  bool aborted_ = false;  // network thread only: after abort(), jobs run inline

  std::vector<std::shared_ptr<Slot>> slots_;  // network thread only, by storage index
  std::vector<libtorrent::storage_index_t> free_slots_;

  // Back-pressure on writes: libtorrent stops feeding us past the limit until on_disk().
  std::atomic<std::int64_t> queued_write_bytes_{0};
  std::atomic<std::int64_t> write_queue_limit_{0};
  LogLimiter write_errors_logged_;  // a full disk fails every block
  Mutex observers_mutex_;
  std::vector<std::weak_ptr<libtorrent::disk_observer>> observers_ GUARDED_BY(observers_mutex_);
};

}  // namespace seeder::storage
