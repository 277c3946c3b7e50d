// TorrentMeta: a torrent's files and pieces in plain types.
#include "seeder/torrent/meta.hpp"

#include <gtest/gtest.h>

namespace seeder::torrent {
namespace {

// 100 KiB pieces over 250,000 bytes: two files, the second starting inside piece 1.
std::unique_ptr<TorrentMeta> meta_two_files() {
  return std::make_unique<TorrentMeta>(
      *InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd"), "Show", 250'000, 102'400, 3,
      std::vector<FileInfo>{{0, "Show/a.mkv", 150'000, 0}, {2, "Show/b.srt", 100'000, 150'000}},
      true);
}

TEST(MetaTest, FilesAreFoundByTheirExactPath) {
  const auto meta = meta_two_files();
  const auto* b = meta->find_file("Show/b.srt");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->index, 2);
  EXPECT_EQ(b->offset, 150'000u);
  EXPECT_EQ(meta->find_file("Show/a.mkv"), &meta->files()[0]);
  EXPECT_EQ(meta->find_file("show/b.srt"), nullptr) << "paths are case-sensitive";
  EXPECT_EQ(meta->find_file("Show/b"), nullptr);
  EXPECT_EQ(meta->find_file(""), nullptr);
}

TEST(MetaTest, TheBytesOfARangeLieInTheFirstToTheLastPieceTheyTouch) {
  const auto meta = meta_two_files();
  const auto one = meta->pieces_for(0, 102'400);
  EXPECT_EQ(one.first, 0);
  EXPECT_EQ(one.last, 0) << "the end is exclusive";
  EXPECT_EQ(one.count(), 1);
  const auto two = meta->pieces_for(102'399, 102'401);
  EXPECT_EQ(two.first, 0);
  EXPECT_EQ(two.last, 1);
  EXPECT_EQ(two.count(), 2);
  const auto file_b = meta->pieces_for(150'000, 250'000);
  EXPECT_EQ(file_b.first, 1);
  EXPECT_EQ(file_b.last, 2);
}

TEST(MetaTest, AnEmptyOrBackwardRangeHasNoPieces) {
  const auto meta = meta_two_files();
  EXPECT_TRUE(meta->pieces_for(5, 5).empty());
  EXPECT_EQ(meta->pieces_for(5, 5).count(), 0);
  EXPECT_TRUE(meta->pieces_for(9, 5).empty());
  const TorrentMeta no_pieces(*InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd"), "x", 0,
                              0, 0, {}, false);
  EXPECT_TRUE(no_pieces.pieces_for(0, 10).empty()) << "no division by a zero piece length";
}

TEST(MetaTest, TheLastPieceIsTheRemainderAndNoneLiesPastTheEnd) {
  const auto meta = meta_two_files();
  EXPECT_EQ(meta->piece_offset(2), 204'800u);
  EXPECT_EQ(meta->piece_size(0), 102'400u);
  EXPECT_EQ(meta->piece_size(2), 250'000u - 204'800u);
  EXPECT_EQ(meta->piece_size(3), 0u);
  EXPECT_TRUE(meta->has_v2());
  EXPECT_EQ(meta->name(), "Show");
}

}  // namespace
}  // namespace seeder::torrent
