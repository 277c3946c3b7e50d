// CompletedFileSource over a real store (real files, mmap, SQLite in a temp dir): the slices it
// yields are the file's verified bytes, it holds its pieces against eviction while it lives, and
// bytes lost or forgotten behind its back are never vouched for.
#include "seeder/torrent/completed_file.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>

#include <boost/asio/io_context.hpp>

#include "one_file_torrent.hpp"
#include "seeder/storage/store_registry.hpp"

namespace seeder::torrent {
namespace {

using namespace std::chrono_literals;

constexpr int kCompletedFilePiece = 16 * 1024;

// A one-file torrent of 8 pieces, every piece written and verified in a fresh store.
class CompletedFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = stores_.open(torrent_.spec());
    ASSERT_TRUE(store) << store.error().message;
    store_ = *store;
    for (int piece = 0; piece < store_->num_pieces(); ++piece)
      torrent_.complete(*store_, piece);
    ASSERT_TRUE(store_->file_complete(kFile));
  }

  // A source over bytes [first, first + length) of the file, its pieces protected as the streamer
  // protects them.
  std::shared_ptr<CompletedFileSource> source(std::uint64_t first, std::uint64_t length) {
    first_piece_ = static_cast<int>(first / kCompletedFilePiece);
    last_piece_ = static_cast<int>((first + length - 1) / kCompletedFilePiece);
    EXPECT_TRUE(store_->protect_if_complete(first_piece_, last_piece_));
    UniqueFd fd(::open(torrent_.content_file().c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_TRUE(fd.valid());
    return std::make_shared<CompletedFileSource>(store_, first_piece_, last_piece_, kFile,
                                                 std::move(fd), first, length, io_.get_executor());
  }
  Result<FileSlice> next(CompletedFileSource& source, std::uint64_t max_bytes) {
    std::optional<Result<FileSlice>> slice;
    source.async_next(max_bytes, [&](Result<FileSlice> got) { slice = std::move(got); });
    EXPECT_FALSE(slice.has_value()) << "answered inside the call";
    io_.restart();
    io_.run_for(5s);
    EXPECT_TRUE(slice.has_value());
    return slice ? std::move(*slice) : make_error(Errc::internal, "no answer");
  }
  static std::string read_slice(const FileSlice& slice) {
    std::string bytes(slice.length, '\0');
    EXPECT_EQ(::pread(slice.fd, bytes.data(), bytes.size(), static_cast<off_t>(slice.offset)),
              static_cast<ssize_t>(bytes.size()));
    return bytes;
  }
  // Whether piece `piece` is offered to the budget's evictions (nobody protects it).
  bool evictable(int piece) const {
    for (const auto& unused : store_->least_used(~0ull))
      if (unused.piece == piece) return true;
    return false;
  }

  static constexpr int kFile = 0;
  test::OneFileTorrent torrent_{8, kCompletedFilePiece, 31};
  storage::StoreRegistry stores_{torrent_.data_dir()};
  std::shared_ptr<storage::TorrentStore> store_;
  int first_piece_ = 0;
  int last_piece_ = 0;
  boost::asio::io_context io_;
};

TEST_F(CompletedFileTest, ItsSlicesAreTheFilesBytesInOrderEachVouchedFor) {
  const std::uint64_t first = 1'000;
  const std::uint64_t length = 50'000;
  auto reader = source(first, length);
  EXPECT_EQ(reader->size(), length);
  std::string body;
  for (int step = 0; body.size() < length && step < 10; ++step) {
    const auto slice = next(*reader, 16'384);
    ASSERT_TRUE(slice) << slice.error().message;
    EXPECT_EQ(slice->offset, first + body.size());
    EXPECT_LE(slice->length, 16'384u);
    EXPECT_TRUE(slice->vouched());
    body += read_slice(*slice);
  }
  EXPECT_TRUE(body == torrent_.bytes().substr(first, length));
}

TEST_F(CompletedFileTest, ItsPiecesCannotBeEvictedUntilItIsGone) {
  auto reader = source(40'000, 30'000);  // pieces 2..4
  for (int piece = first_piece_; piece <= last_piece_; ++piece)
    EXPECT_FALSE(evictable(piece)) << piece;
  EXPECT_TRUE(evictable(last_piece_ + 1)) << "a piece it does not serve";
  reader.reset();
  for (int piece = first_piece_; piece <= last_piece_; ++piece)
    EXPECT_TRUE(evictable(piece)) << piece;
}

// Verified bytes that the store forgets after the slice was taken (a failed re-hash: they
// changed on disk) must not leave: the slice's check says so before they are sent.
TEST_F(CompletedFileTest, ASliceWhosePieceIsForgottenIsNoLongerVouchedFor) {
  auto reader = source(0, 20'000);
  const auto slice = next(*reader, 20'000);
  ASSERT_TRUE(slice);
  EXPECT_TRUE(slice->vouched());
  store_->on_piece_failed(1);
  EXPECT_FALSE(slice->vouched());
}

TEST_F(CompletedFileTest, AFileCutShortBehindItsBackIsAnErrorAndItsLostPiecesAreForgotten) {
  auto reader = source(0, 100'000);
  const auto head = next(*reader, 16'384);
  ASSERT_TRUE(head);
  ASSERT_EQ(::truncate(torrent_.content_file().c_str(), 30'000), 0);
  std::optional<Result<FileSlice>> lost;
  for (int step = 0; step < 10; ++step) {
    auto slice = next(*reader, 16'384);
    if (!slice) {
      lost = std::move(slice);
      break;
    }
  }
  ASSERT_TRUE(lost.has_value()) << "the bytes past the cut were offered";
  EXPECT_EQ(lost->error().code, Errc::unavailable);
  EXPECT_FALSE(store_->file_complete(kFile));
  EXPECT_FALSE(store_->piece_complete(5)) << "bytes 81920.. are past the cut";
}

TEST_F(CompletedFileTest, ACancelledSourceAnswersCancelled) {
  auto reader = source(0, 50'000);
  reader->cancel();
  const auto slice = next(*reader, 16'384);
  ASSERT_FALSE(slice);
  EXPECT_EQ(slice.error().code, Errc::cancelled);
}

}  // namespace
}  // namespace seeder::torrent
