// Registry over a real session, real stores and a loopback seeder, without the HTTP side: one
// live torrent per hash, the idle TTL (readers keep a torrent), storage that cannot open, and
// shutdown.
#include <gtest/gtest.h>

#include "content.hpp"
#include "live_stack.hpp"
#include "seeder/storage/content_path.hpp"
#include "swarm.hpp"

namespace seeder::torrent {
namespace {

using namespace std::chrono_literals;

class RegistryTest : public ::testing::Test {
 protected:
  Status ready(LiveTorrent& torrent) { return stack_.ready(torrent); }

  test::LiveStack stack_;
  torrent::Registry* registry_ = &stack_.registry();
  const EntryPtr& entry_ = stack_.entry();
};

TEST_F(RegistryTest, EveryAcquireOfAHashGetsTheOneLiveTorrent) {
  const auto first = registry_->acquire(entry_);
  const auto second = registry_->acquire(entry_);
  ASSERT_TRUE(first);
  EXPECT_EQ(first, second);
  EXPECT_EQ(registry_->size(), 1u);
  const auto status = ready(*first);
  ASSERT_TRUE(status) << status.error().message;
  EXPECT_TRUE(first->handle().is_valid());
  EXPECT_TRUE(first->store()) << "its storage is open";
  EXPECT_EQ(registry_->find(entry_->meta->hash()), first);
}

TEST_F(RegistryTest, AnIdleTorrentIsDroppedAfterItsTtlButNeverWhileItHasAReader) {
  const auto torrent = registry_->acquire(entry_);
  ASSERT_TRUE(ready(*torrent));
  const auto now = LiveTorrent::Clock::now();
  EXPECT_EQ(registry_->sweep(now), 0u) << "used just now";
  {
    LiveTorrent::ReaderLease reader(torrent);
    EXPECT_EQ(registry_->sweep(now + 2h), 0u) << "a reader keeps it";
  }
  EXPECT_EQ(registry_->sweep(LiveTorrent::Clock::now() + 2h), 1u);
  EXPECT_FALSE(registry_->find(entry_->meta->hash()));
  EXPECT_TRUE(
      std::filesystem::exists(storage::torrent_dir(stack_.data_dir(), entry_->meta->hash())))
      << "its data stays on disk";
  EXPECT_NE(registry_->acquire(entry_), torrent) << "used again: added afresh";
}

TEST_F(RegistryTest, StorageThatCannotOpenFailsTheReadersAndDropsTheTorrent) {
  // A file where the torrent's directory should be: the store cannot be created.
  test::write_file(storage::torrent_dir(stack_.data_dir(), entry_->meta->hash()), "in the way");
  const auto torrent = registry_->acquire(entry_);
  const auto status = ready(*torrent);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, Errc::unavailable) << status.error().message;
  EXPECT_NE(status.error().message.find("storage"), std::string::npos) << status.error().message;
  EXPECT_TRUE(test::wait_until([&] { return registry_->size() == 0; }, 5s));
}

TEST_F(RegistryTest, AfterShutdownNothingIsAcquiredAndNothingIsLeft) {
  const auto torrent = registry_->acquire(entry_);
  ASSERT_TRUE(ready(*torrent));
  registry_->shutdown();
  EXPECT_EQ(registry_->size(), 0u);
  EXPECT_FALSE(registry_->acquire(entry_));
  EXPECT_EQ(torrent->state(), LiveTorrent::State::failed);
}

// Its executors do not run until it is gone: the storage opening it posted, and its timers, find
// nothing to touch (under ASan a raw `this` there is a use after free; in any build the torrent's
// storage would be opened by a Registry that no longer exists).
TEST_F(RegistryTest, DestroyedWithItsJobsQueuedItLeavesThemNothingToDo) {
  boost::asio::io_context io;
  boost::asio::io_context blocking;
  auto registry =
      std::make_shared<Registry>(stack_.session().native(), stack_.stores(), io.get_executor(),
                                 blocking.get_executor(), RegistryOptions{});
  registry->start();
  const auto torrent = registry->acquire(entry_);
  ASSERT_TRUE(torrent);
  registry.reset();
  EXPECT_EQ(torrent->state(), LiveTorrent::State::failed) << "its readers are told";
  EXPECT_EQ(blocking.run_for(2s), 1u) << "the queued storage opening ran, and did nothing";
  io.run_for(200ms);
  EXPECT_FALSE(
      std::filesystem::exists(storage::torrent_dir(stack_.data_dir(), entry_->meta->hash())));
  EXPECT_FALSE(torrent->store());
}

}  // namespace
}  // namespace seeder::torrent
