// The --verify-sent check over a real store: a piece whose bytes on disk are not the
// torrent's fails, counts and is forgotten; a loss behind our back, or a piece the store no
// longer vouches for, is not a failure.
#include "seeder/torrent/sent_check.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "one_file_torrent.hpp"
#include "seeder/storage/store_registry.hpp"

namespace seeder::storage {
namespace {

class SentCheckTest : public ::testing::Test {
 protected:
  static constexpr int kPiece = 16 * 1024;
  void complete(TorrentStore& store, int piece) { torrent_.complete(store, piece); }
  // Overwrites 4 bytes of the store's copy in place: same size, no hole, other bytes.
  void change_bytes_at(std::uint64_t offset) const {
    const int fd = ::open(torrent_.content_file().c_str(), O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, "\xff\xfe\xfd\xfc", 4, static_cast<off_t>(offset)), 4);
    ::close(fd);
  }

  test::OneFileTorrent torrent_{64, kPiece, 21};
};

// A piece whose bytes on disk are not the torrent's fails and counts.
TEST_F(SentCheckTest, CatchesBytesThatChangedOnDisk) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{16 * kPiece});
  auto store = *stores.open(torrent_.spec());
  complete(*store, 2);
  complete(*store, 3);
  const auto before = torrent::sent_pieces_failed();
  torrent::check_sent_piece(*store, *test::info_of(torrent_.entry()), 2);
  EXPECT_EQ(torrent::sent_pieces_failed(), before) << "right bytes pass";
  const int fd = ::open(torrent_.content_file().c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "\0\0\0\0", 4, 3 * kPiece + 100), 4);
  ::close(fd);
  torrent::check_sent_piece(*store, *test::info_of(torrent_.entry()), 3);
  EXPECT_EQ(torrent::sent_pieces_failed(), before + 1);
}

// A content file deleted behind our back and made again (sparse) before the store noticed: the
// check finds the loss, as a reader would, and the piece is fetched again; no failure counted.
// (The churn soak's seed 201 met it: the check ran 11 ms before the write that noticed it.)
TEST_F(SentCheckTest, TellsALostFileFromChangedBytes) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{16 * kPiece});
  auto store = *stores.open(torrent_.spec());
  const auto info = test::info_of(torrent_.entry());
  complete(*store, 2);
  torrent::check_sent_piece(*store, *info, 2);  // the store has the file open
  const auto path = torrent_.content_file();
  const auto size = std::filesystem::file_size(path);
  std::filesystem::remove(path);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
  ::close(fd);
  store->files().release();  // as the open-file budget would: the check opens the new file
  const auto before = torrent::sent_pieces_failed();
  torrent::check_sent_piece(*store, *info, 2);
  EXPECT_EQ(torrent::sent_pieces_failed(), before);
  EXPECT_FALSE(store->piece_complete(2)) << "forgotten: it is downloaded again";
}

TEST_F(SentCheckTest, APieceThatFailsIsForgottenAndItsNeighboursStay) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{16 * kPiece});
  auto store = *stores.open(torrent_.spec());
  complete(*store, 3);
  complete(*store, 4);
  change_bytes_at(3 * kPiece + 10);
  torrent::check_sent_piece(*store, *test::info_of(torrent_.entry()), 3);
  EXPECT_FALSE(store->piece_complete(3)) << "not vouched for any more: fetched again";
  EXPECT_TRUE(store->piece_complete(4));
}

// Forgotten since the bytes were sent (an eviction, a loss noticed): the store no longer
// vouches for it, so whatever is on disk now is not a failure of what was sent.
TEST_F(SentCheckTest, APieceTheStoreNoLongerRecordsIsNotChecked) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{16 * kPiece});
  auto store = *stores.open(torrent_.spec());
  complete(*store, 5);
  store->on_piece_failed(5);
  change_bytes_at(5 * kPiece);
  const auto before = torrent::sent_pieces_failed();
  torrent::check_sent_piece(*store, *test::info_of(torrent_.entry()), 5);
  EXPECT_EQ(torrent::sent_pieces_failed(), before);
}

TEST_F(SentCheckTest, APieceOutsideTheTorrentIsIgnored) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{16 * kPiece});
  auto store = *stores.open(torrent_.spec());
  const auto info = test::info_of(torrent_.entry());
  const auto before = torrent::sent_pieces_failed();
  torrent::check_sent_piece(*store, *info, -1);
  torrent::check_sent_piece(*store, *info, info->num_pieces());
  EXPECT_EQ(torrent::sent_pieces_failed(), before);
}

}  // namespace
}  // namespace seeder::storage
