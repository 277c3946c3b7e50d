// MappedFile: one content file, sparse and mapped, on a real file system in a temp dir.
#include "seeder/storage/mapped_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "content.hpp"
#include "seeder/core/file_holes.hpp"
#include "temp_dir.hpp"

namespace seeder::storage {
namespace {

using test::TempDir;

TEST(MappedFile, IsCreatedSparseAtFullSizeAndReadsBackWrites) {
  TempDir dir;
  const auto path = dir / "sub" / "file";
  EXPECT_EQ(MappedFile::open(path, 1 << 20, false).error().code, Errc::not_found);
  auto file = MappedFile::open(path, 64ull << 20, true);
  ASSERT_TRUE(file) << file.error().message;
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_size, 64ll << 20);
  EXPECT_LT(info.st_blocks * 512, 1 << 20) << "not sparse";
  const auto bytes = test::random_bytes(20'000, 9);
  const auto written = (*file)->write(10'000'000, bytes);
  ASSERT_TRUE(written && *written == MappedFile::Written::done);
  std::string back(bytes.size(), '\0');
  ASSERT_TRUE((*file)->read(10'000'000, back));
  EXPECT_EQ(back, bytes);
  EXPECT_TRUE((*file)->sync());
}

// A file cut behind our back between a write's check and its copy used to be grown back by the
// write's reservation, over a hole the store never heard of (seed 1200845892). A write never
// grows the file: it says the file is cut short, and writes nothing.
TEST(MappedFile, AWriteIntoAFileCutShortNeitherGrowsItNorWrites) {
  TempDir dir;
  const auto path = dir / "file";
  auto file = MappedFile::open(path, 1 << 20, true);
  ASSERT_TRUE(file) << file.error().message;
  ASSERT_EQ(::truncate(path.c_str(), 300'000), 0);
  const auto bytes = test::random_bytes(20'000, 9);
  auto written = (*file)->write(500'000, bytes);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(*written, MappedFile::Written::cut_short);
  EXPECT_EQ(std::filesystem::file_size(path), 300'000u) << "not grown back";
  written = (*file)->write(100'000, bytes);
  ASSERT_TRUE(written);
  EXPECT_EQ(*written, MappedFile::Written::cut_short) << "nor written below the cut";
  (*file)->restore_size();
  written = (*file)->write(500'000, bytes);
  ASSERT_TRUE(written);
  EXPECT_EQ(*written, MappedFile::Written::done);
  EXPECT_EQ(std::filesystem::file_size(path), 1u << 20);
}

TEST(MappedFileTest, OnlyTheOpenThatCreatedTheFileSaysSoAndOnlyOnce) {
  TempDir dir;
  const auto path = dir / "file";
  auto created = MappedFile::open(path, 8192, true);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_TRUE((*created)->take_created());
  EXPECT_FALSE((*created)->take_created()) << "asked twice";
  auto again = MappedFile::open(path, 8192, true);
  ASSERT_TRUE(again);
  EXPECT_FALSE((*again)->take_created()) << "the file was there already";
}

// A file cut behind seeder's back stays short when it is opened again, so that the store sees
// the cut before anything grows it back over a hole.
TEST(MappedFileTest, AnExistingFileFoundShortIsNotGrownBack) {
  TempDir dir;
  const auto path = dir / "file";
  test::write_file(path, std::string(1000, 'x'));
  auto file = MappedFile::open(path, 8192, false);
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(std::filesystem::file_size(path), 1000u);
  EXPECT_TRUE((*file)->shorter_on_disk());
  std::string back(2000, '?');
  ASSERT_TRUE((*file)->read(0, back));
  EXPECT_EQ(back, std::string(1000, 'x') + std::string(1000, '\0')) << "past the end reads zeros";
  (*file)->restore_size();
  EXPECT_FALSE((*file)->shorter_on_disk());
  EXPECT_EQ(std::filesystem::file_size(path), 8192u);
}

TEST(MappedFileTest, KnowsWhenItsPathNoLongerNamesIt) {
  TempDir dir;
  const auto path = dir / "file";
  auto file = MappedFile::open(path, 4096, true);
  ASSERT_TRUE(file);
  EXPECT_TRUE((*file)->is_at(path));
  std::filesystem::remove(path);
  EXPECT_FALSE((*file)->is_at(path)) << "removed";
  test::write_file(path, "another file");
  EXPECT_FALSE((*file)->is_at(path)) << "replaced";
}

TEST(MappedFileTest, AWritePastTheEndIsABugNotADiskError) {
  TempDir dir;
  auto file = MappedFile::open(dir / "file", 4096, true);
  ASSERT_TRUE(file);
  const std::string bytes(10, 'x');
  EXPECT_TRUE((*file)->write(4086, bytes));
  const auto past = (*file)->write(4087, bytes);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code, Errc::internal);
}

TEST(MappedFileTest, PunchingGivesBackOnlyTheWholeBlocksInsideTheRange) {
  TempDir dir;
  const auto path = dir / "file";
  constexpr std::uint64_t kSize = 64 * 1024;
  auto file = MappedFile::open(path, kSize, true);
  ASSERT_TRUE(file);
  const auto bytes = test::random_bytes(kSize, 4);
  ASSERT_TRUE((*file)->write(0, bytes));
  ASSERT_TRUE((*file)->sync());
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  const auto block = std::max<std::uint64_t>(4096, static_cast<std::uint64_t>(info.st_blksize));
  ASSERT_GE(kSize, 4 * block);
  // From inside block 0 to inside block 3: blocks 1 and 2 are punched, 0 and 3 keep every byte.
  ASSERT_TRUE((*file)->punch(100, 3 * block - 100 + 50));
  EXPECT_FALSE(range_has_hole((*file)->fd(), 0, block));
  EXPECT_TRUE(range_has_hole((*file)->fd(), block, 3 * block));
  EXPECT_FALSE(range_has_hole((*file)->fd(), 3 * block, kSize));
  std::string back(kSize, '\0');
  ASSERT_TRUE((*file)->read(0, back));
  EXPECT_TRUE(back.substr(0, block) == bytes.substr(0, block));
  EXPECT_TRUE(back.substr(block, 2 * block) == std::string(2 * block, '\0'));
  EXPECT_TRUE(back.substr(3 * block) == bytes.substr(3 * block));
  EXPECT_EQ(std::filesystem::file_size(path), kSize) << "punching keeps the size";
}

}  // namespace
}  // namespace seeder::storage
