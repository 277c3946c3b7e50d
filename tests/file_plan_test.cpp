// FilePlan: which pieces the gateway fetches beyond its readers' windows, as pure arithmetic.
#include "seeder/torrent/file_plan.hpp"

#include <gtest/gtest.h>

#include <set>

namespace seeder::torrent {
namespace {

constexpr std::uint64_t kFilePlanMiB = 1ull << 20;

// A torrent of 1 MiB pieces: a small film, a big film (1 GiB) and a text file between them.
struct FilePlanTorrent {
  FilePlanTorrent()
      : meta(*InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd"), "Show", kTotal,
             static_cast<int>(kFilePlanMiB), static_cast<int>(kTotal / kFilePlanMiB) + 1,
             {{0, "Show/small.mkv", 300'000, 0},
              {1, "Show/notes.txt", 1000, 300'000},
              {2, "Show/big.mp4", 1024 * kFilePlanMiB, 301'000},
              {3, "Show/empty.mp4", 0, 301'000 + 1024 * kFilePlanMiB}},
             false) {}
  static constexpr std::uint64_t kTotal = 301'000 + 1024 * kFilePlanMiB;
  const FileInfo& file(int index) const { return meta.files()[static_cast<std::size_t>(index)]; }
  TorrentMeta meta;
};

TEST(FilePlanTest, OnlyFilmNamesAreMediaFiles) {
  EXPECT_TRUE(torrent::is_media_file("Show/Movie.MKV"));
  EXPECT_TRUE(torrent::is_media_file("a/b.webm"));
  EXPECT_FALSE(torrent::is_media_file("a.mkv/readme"));
  EXPECT_FALSE(torrent::is_media_file("notes.txt"));
  EXPECT_FALSE(torrent::is_media_file("mp4"));
}

TEST(FilePlanTest, EachEndOfABigFileIsEightMiB) {
  const FilePlanTorrent torrent;
  const auto& big = torrent.file(2);
  const auto ends = file_ends(torrent.meta, big);
  // The file starts 301,000 bytes into piece 0: its first 8 MiB end inside piece 8.
  EXPECT_EQ(ends.head.first, 0);
  EXPECT_EQ(ends.head.last, static_cast<int>((big.offset + 8 * kFilePlanMiB - 1) / kFilePlanMiB));
  EXPECT_EQ(ends.tail.last, static_cast<int>((big.offset + big.size - 1) / kFilePlanMiB));
  EXPECT_EQ(ends.tail.first,
            static_cast<int>((big.offset + big.size - 8 * kFilePlanMiB) / kFilePlanMiB));
}

TEST(FilePlanTest, EachEndOfAMidSizedFileIsOnePercentOfIt) {
  const TorrentMeta meta(*InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd"), "f.mkv",
                         300 * kFilePlanMiB, static_cast<int>(kFilePlanMiB), 300,
                         {{0, "f.mkv", 300 * kFilePlanMiB, 0}}, false);
  const auto ends = file_ends(meta, meta.files()[0]);
  EXPECT_EQ(ends.head.first, 0);
  EXPECT_EQ(ends.head.last, 2) << "3 MiB";
  EXPECT_EQ(ends.tail.first, 297);
  EXPECT_EQ(ends.tail.last, 299);
}

TEST(FilePlanTest, BothEndsOfAFileSmallerThanOneMiBAreTheWholeFile) {
  // 64 KiB pieces: the 300,000-byte film is pieces 0 to 4, and each end is all of them.
  const TorrentMeta meta(*InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd"), "f.mkv",
                         300'000, 64 * 1024, 5, {{0, "f.mkv", 300'000, 0}}, false);
  const auto ends = file_ends(meta, meta.files()[0]);
  EXPECT_EQ(ends.head.first, 0);
  EXPECT_EQ(ends.head.last, 4);
  EXPECT_EQ(ends.tail.first, 0);
  EXPECT_EQ(ends.tail.last, 4);
  const FilePlanTorrent torrent;
  const auto none = file_ends(torrent.meta, torrent.file(3));
  EXPECT_TRUE(none.head.empty());
  EXPECT_TRUE(none.tail.empty());
}

TEST(FilePlanTest, OnlyMediaFilesHaveTheirEndsFetchedHeadFirst) {
  const FilePlanTorrent torrent;
  EXPECT_TRUE(media_end_pieces(torrent.meta, torrent.file(1)).empty()) << "a text file";
  EXPECT_TRUE(media_end_pieces(torrent.meta, torrent.file(3)).empty()) << "an empty film";
  const auto pieces = media_end_pieces(torrent.meta, torrent.file(2));
  const auto ends = file_ends(torrent.meta, torrent.file(2));
  ASSERT_EQ(pieces.size(), static_cast<std::size_t>(ends.head.count() + ends.tail.count()));
  EXPECT_EQ(pieces.front(), ends.head.first);
  EXPECT_EQ(pieces[static_cast<std::size_t>(ends.head.count())], ends.tail.first);
  EXPECT_EQ(pieces.back(), ends.tail.last);
  // A small film's one piece is both ends: it comes twice.
  EXPECT_EQ(media_end_pieces(torrent.meta, torrent.file(0)), (std::vector<int>{0, 0}));
}

TEST(FilePlanTest, TheBackgroundPieceIsTheFirstOfTheFileNotSkippedFromWhereItResumes) {
  const FilePlanTorrent torrent;
  const auto& big = torrent.file(2);
  const auto pieces = torrent.meta.pieces_for(big.offset, big.offset + big.size);
  const auto none = [](int) { return false; };
  EXPECT_EQ(next_background(torrent.meta, big, -5, none), pieces.first);
  EXPECT_EQ(next_background(torrent.meta, big, 10, none), 10);
  const std::set<int> have{10, 11, 12};
  EXPECT_EQ(next_background(torrent.meta, big, 10, [&](int p) { return have.count(p) != 0; }), 13);
  EXPECT_EQ(next_background(torrent.meta, big, pieces.last + 1, none), -1) << "past the file";
  EXPECT_EQ(next_background(torrent.meta, big, 0, [](int) { return true; }), -1) << "all there";
  EXPECT_EQ(next_background(torrent.meta, torrent.file(3), 0, none), -1) << "an empty file";
}

}  // namespace
}  // namespace seeder::torrent
