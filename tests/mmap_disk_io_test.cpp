// MmapDiskIO, libtorrent's disk backend, driven directly the way libtorrent's network thread
// drives it (an io_context standing in for that thread): writes, hashes and reads of real
// content files, and an abort with jobs in flight that must return and complete every handler.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include <libtorrent/disk_buffer_holder.hpp>
#include <libtorrent/io_context.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/storage_defs.hpp>
#include <libtorrent/torrent_info.hpp>

#include "content.hpp"
#include "seeder/storage/mmap_disk_io.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/torrent/catalog.hpp"
#include "temp_dir.hpp"

namespace seeder::storage {
namespace {

namespace lt = libtorrent;
using namespace std::chrono_literals;

constexpr int kPiece = 64 * 1024;
constexpr int kBlock = 16 * 1024;
constexpr int kPieces = 32;

class MmapDiskIOTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bytes_ = test::random_bytes(static_cast<std::size_t>(kPieces) * kPiece, 9);
    test::write_file(content_.path() / "data.bin", bytes_);
    entry_ = *torrent::parse_torrent(test::make_torrent(
        content_.path() / "data.bin", {test::TorrentSpec::Kind::v1_only, kPiece}));
    spec_ = spec_for(entry_->meta->hash(), *test::info_of(entry_), *entry_->torrent_file());
    auto store = stores_.open(spec_);
    ASSERT_TRUE(store);
    store_ = *store;
  }

  // A torrent in a fresh backend, as libtorrent adds one.
  struct Backend {
    Backend(lt::io_context& io, const lt::settings_pack& settings, StoreRegistry& stores,
            const lt::torrent_info& info)
        : disk(io, settings, stores, 2),
          params(info.files(), nullptr, "", lt::storage_mode_sparse, priorities,
                 info.info_hashes().get_best()),
          holder(disk.new_torrent(params, nullptr)) {}
    MmapDiskIO disk;
    lt::aux::vector<lt::download_priority_t, lt::file_index_t> priorities;
    lt::storage_params params;
    lt::storage_holder holder;
  };

  void write_piece(Backend& backend, int piece, int& pending) {
    for (int offset = 0; offset < kPiece; offset += kBlock) {
      lt::peer_request request{lt::piece_index_t(piece), offset, kBlock};
      ++pending;
      backend.disk.async_write(lt::storage_index_t(backend.holder), request,
                               bytes_.data() + static_cast<std::size_t>(piece) * kPiece + offset,
                               nullptr,
                               [&pending](const lt::storage_error& error) {
                                 EXPECT_FALSE(error) << error.ec.message();
                                 --pending;
                               },
                               {});
    }
  }

  // Runs the "network thread" until `done` or 10 s.
  bool run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(10ms);
    }
    return done();
  }

  test::TempDir content_{"seeder-disk-content"};
  test::TempDir data_{"seeder-disk-data"};
  StoreRegistry stores_{data_.path()};
  std::string bytes_;
  torrent::EntryPtr entry_;
  StoreSpec spec_;
  std::shared_ptr<TorrentStore> store_;
  lt::io_context io_;
  lt::settings_pack settings_;
};

TEST_F(MmapDiskIOTest, WrittenBlocksHashAndReadBackAsTheSource) {
  Backend backend(io_, settings_, stores_, *test::info_of(entry_));
  int pending = 0;
  write_piece(backend, 5, pending);
  lt::sha1_hash hash;
  bool hashed = false;
  backend.disk.async_hash(
      lt::storage_index_t(backend.holder), lt::piece_index_t(5), {}, lt::disk_interface::v1_hash,
      [&](lt::piece_index_t, const lt::sha1_hash& result, const lt::storage_error& error) {
        EXPECT_FALSE(error) << error.ec.message();
        hash = result;
        hashed = true;
      });
  ASSERT_TRUE(run_until([&] { return pending == 0 && hashed; }));
  EXPECT_EQ(hash, test::info_of(entry_)->hash_for_piece(lt::piece_index_t(5)));
  store_->on_piece_passed(5);  // as the plugin does once libtorrent compared the hash

  std::string read;
  bool done = false;
  backend.disk.async_read(
      lt::storage_index_t(backend.holder), lt::peer_request{lt::piece_index_t(5), kBlock, kBlock},
      [&](lt::disk_buffer_holder buffer, const lt::storage_error& error) {
        EXPECT_FALSE(error) << error.ec.message() << " in " << lt::operation_name(error.operation);
        read.assign(buffer.data(), static_cast<std::size_t>(buffer.size()));
        done = true;
      },
      {});
  ASSERT_TRUE(run_until([&] { return done; }));
  EXPECT_TRUE(read == bytes_.substr(5 * kPiece + kBlock, kBlock));
  backend.disk.abort(true);
}

// libtorrent aborts its disk backend while jobs are queued (session teardown): abort must
// return, every handler must still be posted exactly once, and nothing may hang. Repeated, with
// a time budget that reports how far it got.
TEST_F(MmapDiskIOTest, AnAbortWithJobsInFlightReturnsAndCompletesEveryHandler) {
  constexpr int kRounds = 20;
  constexpr int kJobs = kPieces * (kPiece / kBlock + 1);
  const auto started = std::chrono::steady_clock::now();
  int rounds = 0;
  for (; rounds < kRounds && std::chrono::steady_clock::now() - started < 120s; ++rounds) {
    std::vector<int> calls(kJobs, 0);  // per job: how often its handler ran
    int job = 0;
    {
      Backend backend(io_, settings_, stores_, *test::info_of(entry_));
      const lt::storage_index_t storage(backend.holder);
      for (int piece = 0; piece < kPieces; ++piece) {
        for (int offset = 0; offset < kPiece; offset += kBlock) {
          backend.disk.async_write(
              storage, lt::peer_request{lt::piece_index_t(piece), offset, kBlock},
              bytes_.data() + static_cast<std::size_t>(piece) * kPiece + offset, nullptr,
              [&calls, id = job++](const lt::storage_error&) { ++calls[id]; }, {});
        }
        backend.disk.async_hash(storage, lt::piece_index_t(piece), {}, lt::disk_interface::v1_hash,
                                [&calls, id = job++](lt::piece_index_t, const lt::sha1_hash&,
                                                     const lt::storage_error&) { ++calls[id]; });
      }
      backend.disk.abort(true);
      const auto all_ran = [&] {
        return std::all_of(calls.begin(), calls.end(), [](int count) { return count > 0; });
      };
      ASSERT_TRUE(run_until(all_ran)) << "round " << rounds << ": a handler never ran";
      io_.restart();
      io_.poll();  // anything posted twice would run now
    }
    ASSERT_EQ(job, kJobs);
    for (int id = 0; id < kJobs; ++id)
      ASSERT_EQ(calls[id], 1) << "job " << id << ", round " << rounds;
  }
  EXPECT_EQ(rounds, kRounds) << "only " << rounds << " rounds within the time budget";
}

}  // namespace
}  // namespace seeder::storage
