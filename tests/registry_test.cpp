// Registry over a real session, real stores and a loopback seeder, without the HTTP side: one
// live torrent per hash, the idle TTL (readers keep a torrent), storage that cannot open, and
// shutdown.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include "content.hpp"
#include "seeder/storage/content_path.hpp"
#include "seeder/storage/mmap_disk_io.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/torrent/registry.hpp"
#include "seeder/torrent/session.hpp"
#include "swarm.hpp"
#include "temp_dir.hpp"

namespace seeder::torrent {
namespace {

using namespace std::chrono_literals;
using test::TempDir;

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_file(content_ / "film.bin", test::random_bytes(300'000, 9));
    torrent_ = test::build(content_ / "film.bin", input_.path(), {}, "film");
    entry_ = *parse_torrent(torrent_.torrent_file);
    seeder_.seed(torrent_.torrent_file, content_.path());

    SessionOptions session_options;
    session_options.listen_interfaces = "127.0.0.1:0";
    session_options.dht = session_options.lsd = session_options.upnp = session_options.natpmp =
        false;
    session_ = std::make_unique<Session>(session_options, boost::asio::make_strand(io_),
                                         storage::mmap_disk_io_constructor(stores_, 1));
    RegistryOptions options;
    options.ttl = 1h;
    options.extra_peers = {{boost::asio::ip::make_address("127.0.0.1"), seeder_.port()}};
    registry_ =
        std::make_unique<Registry>(session_->native(), stores_, boost::asio::make_strand(io_),
                                   blocking_.get_executor(), options);
    session_->subscribe([this](const libtorrent::alert& alert) { registry_->on_alert(alert); });
    session_->start();
  }
  void TearDown() override {
    // The Gateway's order: storage opens still on the blocking pool add to the session.
    registry_->shutdown();
    blocking_.join();
    session_->stop();
    registry_.reset();
    work_.reset();
    io_.stop();
    io_thread_.join();
  }
  // Waits for `torrent` to be in the session (or to fail), at most 20 s.
  Status ready(LiveTorrent& torrent) {
    auto answer = std::make_shared<std::promise<Status>>();
    auto future = answer->get_future();
    torrent.async_when_ready(io_.get_executor(),
                             [answer](Status status) { answer->set_value(std::move(status)); });
    if (future.wait_for(20s) != std::future_status::ready)
      return make_error(Errc::timeout, "not ready within 20 s");
    return future.get();
  }

  TempDir content_{"seeder-content"};
  TempDir input_{"seeder-input"};
  TempDir data_{"seeder-data"};
  test::TestTorrent torrent_;
  EntryPtr entry_;
  test::SeedSession seeder_;
  storage::StoreRegistry stores_{data_.path()};
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::thread io_thread_{[this] { io_.run(); }};
  boost::asio::thread_pool blocking_{1};
  std::unique_ptr<Session> session_;
  std::unique_ptr<Registry> registry_;
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
  EXPECT_TRUE(std::filesystem::exists(storage::torrent_dir(data_.path(), entry_->meta->hash())))
      << "its data stays on disk";
  EXPECT_NE(registry_->acquire(entry_), torrent) << "used again: added afresh";
}

TEST_F(RegistryTest, StorageThatCannotOpenFailsTheReadersAndDropsTheTorrent) {
  // A file where the torrent's directory should be: the store cannot be created.
  test::write_file(storage::torrent_dir(data_.path(), entry_->meta->hash()), "in the way");
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

}  // namespace
}  // namespace seeder::torrent
