// Streamer over the real stack below HTTP (LiveStack: session, stores, registry, a loopback
// seeder): a range not on disk is read through the live torrent, every byte the source's; a
// file complete on disk is served without the torrent joining the swarm; warm() starts it and
// downloads nothing; an empty range needs no torrent.
#include <gtest/gtest.h>

#include <unistd.h>

#include <future>

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "live_stack.hpp"
#include "seeder/torrent/content_locator.hpp"
#include "seeder/torrent/streamer.hpp"
#include "swarm.hpp"

namespace seeder::torrent {
namespace {

using namespace std::chrono_literals;

class StreamerTest : public ::testing::Test {
 protected:
  const FileInfo& file() const { return stack_.entry()->meta->files().front(); }

  Result<std::shared_ptr<ByteSource>> open(std::uint64_t first, std::uint64_t length) {
    auto answer = std::make_shared<std::promise<Result<std::shared_ptr<ByteSource>>>>();
    auto future = answer->get_future();
    streamer_->async_open(stack_.entry(), file(), first, length, strand_,
                          [answer](Result<std::shared_ptr<ByteSource>> source) {
                            answer->set_value(std::move(source));
                          });
    if (future.wait_for(20s) != std::future_status::ready)
      return make_error(Errc::timeout, "not open within 20 s");
    return future.get();
  }

  // Every byte of `source`, slice by slice on the strand it belongs to, as the HTTP layer reads
  // it (sendfile there; pread here).
  Result<std::string> read_all(const std::shared_ptr<ByteSource>& source) {
    std::string bytes;
    while (bytes.size() < source->size()) {
      auto answer = std::make_shared<std::promise<Result<FileSlice>>>();
      auto future = answer->get_future();
      boost::asio::post(strand_, [&, answer] {
        source->async_next(source->size() - bytes.size(),
                           [answer](Result<FileSlice> slice) { answer->set_value(slice); });
      });
      if (future.wait_for(20s) != std::future_status::ready)
        return make_error(Errc::timeout, "no slice within 20 s");
      const auto slice = future.get();
      if (!slice) return slice.error();
      std::string part(slice->length, '\0');
      if (::pread(slice->fd, part.data(), part.size(), static_cast<off_t>(slice->offset)) !=
          static_cast<ssize_t>(part.size()))
        return make_error(Errc::io, "short pread");
      bytes += part;
    }
    return bytes;
  }

  test::LiveStack stack_;
  ContentLocator locator_{stack_.registry(), stack_.stores(), stack_.blocking()};
  std::shared_ptr<Streamer> streamer_ = std::make_shared<Streamer>(locator_, ReaderOptions{});
  boost::asio::strand<boost::asio::io_context::executor_type> strand_{
      boost::asio::make_strand(stack_.io())};
};

TEST_F(StreamerTest, ARangeNotOnDiskIsReadThroughTheLiveTorrent) {
  const std::uint64_t first = 1000;
  const std::uint64_t length = 200'000;
  auto source = open(first, length);
  ASSERT_TRUE(source) << source.error().message;
  EXPECT_EQ(stack_.registry().size(), 1u) << "the torrent joined the swarm";
  const auto bytes = read_all(*source);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_TRUE(*bytes == stack_.content().substr(first, length)) << "a wrong byte";
}

TEST_F(StreamerTest, AFileCompleteOnDiskIsServedWithoutJoiningTheSwarm) {
  {
    auto whole = open(0, file().size);
    ASSERT_TRUE(whole) << whole.error().message;
    ASSERT_TRUE(read_all(*whole));
  }
  auto store = stack_.stores().open(storage::spec_for(stack_.entry()->meta->hash(),
                                                      *test::info_of(stack_.entry()),
                                                      *stack_.entry()->torrent_file()));
  ASSERT_TRUE(store);
  ASSERT_TRUE(test::wait_until([&] { return (*store)->file_complete(file().index); }, 10s));
  // The reader lets go of its torrent on the io thread, after the last slice was handed over:
  // until then the sweep keeps it (it has a reader).
  ASSERT_TRUE(test::wait_until(
      [&] {
        stack_.registry().sweep(LiveTorrent::Clock::now() + 2h);
        return stack_.registry().size() == 0;
      },
      5s))
      << "an idle torrent is not swept";

  auto source = open(5000, 10'000);
  ASSERT_TRUE(source) << source.error().message;
  const auto bytes = read_all(*source);
  ASSERT_TRUE(bytes) << bytes.error().message;
  EXPECT_TRUE(*bytes == stack_.content().substr(5000, 10'000));
  EXPECT_EQ(stack_.registry().size(), 0u) << "a complete file needs no torrent";
}

// A warm-up (a HEAD, a page view) joins the swarm for the GET that follows: a torrent that
// wants nothing is finished to libtorrent, and seeds hang up on it at the handshake. So it
// fetches the file's first missing piece, at the lowest priority, and nothing more.
TEST_F(StreamerTest, WarmJoinsTheSwarmAndFetchesOnePieceAtMost) {
  streamer_->warm(stack_.entry(), nullptr);
  ASSERT_TRUE(test::wait_until([&] { return stack_.registry().size() == 1; }, 5s));
  const auto torrent = stack_.registry().find(stack_.entry()->meta->hash());
  ASSERT_TRUE(torrent);
  ASSERT_TRUE(stack_.ready(*torrent));
  EXPECT_TRUE(test::wait_until([&] { return torrent->pieces().have(0); }, 10s))
      << "the first piece of the file";
  // Time for more to come if it were going to, then for the seeder's counters (once a second)
  // to show it.
  std::this_thread::sleep_for(2s);
  EXPECT_LE(stack_.uploaded(), 2 * stack_.entry()->meta->piece_length()) << "one piece at most";
  EXPECT_EQ(torrent->pieces().have_count(), 1);
}

TEST_F(StreamerTest, AnEmptyRangeNeedsNoTorrent) {
  auto source = open(0, 0);
  ASSERT_TRUE(source) << source.error().message;
  EXPECT_EQ((*source)->size(), 0u);
  EXPECT_EQ(stack_.registry().size(), 0u);
}

// A streamer destroyed while an open is on its way (the store opening on the blocking pool, the
// answer queued on the request's strand) answers unavailable and touches nothing of itself
// (under ASan, a use after free otherwise). The strand is held busy until the streamer is gone,
// so the answer cannot come first.
TEST_F(StreamerTest, AStreamerDestroyedWhileOpeningAnswersUnavailable) {
  std::promise<void> release;
  auto held = release.get_future().share();
  boost::asio::post(strand_, [held] { held.wait(); });
  auto answer = std::make_shared<std::promise<Result<std::shared_ptr<ByteSource>>>>();
  auto future = answer->get_future();
  streamer_->async_open(stack_.entry(), file(), 0, 1000, strand_,
                        [answer](Result<std::shared_ptr<ByteSource>> source) {
                          answer->set_value(std::move(source));
                        });
  streamer_.reset();
  release.set_value();
  ASSERT_EQ(future.wait_for(20s), std::future_status::ready);
  const auto source = future.get();
  ASSERT_FALSE(source);
  EXPECT_EQ(source.error().code, Errc::unavailable);
}

}  // namespace
}  // namespace seeder::torrent
