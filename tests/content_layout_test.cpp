// ContentLayout: the unique names of a torrent's files, and its pieces mapped onto them.
#include "seeder/storage/content_layout.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <set>

#include <libtorrent/torrent_info.hpp>

#include "content.hpp"
#include "seeder/torrent/catalog.hpp"
#include "temp_dir.hpp"

namespace seeder::storage {
namespace {

TEST(FileNames, DuplicatePathsGetANumberBeforeTheirExtension) {
  EXPECT_EQ(unique_file_names({"T/v.mp4", "T/v.mp4", "T/v.mp4", "T/v.1.mp4"}),
            (std::vector<std::string>{"T/v.mp4", "T/v.1.mp4", "T/v.2.mp4", "T/v.1.1.mp4"}));
  EXPECT_EQ(unique_file_names({"T/README", "T/README"}),
            (std::vector<std::string>{"T/README", "T/README.1"}));
}

// Each clash tried .1, .2, ... from the start: 32,000 names took 50 s, 240,000 minutes.
TEST(FileNames, ManyClashingNamesAreNumberedInLinearTime) {
  std::vector<std::string> paths(240'000, "T/v.mp4");
  paths.emplace_back("T/v.7.mp4");  // a name the numbering has given already
  const auto started = std::chrono::steady_clock::now();
  const auto names = unique_file_names(paths);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  EXPECT_EQ(names[1], "T/v.1.mp4");
  EXPECT_EQ(names[239'999], "T/v.239999.mp4");
  EXPECT_EQ(names.back(), "T/v.7.1.mp4");
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
}

TEST(FileNames, DotComponentsAndEmptyComponentsAreDropped) {
  EXPECT_EQ(unique_file_names({"T/../x", "T/./x", "T//y", "..", "."}),
            (std::vector<std::string>{"T/x", "T/x.1", "T/y", "_", "_.1"}));
}

TEST(FileNames, ControlCharactersBackslashesAndInvalidUtf8BecomeUnderscores) {
  EXPECT_EQ(
      unique_file_names({std::string("T/a\0b", 5), "T/c\\d", "T/\xff\xfe.bin",
                         "T/\xc3\xa9t\xc3\xa9.txt", "T/\xe0\x80\xaf"}),
      (std::vector<std::string>{"T/a_b", "T/c_d", "T/__.bin", "T/\xc3\xa9t\xc3\xa9.txt", "T/___"}));
}

TEST(FileNames, TheMetadataRouteIsReserved) {
  EXPECT_EQ(unique_file_names({"source.torrent"}), (std::vector<std::string>{"source.1.torrent"}));
  EXPECT_EQ(unique_file_names({"source.torrent/source.torrent"}),
            (std::vector<std::string>{"source.torrent/source.torrent"}));
}

TEST(FileNames, LongComponentsAreCutOnACharacterBoundaryKeepingTheExtension) {
  std::string long_name;
  for (int i = 0; i < 3000; ++i)
    long_name += "\xc3\xa9";  // 2 bytes each
  const auto names = unique_file_names({"T/" + long_name + ".mkv"});
  const auto last = names[0].substr(2);
  EXPECT_LE(last.size(), 255u);
  EXPECT_EQ(last.substr(last.size() - 4), ".mkv");
  EXPECT_EQ((last.size() - 4) % 2, 0u) << "a character was split";
}

TEST(FileNames, PadFilesStayUnnamed) {
  EXPECT_EQ(unique_file_names({"T/a", "", "T/b"}), (std::vector<std::string>{"T/a", "", "T/b"}));
}

class LayoutTest : public ::testing::TestWithParam<test::TorrentSpec::Kind> {};

// The layout must slice pieces exactly as libtorrent does, pad files and v2 piece sizes included.
TEST_P(LayoutTest, MapsPiecesAsLibtorrentDoes) {
  test::TempDir dir("seeder-layout");
  const auto content = dir.path() / "T";
  test::write_file(content / "a.bin", test::random_bytes(40'000, 1));
  test::write_file(content / "empty", "");
  test::write_file(content / "b.bin", test::random_bytes(70'001, 2));
  test::write_file(content / "c.bin", test::random_bytes(5'000, 3));
  const auto entry = *torrent::parse_torrent(test::make_torrent(content, {GetParam(), 16 * 1024}));
  const auto info = test::info_of(entry);
  const auto& original = info->orig_files();
  const auto layout = ContentLayout::from(original);
  ASSERT_EQ(layout.num_files(), original.num_files());
  EXPECT_EQ(layout.total_size(), static_cast<std::uint64_t>(original.total_size()));
  for (int piece = 0; piece < layout.num_pieces(); ++piece) {
    const lt::piece_index_t index(piece);
    EXPECT_EQ(layout.piece_size(piece), original.piece_size(index)) << piece;
    if (GetParam() != test::TorrentSpec::Kind::v1_only) {
      EXPECT_EQ(layout.piece_size2(piece), original.piece_size2(index)) << piece;
    }
    for (const auto& [offset, length] :
         std::vector<std::pair<int, int>>{{0, original.piece_size(index)}, {100, 9000}}) {
      const auto ours =
          layout.map_block(piece, offset, std::min(length, original.piece_size(index) - offset));
      const auto theirs =
          original.map_block(index, offset, std::min(length, original.piece_size(index) - offset));
      ASSERT_EQ(ours.size(), theirs.size()) << piece;
      for (std::size_t i = 0; i < ours.size(); ++i) {
        EXPECT_EQ(ours[i].file, static_cast<int>(theirs[i].file_index));
        EXPECT_EQ(ours[i].offset, static_cast<std::uint64_t>(theirs[i].offset));
        EXPECT_EQ(ours[i].length, static_cast<std::uint64_t>(theirs[i].size));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(V1HybridV2, LayoutTest,
                         ::testing::Values(test::TorrentSpec::Kind::v1_only,
                                           test::TorrentSpec::Kind::hybrid,
                                           test::TorrentSpec::Kind::v2_only));

// Three files of 10, 0 and 25 bytes in pieces of 8: a piece that straddles the empty file.
ContentLayout content_layout_small() {
  return ContentLayout(8, 5,
                       {{"T/a", 0, 10, false}, {"T/e", 10, 0, false}, {"T/b", 10, 25, false}});
}

TEST(ContentLayoutTest, TheLastPieceIsTheRemainderAndPiecesPastTheEndAreEmpty) {
  const auto layout = content_layout_small();
  EXPECT_EQ(layout.total_size(), 35u);
  EXPECT_EQ(layout.piece_size(0), 8);
  EXPECT_EQ(layout.piece_size(3), 8);
  EXPECT_EQ(layout.piece_size(4), 3);
  EXPECT_EQ(layout.piece_size(5), 0);
}

TEST(ContentLayoutTest, AV2PieceEndsWhereTheNextFileStarts) {
  // BEP 52: files aligned to pieces by pad files; a file's last piece is short.
  const ContentLayout layout(16, 4,
                             {{"T/a", 0, 20, false}, {"", 20, 12, true}, {"T/b", 32, 30, false}});
  EXPECT_EQ(layout.piece_size2(0), 16);
  EXPECT_EQ(layout.piece_size2(1), 4) << "a's tail, not the pad file after it";
  EXPECT_EQ(layout.piece_size2(2), 16);
  EXPECT_EQ(layout.piece_size2(3), 14) << "the last file's tail";
}

TEST(ContentLayoutTest, ABlockAcrossFilesIsSlicedAndEmptyFilesAreSkipped) {
  const auto layout = content_layout_small();
  const auto slices = layout.map_block(1, 0, 8);  // bytes [8, 16)
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(slices[0].file, 0);
  EXPECT_EQ(slices[0].offset, 8u);
  EXPECT_EQ(slices[0].length, 2u);
  EXPECT_EQ(slices[1].file, 2) << "the empty file gets no slice";
  EXPECT_EQ(slices[1].offset, 0u);
  EXPECT_EQ(slices[1].length, 6u);
}

TEST(ContentLayoutTest, ABlockStopsAtTheEndOfTheTorrentAndANegativeLengthMapsNothing) {
  const auto layout = content_layout_small();
  const auto tail = layout.map_block(4, 1, 100);  // bytes [33, 35) and beyond
  ASSERT_EQ(tail.size(), 1u);
  EXPECT_EQ(tail[0].file, 2);
  EXPECT_EQ(tail[0].offset, 23u);
  EXPECT_EQ(tail[0].length, 2u);
  EXPECT_TRUE(layout.map_block(0, 0, -1).empty());
  EXPECT_TRUE(layout.map_block(0, 0, 0).empty());
  EXPECT_TRUE(ContentLayout().map_block(0, 0, 10).empty());
}

TEST(ContentLayoutTest, ANameOfNothingSafeIsAnUnderscore) {
  EXPECT_EQ(safe_file_path(""), "_");
  EXPECT_EQ(safe_file_path("/../."), "_");
  EXPECT_EQ(safe_file_path("/T/a"), "T/a");
  EXPECT_EQ(safe_file_path("T/a\\b"), "T/a_b");
}

TEST(ContentLayoutTest, ANumberGoesBeforeTheExtensionOfTheLastComponentOnly) {
  EXPECT_EQ(unique_file_names({"d.x/f", "d.x/f"}), (std::vector<std::string>{"d.x/f", "d.x/f.1"}));
  EXPECT_EQ(unique_file_names({".hidden", ".hidden"}),
            (std::vector<std::string>{".hidden", ".hidden.1"}));
}

}  // namespace
}  // namespace seeder::storage
