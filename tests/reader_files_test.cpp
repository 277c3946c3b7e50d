// ReaderFiles: what a file's first and last readers make the torrent fetch and keep beyond their
// windows. Pure logic over a layout of the test's.
#include <gtest/gtest.h>

#include "seeder/torrent/file_plan.hpp"
#include "seeder/torrent/reader_files.hpp"

namespace seeder::torrent {
namespace {

constexpr int kPiece = 256 * 1024;
constexpr int kPiecesEach = 64;  // 16 MiB a file: each end is 1 MiB, 4 pieces

// "T/film.mkv" then "T/notes.txt", each kPiecesEach pieces.
std::unique_ptr<TorrentMeta> film_and_notes() {
  const auto size = static_cast<std::uint64_t>(kPiece) * kPiecesEach;
  return std::make_unique<TorrentMeta>(
      *InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd"), "T", 2 * size, kPiece,
      2 * kPiecesEach,
      std::vector<FileInfo>{{0, "T/film.mkv", size, 0}, {1, "T/notes.txt", size, size}}, false);
}

std::vector<int> ends_of(const TorrentMeta& meta, int file) {
  return media_end_pieces(meta, meta.files()[static_cast<std::size_t>(file)]);
}

TEST(ReaderFilesTest, AFilmsFirstReaderFetchesItsEndsAndItsLastLetsThemGoUnderABudget) {
  const auto meta = film_and_notes();
  ReaderFiles files(*meta, true);
  const auto& film = meta->files()[0];
  const auto ends = files.open(film);
  EXPECT_EQ(ends, (std::vector<int>{0, 1, 2, 3, 60, 61, 62, 63}));
  EXPECT_EQ(ends, ends_of(*meta, 0));
  EXPECT_TRUE(files.open(film).empty()) << "a second reader changes nothing";
  EXPECT_TRUE(files.close(film).empty()) << "a reader is still open";
  EXPECT_EQ(files.close(film), ends) << "the last reader: kept no longer";
  EXPECT_TRUE(files.close(film).empty()) << "a close too many is harmless";
  EXPECT_FALSE(files.background().has_files()) << "under a budget nothing is finished behind";
}

TEST(ReaderFilesTest, WithoutABudgetEveryFileReadIsFinishedBehindAndNoEndIsKept) {
  const auto meta = film_and_notes();
  ReaderFiles files(*meta, false);
  const auto& notes = meta->files()[1];
  EXPECT_TRUE(files.open(notes).empty()) << "not a media file: no ends";
  EXPECT_TRUE(files.background().has_files());
  files.started(notes);
  EXPECT_TRUE(files.close(notes).empty());
  EXPECT_TRUE(files.background().has_files()) << "read: finished behind its readers";
  EXPECT_EQ(files.open(meta->files()[0]), ends_of(*meta, 0));
  EXPECT_TRUE(files.close(meta->files()[0]).empty()) << "nothing was kept";
}

// A file whose readers all closed before any had its first piece (a timeout, a client gone
// first) was never read: it leaves the background.
TEST(ReaderFilesTest, AFileNoReaderStartedOnIsNotFinishedBehind) {
  const auto meta = film_and_notes();
  ReaderFiles files(*meta, false);
  const auto& notes = meta->files()[1];
  (void)files.open(notes);
  (void)files.open(notes);
  (void)files.close(notes);
  EXPECT_TRUE(files.background().has_files()) << "a reader still waits";
  (void)files.close(notes);
  EXPECT_FALSE(files.background().has_files());
}

// A reader may hold the FileInfo of a newer catalog entry of the torrent: the file is the one
// of the same path.
TEST(ReaderFilesTest, AFileIsKnownByItsPathWhicheverEntryItCameFrom) {
  const auto meta = film_and_notes();
  const auto newer = film_and_notes();
  ReaderFiles files(*meta, true);
  EXPECT_EQ(files.open(newer->files()[0]), ends_of(*meta, 0));
  EXPECT_EQ(files.close(meta->files()[0]), ends_of(*meta, 0));
}

}  // namespace
}  // namespace seeder::torrent
