// StoreWorker, the thread type behind the CompletionWriter and the Evictor: each store once per
// batch however often it was scheduled, a store scheduled mid-job done again, flush() and
// destruction finish what was scheduled. Real stores over real files; the job is the test's.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>

#include "content.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/storage/store_worker.hpp"
#include "seeder/torrent/catalog.hpp"
#include "temp_dir.hpp"

namespace seeder::storage {
namespace {

using namespace std::chrono_literals;
using test::TempDir;

class StoreWorkerTest : public ::testing::Test {
 protected:
  // A store of its own torrent (one small file, `seed` picks its bytes and so its hash).
  std::shared_ptr<TorrentStore> store(std::uint32_t seed) {
    const auto file = content_ / ("f" + std::to_string(seed) + ".bin");
    test::write_file(file, test::random_bytes(40'000, seed));
    const auto entry = *torrent::parse_torrent(test::make_torrent(file, {}));
    auto opened = stores_.open(spec_for(entry->meta->hash(), *test::info_of(entry), {}));
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? *opened : nullptr;
  }
  // The job: counts runs per store, under a lock (the worker's thread and the test's read it).
  StoreWorker::Job counting() {
    return [this](TorrentStore& store) {
      std::lock_guard lock(mutex_);
      ++runs_[&store];
    };
  }
  int runs(const std::shared_ptr<TorrentStore>& store) {
    std::lock_guard lock(mutex_);
    return runs_[store.get()];
  }

  TempDir content_{"seeder-content"};
  TempDir data_{"seeder-data"};
  StoreRegistry stores_{data_.path()};
  std::mutex mutex_;
  std::map<const TorrentStore*, int> runs_;
};

TEST_F(StoreWorkerTest, AStoreScheduledManyTimesInOneBatchIsDoneOnce) {
  StoreWorker worker(counting(), 10s);  // flush() ends the wait: all 100 fall in one batch
  const auto a = store(1);
  const auto b = store(2);
  for (int i = 0; i < 50; ++i) {
    worker.schedule(a);
    worker.schedule(b);
  }
  worker.flush();
  EXPECT_EQ(runs(a), 1);
  EXPECT_EQ(runs(b), 1);
}

TEST_F(StoreWorkerTest, AStoreScheduledWhileItsJobRunsIsDoneAgain) {
  std::promise<void> started, release;
  auto release_future = release.get_future().share();
  std::atomic<int> calls{0};
  StoreWorker worker(
      [&](TorrentStore& store) {
        if (calls++ == 0) {
          started.set_value();
          release_future.wait();  // the first job is "in fdatasync"
        }
        counting()(store);
      },
      0ms);
  const auto a = store(1);
  worker.schedule(a);
  ASSERT_EQ(started.get_future().wait_for(10s), std::future_status::ready);
  worker.schedule(a);  // the change it records came after the running job took its batch
  release.set_value();
  worker.flush();
  EXPECT_EQ(runs(a), 2);
}

TEST_F(StoreWorkerTest, FlushDoesNotWaitForTheBatchDelay) {
  StoreWorker worker(counting(), 10s);
  const auto a = store(1);
  worker.schedule(a);
  const auto started = std::chrono::steady_clock::now();
  worker.flush();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(runs(a), 1);
}

TEST_F(StoreWorkerTest, DestroyingTheWorkerFinishesWhatWasScheduled) {
  const auto a = store(1);
  {
    StoreWorker worker(counting(), 10s);
    worker.schedule(a);
  }
  EXPECT_EQ(runs(a), 1);
}

}  // namespace
}  // namespace seeder::storage
