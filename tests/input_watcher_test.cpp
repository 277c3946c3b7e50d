// InputWatcher with real inotify on a temp dir: what enters the catalog while the gateway runs,
// what is skipped, and what a removal leaves.
#include "seeder/torrent/input_watcher.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "content.hpp"
#include "raw_torrent.hpp"
#include "temp_dir.hpp"

namespace seeder::torrent {
namespace {

using namespace std::chrono_literals;

std::string input_watcher_torrent(const std::string& name) {
  test::RawTorrentSpec spec;
  spec.name = name;
  spec.single_file = true;
  return test::make_raw_torrent({{{name}, "bytes of " + name}}, spec);
}

class InputWatcherTest : public ::testing::Test {
 protected:
  InputWatcherTest() : thread_([this] { io_.run(); }) {}
  ~InputWatcherTest() override {
    if (watcher_) watcher_->stop();
    work_.reset();
    io_.stop();
    thread_.join();
  }
  InputWatcherTest(const InputWatcherTest&) = delete;
  InputWatcherTest& operator=(const InputWatcherTest&) = delete;

  void watch(const std::filesystem::path& input) {
    auto started = InputWatcher::start(input, catalog_, io_.get_executor());
    ASSERT_TRUE(started) << started.error().message;
    watcher_ = *started;
  }
  // Waits (at most 5 s) for the catalog to hold `count` torrents.
  bool holds(std::size_t count) const {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (catalog_.size() != count && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    return catalog_.size() == count;
  }
  // Holds `count` and still does 300 ms later: nothing else arrives late.
  bool stays(std::size_t count) const {
    std::this_thread::sleep_for(300ms);
    return catalog_.size() == count;
  }

  test::TempDir dir_{"seeder-input-watcher"};
  Catalog catalog_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::shared_ptr<InputWatcher> watcher_;
  std::thread thread_;
};

TEST_F(InputWatcherTest, ATorrentWrittenOrMovedInIsLoadedAndOtherFilesAreNot) {
  watch(dir_.path());
  test::write_file(dir_.path() / "a.torrent", input_watcher_torrent("a"));
  ASSERT_TRUE(holds(1));
  test::TempDir elsewhere("seeder-input-watcher-outside");
  test::write_file(elsewhere.path() / "b.torrent", input_watcher_torrent("b"));
  std::filesystem::rename(elsewhere.path() / "b.torrent", dir_.path() / "b.torrent");
  ASSERT_TRUE(holds(2));
  test::write_file(dir_.path() / "c.txt", input_watcher_torrent("c"));
  EXPECT_TRUE(stays(2)) << "only .torrent names are loaded";
}

TEST_F(InputWatcherTest, ABrokenTorrentIsSkippedAndTheNextOneStillLoads) {
  watch(dir_.path());
  test::write_file(dir_.path() / "broken.torrent", "d4:infoi1ee");
  EXPECT_TRUE(stays(0));
  test::write_file(dir_.path() / "good.torrent", input_watcher_torrent("good"));
  EXPECT_TRUE(holds(1));
}

TEST_F(InputWatcherTest, ARemovedTorrentStaysServable) {
  watch(dir_.path());
  test::write_file(dir_.path() / "a.torrent", input_watcher_torrent("a"));
  ASSERT_TRUE(holds(1));
  std::filesystem::remove(dir_.path() / "a.torrent");
  EXPECT_TRUE(stays(1));
}

TEST_F(InputWatcherTest, AnInputThatIsOneFileWatchesThatNameOnly) {
  watch(dir_.path() / "only.torrent");
  test::write_file(dir_.path() / "other.torrent", input_watcher_torrent("other"));
  EXPECT_TRUE(stays(0));
  test::write_file(dir_.path() / "only.torrent", input_watcher_torrent("only"));
  EXPECT_TRUE(holds(1));
}

// A mounted ConfigMap swaps its files in by re-pointing the `..data` symlink: no event names
// the .torrent files themselves, so the directory is read again.
TEST_F(InputWatcherTest, AConfigMapUpdateReadsTheDirectoryAgain) {
  const auto version = dir_.path() / "..2026_v1";
  std::filesystem::create_directory(version);
  test::write_file(version / "a.torrent", input_watcher_torrent("a"));
  std::filesystem::create_symlink("..data/a.torrent", dir_.path() / "a.torrent");
  watch(dir_.path());
  EXPECT_TRUE(stays(0)) << "a dangling link loads nothing";
  std::filesystem::create_directory_symlink(version.filename(), dir_.path() / "..data_tmp");
  std::filesystem::rename(dir_.path() / "..data_tmp", dir_.path() / "..data");
  EXPECT_TRUE(holds(1));
}

TEST_F(InputWatcherTest, AfterStopNothingMoreIsLoadedAndStopAgainIsHarmless) {
  watch(dir_.path());
  watcher_->stop();
  test::write_file(dir_.path() / "late.torrent", input_watcher_torrent("late"));
  EXPECT_TRUE(stays(0));
  watcher_->stop();
}

TEST(InputWatcherStartTest, AnInputThatCannotBeWatchedIsAnIoError) {
  boost::asio::io_context io;
  Catalog catalog;
  const auto started =
      InputWatcher::start("/nonexistent-seeder-dir/x.torrent", catalog, io.get_executor());
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, Errc::io);
  EXPECT_NE(started.error().message.find("/nonexistent-seeder-dir"), std::string::npos);
}

}  // namespace
}  // namespace seeder::torrent
