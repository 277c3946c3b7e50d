// BackgroundFetch: which piece is finished next behind the readers, and when (pace, pieces in
// flight, readers first). Pure logic: the clock and the piece states are the test's.
#include <gtest/gtest.h>

#include <set>

#include "seeder/torrent/background_fetch.hpp"

namespace seeder::torrent {
namespace {

using namespace std::chrono_literals;
using Clock = BackgroundFetch::Clock;

// Two files of `pieces_each` pieces: "T/a.mkv" then "T/b.mkv".
std::unique_ptr<TorrentMeta> two_files(int piece_length, int pieces_each) {
  const auto size = static_cast<std::uint64_t>(piece_length) * pieces_each;
  return std::make_unique<TorrentMeta>(
      *InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd"), "T", 2 * size, piece_length,
      2 * pieces_each, std::vector<FileInfo>{{0, "T/a.mkv", size, 0}, {1, "T/b.mkv", size, size}},
      false);
}

class BackgroundFetchTest : public ::testing::Test {
 protected:
  // One tick `step` after the last; `have_` and `wanted_` are the torrent's state.
  int tick(BackgroundFetch& fetch, Clock::duration step = 100ms, bool reader_waiting = false) {
    now_ += step;
    return fetch.pace({now_, [&](int piece) { return have_.count(piece) != 0; },
                       [&](int piece) { return have_.count(piece) == 0 && !wanted_.count(piece); },
                       reader_waiting});
  }

  Clock::time_point now_ = Clock::now();
  std::set<int> have_;
  std::set<int> wanted_;  // by a reader or a prefetch
};

TEST_F(BackgroundFetchTest, PiecesGoInFileOrderSkippingOthersAndAtMostTwoAtOnce) {
  const auto meta = two_files(16 * 1024, 4);
  BackgroundFetch fetch(*meta);
  fetch.add_file(meta->files()[0]);
  have_ = {0};
  wanted_ = {1};
  EXPECT_EQ(tick(fetch), 2);
  EXPECT_EQ(tick(fetch), 3);
  EXPECT_EQ(tick(fetch), -1) << "two in flight";
  EXPECT_EQ(fetch.in_flight(), (std::set<int>{2, 3}));
  have_.insert(2);
  EXPECT_EQ(tick(fetch), -1) << "the file is done but for what is in flight; b.mkv not read";
  EXPECT_EQ(fetch.in_flight(), (std::set<int>{3}));
}

TEST_F(BackgroundFetchTest, NothingNewWhileAReaderWaits) {
  const auto meta = two_files(16 * 1024, 4);
  BackgroundFetch fetch(*meta);
  fetch.add_file(meta->files()[0]);
  EXPECT_EQ(tick(fetch, 100ms, true), -1);
  EXPECT_EQ(tick(fetch, 100ms, false), 0);
}

// take_now hands a piece out of the pace, once: the next waits until the ticks have paid the
// debt (a piece taken now whose pass wants nothing else takes the next), never beyond two in
// flight.
TEST_F(BackgroundFetchTest, APieceTakenNowSkipsThePaceOnceAndNeverTheCapInFlight) {
  const auto meta = two_files(1 << 20, 8);
  BackgroundFetch fetch(*meta);
  fetch.add_file(meta->files()[0]);
  const auto have = [&](int piece) { return have_.count(piece) != 0; };
  const auto may_take = [&](int piece) { return have_.count(piece) == 0; };
  EXPECT_EQ(tick(fetch), 0);
  EXPECT_EQ(tick(fetch), 1);
  EXPECT_EQ(fetch.take_now(have, may_take), -1) << "two in flight";
  have_ = {0, 1};
  EXPECT_EQ(fetch.take_now(have, may_take), 2) << "taken though the allowance is short";
  have_.insert(2);
  EXPECT_EQ(fetch.take_now(have, may_take), -1) << "one piece of debt at most";
  EXPECT_EQ(tick(fetch), -1) << "the ticks wait out what was taken";
  int next = -1;
  for (int i = 0; i < 10 && next < 0; ++i)
    next = tick(fetch);  // 4 MiB/s: 0.4 MiB a tick
  EXPECT_EQ(next, 3) << "the debt paid";
}

// A file whose only reader closed before its first piece (a timeout, a client gone) is not
// finished behind: it was never read.
TEST_F(BackgroundFetchTest, AFileRemovedIsNotFinished) {
  const auto meta = two_files(16 * 1024, 4);
  BackgroundFetch fetch(*meta);
  fetch.add_file(meta->files()[0]);
  fetch.add_file(meta->files()[1]);
  fetch.remove_file(meta->files()[0]);
  EXPECT_EQ(tick(fetch), 4) << "b.mkv's first piece";
}

TEST_F(BackgroundFetchTest, FilesAreFinishedInTheOrderFirstReadThenDropped) {
  const auto meta = two_files(16 * 1024, 2);
  BackgroundFetch fetch(*meta);
  fetch.add_file(meta->files()[1]);
  fetch.add_file(meta->files()[0]);
  fetch.add_file(meta->files()[1]);  // read again: still once, still first
  std::vector<int> order;
  for (int round = 0; round < 20 && order.size() < 4; ++round) {
    const int piece = tick(fetch);
    if (piece < 0) continue;
    order.push_back(piece);
    have_.insert(piece);
  }
  EXPECT_EQ(order, (std::vector<int>{2, 3, 0, 1}));
  tick(fetch);
  EXPECT_FALSE(fetch.has_files());
}

TEST_F(BackgroundFetchTest, ThePaceIsAQuarterOfThePeakRateAndAtLeastFourMiBPerSecond) {
  const auto meta = two_files(1 << 20, 40);
  BackgroundFetch fetch(*meta);
  fetch.add_file(meta->files()[0]);
  const auto handed = [&](BackgroundFetch& f, int ticks) {
    int count = 0;
    for (int i = 0; i < ticks; ++i) {
      const int piece = tick(f);
      if (piece < 0) continue;
      ++count;
      have_.insert(piece);  // arrives at once: only the pace limits
    }
    return count;
  };
  EXPECT_EQ(handed(fetch, 2), 2);  // spends the two pieces' allowance the first tick finds
  // 4 MiB/s for 2 s is 8 pieces of 1 MiB.
  EXPECT_EQ(handed(fetch, 20), 8);
  // 64 MiB/s seen: a quarter is 1.6 MiB a tick, and one piece a tick is the most it hands out.
  fetch.observe_rate(64 << 20);
  EXPECT_EQ(handed(fetch, 20), 20);
}

}  // namespace
}  // namespace seeder::torrent
