// TorrentFiles: a torrent's pieces laid onto content files in a temp data dir.
#include "seeder/storage/torrent_files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "content.hpp"
#include "temp_dir.hpp"

namespace seeder::storage {
namespace {

using test::TempDir;

// 16 KiB pieces over 40,000 bytes: a (10,000 bytes), a pad file up to the piece boundary, then
// b (23,616 bytes) over pieces 1 and 2.
ContentLayout torrent_files_layout() {
  return ContentLayout(
      16384, 3,
      {{"T/a", 0, 10'000, false}, {"", 10'000, 6384, true}, {"T/b", 16384, 23'616, false}});
}

class TorrentFilesTest : public ::testing::Test {
 protected:
  TempDir data_{"seeder-torrent-files"};
  TorrentFiles files_{data_.path(), *InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd"),
                      torrent_files_layout(), std::make_shared<OpenFiles>(8)};
  // The torrent's bytes: a's and b's random, the pad's zeros.
  std::string bytes_ =
      test::random_bytes(10'000, 1) + std::string(6384, '\0') + test::random_bytes(23'616, 2);

  [[nodiscard]] std::string piece(int index) const {
    return bytes_.substr(static_cast<std::size_t>(index) * 16384, 16384);
  }
  void write_all_pieces() {
    for (int index = 0; index < 3; ++index)
      ASSERT_TRUE(files_.write(index, 0, piece(index)));
  }
};

TEST_F(TorrentFilesTest, AWrittenPieceReadsBackAndItsPadFileIsNeverCreated) {
  ASSERT_TRUE(files_.write(0, 0, piece(0)));
  std::string back(16384, '?');
  ASSERT_TRUE(files_.read(0, 0, back));
  EXPECT_TRUE(back == piece(0));
  EXPECT_TRUE(std::filesystem::exists(files_.path_of(0)));
  EXPECT_FALSE(std::filesystem::exists(files_.path_of(1))) << "the pad file";
  EXPECT_FALSE(std::filesystem::exists(files_.path_of(2))) << "not written yet";
  EXPECT_EQ(std::filesystem::file_size(files_.path_of(0)), 10'000u);
}

TEST_F(TorrentFilesTest, BytesNeverWrittenReadAndVisitAsZeros) {
  std::string back(100, '?');
  ASSERT_TRUE(files_.read(2, 0, back));
  EXPECT_EQ(back, std::string(100, '\0'));
  std::string visited;
  ASSERT_TRUE(files_.visit(
      2, 0, 7232, [&](std::span<const char> part) { visited.append(part.data(), part.size()); }));
  EXPECT_EQ(visited, std::string(7232, '\0'));
}

TEST_F(TorrentFilesTest, AVisitHandsOverTheRangeInOrderAcrossFiles) {
  write_all_pieces();
  std::string visited;
  ASSERT_TRUE(files_.visit(0, 5000, 11384, [&](std::span<const char> part) {
    visited.append(part.data(), part.size());
  }));
  EXPECT_TRUE(visited == bytes_.substr(5000, 11384));
  std::string read(20, '?');
  ASSERT_TRUE(files_.read(1, 16000, read));  // the end of piece 1
  EXPECT_TRUE(read == bytes_.substr(16384 + 16000, 20));
}

TEST_F(TorrentFilesTest, APiecesFilesAndStoredBytesLeavePadFilesOut) {
  EXPECT_EQ(files_.files_of(0), (std::vector<int>{0}));
  EXPECT_EQ(files_.files_of(1), (std::vector<int>{2}));
  EXPECT_EQ(files_.stored_bytes(0), 10'000u);
  EXPECT_EQ(files_.stored_bytes(1), 16384u);
  EXPECT_EQ(files_.stored_bytes(2), 40'000u - 2 * 16384);
  EXPECT_TRUE(files_.files_of(3).empty()) << "past the end";
}

TEST_F(TorrentFilesTest, AWriteThatCreatesAContentFileAnewReportsItsBytesLost) {
  std::vector<int> lost;
  files_.on_lost_bytes([&](int file) { lost.push_back(file); });
  ASSERT_TRUE(files_.write(0, 0, piece(0)));
  EXPECT_EQ(lost, (std::vector<int>{0})) << "a new file: whatever was recorded of it is gone";
  ASSERT_TRUE(files_.write(0, 0, piece(0)));
  EXPECT_EQ(lost.size(), 1u) << "the same file again";
  // Removed behind seeder's back: the open file is no longer the one at its path.
  std::filesystem::remove(files_.path_of(0));
  EXPECT_TRUE(files_.replaced(0));
  EXPECT_FALSE(files_.replaced(2)) << "not open";
  files_.close_file(0);
  ASSERT_TRUE(files_.write(0, 0, piece(0)));
  EXPECT_EQ(lost, (std::vector<int>{0, 0}));
  EXPECT_FALSE(files_.replaced(0));
}

TEST_F(TorrentFilesTest, AWriteIntoAFileCutShortReportsItLostAndSizesItBack) {
  write_all_pieces();
  std::vector<int> lost;
  files_.on_lost_bytes([&](int file) { lost.push_back(file); });
  ASSERT_EQ(::truncate(files_.path_of(2).c_str(), 1000), 0);
  ASSERT_TRUE(files_.write(2, 0, piece(2)));
  EXPECT_EQ(lost, (std::vector<int>{2, 2})) << "before and after it is sized back";
  EXPECT_EQ(std::filesystem::file_size(files_.path_of(2)), 23'616u);
  std::string back(7232, '?');
  ASSERT_TRUE(files_.read(2, 0, back));
  EXPECT_TRUE(back == piece(2));
}

TEST_F(TorrentFilesTest, SyncingAFileNeverWrittenIsAnError) {
  EXPECT_FALSE(files_.sync_file(2));
  write_all_pieces();
  EXPECT_TRUE(files_.sync_file(2));
}

TEST_F(TorrentFilesTest, FilesClosedByTheirTorrentAreReopenedOnUse) {
  write_all_pieces();
  files_.release();
  std::string back(16384, '?');
  ASSERT_TRUE(files_.read(1, 0, back));
  EXPECT_TRUE(back == piece(1));
}

}  // namespace
}  // namespace seeder::storage
