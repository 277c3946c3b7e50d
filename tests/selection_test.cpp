// Selection: what a query mode is about (a file, a directory's files, the torrent), and where a
// selection's bytes lie in the torrent's byte stream. Pure arithmetic over a layout of the
// test's.
#include <gtest/gtest.h>

#include "seeder/torrent/selection.hpp"

namespace seeder::torrent {

bool operator==(const Interval& a, const Interval& b) {
  return a.begin == b.begin && a.end == b.end;
}

namespace {

constexpr int kSelectionPiece = 100;

// "T/a.mkv" (250 bytes), "T/subs/en.srt" (30), "T/subs/fr.srt" (70), "T/z.txt" (50): pieces of
// 100 bytes, the files back to back (a.mkv 0-250, en 250-280, fr 280-350, z 350-400).
std::unique_ptr<TorrentMeta> layout() {
  return std::make_unique<TorrentMeta>(*InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd"),
                                       "T", 400, kSelectionPiece, 4,
                                       std::vector<FileInfo>{{0, "T/a.mkv", 250, 0},
                                                             {1, "T/subs/en.srt", 30, 250},
                                                             {2, "T/subs/fr.srt", 70, 280},
                                                             {3, "T/z.txt", 50, 350}},
                                       false);
}

TEST(SelectionTest, NothingSelectsTheTorrentAPathItsFileAndADirectoryItsFiles) {
  const auto meta = layout();
  const auto torrent = select(*meta, "");
  ASSERT_TRUE(torrent);
  EXPECT_EQ(torrent->kind, Selection::Kind::torrent);
  EXPECT_EQ(torrent->size(), 400u);

  const auto file = select(*meta, "T/subs/fr.srt");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->kind, Selection::Kind::file);
  ASSERT_EQ(file->files.size(), 1u);
  EXPECT_EQ(file->files[0]->index, 2);

  for (const auto* path : {"T/subs", "T/subs/"}) {
    const auto directory = select(*meta, path);
    ASSERT_TRUE(directory) << path;
    EXPECT_EQ(directory->kind, Selection::Kind::directory);
    EXPECT_EQ(directory->size(), 100u) << path;
  }
}

TEST(SelectionTest, APathThatIsNeitherAFileNorADirectoryIsNotFound) {
  const auto meta = layout();
  for (const auto* path : {"T/sub", "T/subs/de.srt", "/", "X", "T/a.mkv/"}) {
    const auto selected = select(*meta, path);
    ASSERT_FALSE(selected) << path;
    EXPECT_EQ(selected.error().code, Errc::not_found) << path;
  }
}

// Selection bytes count through the selected files; files next to each other in the torrent
// make one interval of its byte stream.
TEST(SelectionTest, SelectionBytesMapToTheTorrentsByteStream) {
  const auto meta = layout();
  Selection apart;
  apart.kind = Selection::Kind::directory;
  apart.files = {&meta->files()[0], &meta->files()[3]};  // a.mkv and z.txt, not adjacent
  EXPECT_EQ(apart.intervals(), (std::vector<Interval>{{0, 250}, {350, 400}}));
  EXPECT_EQ(apart.intervals(240, 20), (std::vector<Interval>{{240, 250}, {350, 360}}));
  EXPECT_EQ(apart.intervals(260, 100), (std::vector<Interval>{{360, 400}})) << "cut at the end";

  const auto subs = select(*meta, "T/subs");
  ASSERT_TRUE(subs);
  EXPECT_EQ(subs->intervals(), (std::vector<Interval>{{250, 350}})) << "adjacent files join";
}

TEST(SelectionTest, PiecesAreListedOnceAndVerifiedBytesCountOnlyVerifiedPieces) {
  const auto meta = layout();
  const std::vector<Interval> intervals{{50, 150}, {150, 220}, {350, 400}};
  EXPECT_EQ(pieces_of(*meta, intervals), (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(verified_bytes(*meta, intervals, [](int piece) { return piece == 1; }), 100u);
  EXPECT_EQ(verified_bytes(*meta, intervals, [](int piece) { return piece == 0 || piece == 3; }),
            100u)
      << "50 bytes of piece 0 and 50 of piece 3";
  EXPECT_EQ(verified_bytes(*meta, intervals, [](int) { return false; }), 0u);
}

}  // namespace
}  // namespace seeder::torrent
