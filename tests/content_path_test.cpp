// Where a torrent lives in the data dir, and saving its .torrent there once.
#include "seeder/storage/content_path.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "content.hpp"
#include "temp_dir.hpp"

namespace seeder::storage {
namespace {

using test::TempDir;

const InfoHash kContentPathHash = *InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd");

TEST(ContentPath, NamesFilesByTheirIndexInTheTorrent) {
  // A thousand files a subdirectory.
  EXPECT_EQ(content_path("/data", kContentPathHash, 1234),
            "/data/c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd/content/1/1234");
  EXPECT_EQ(content_path("/data", kContentPathHash, 7),
            "/data/c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd/content/0/7");
  EXPECT_EQ(database_path("/data", kContentPathHash),
            "/data/c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd/.torrent.db");
}

TEST(ContentPathTest, TheThousandthFileStartsTheNextSubdirectory) {
  EXPECT_EQ(content_path("/d", kContentPathHash, 0).parent_path().filename(), "0");
  EXPECT_EQ(content_path("/d", kContentPathHash, 999).parent_path().filename(), "0");
  EXPECT_EQ(content_path("/d", kContentPathHash, 1000).parent_path().filename(), "1");
  EXPECT_EQ(content_path("/d", kContentPathHash, 100'000),
            "/d/c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd/content/100/100000");
}

TEST(ContentPathTest, EverythingOfATorrentIsInItsOwnDirectory) {
  const auto dir = torrent_dir("/d", kContentPathHash);
  EXPECT_EQ(dir, "/d/c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd");
  EXPECT_EQ(metadata_path("/d", kContentPathHash), dir / "source.torrent");
  EXPECT_EQ(database_path("/d", kContentPathHash).parent_path(), dir);
}

TEST(ContentPathTest, SavedMetadataIsReadableAndLeavesNoTemporaryFile) {
  TempDir data;
  ASSERT_TRUE(save_metadata(data.path(), kContentPathHash, "d4:infoe"));
  const auto path = metadata_path(data.path(), kContentPathHash);
  EXPECT_EQ(test::read_file(path), "d4:infoe");
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0644u) << "readable as other metadata files are";
  int entries = 0;
  for ([[maybe_unused]] const auto& item :
       std::filesystem::directory_iterator(torrent_dir(data.path(), kContentPathHash)))
    ++entries;
  EXPECT_EQ(entries, 1) << "the temporary file was left behind";
}

TEST(ContentPathTest, AnExistingMetadataFileIsKept) {
  TempDir data;
  ASSERT_TRUE(save_metadata(data.path(), kContentPathHash, "first"));
  ASSERT_TRUE(save_metadata(data.path(), kContentPathHash, "second"));
  EXPECT_EQ(test::read_file(metadata_path(data.path(), kContentPathHash)), "first");
}

TEST(ContentPathTest, MetadataThatCannotBeWrittenIsAnIoError) {
  TempDir data;
  // The data dir is a regular file: no directory can be made under it.
  const auto not_a_dir = data / "file";
  test::write_file(not_a_dir, "x");
  const auto saved = save_metadata(not_a_dir, kContentPathHash, "bytes");
  ASSERT_FALSE(saved);
  EXPECT_EQ(saved.error().code, Errc::io);
  EXPECT_NE(saved.error().message.find("cannot write"), std::string::npos) << saved.error().message;
}

}  // namespace
}  // namespace seeder::storage
