// OpenFiles: content files kept open across torrents, at most `capacity`, least recent closed
// first.
#include "seeder/storage/open_files.hpp"

#include <gtest/gtest.h>

#include "content.hpp"
#include "temp_dir.hpp"

namespace seeder::storage {
namespace {

using test::TempDir;

std::shared_ptr<MappedFile> open_files_get(OpenFiles& files, std::uint64_t owner, int index,
                                           const TempDir& dir) {
  auto file = files.get(
      owner, index, dir / ("f" + std::to_string(owner) + "-" + std::to_string(index)), 4096, true);
  EXPECT_TRUE(file) << file.error().message;
  return file ? *file : nullptr;
}

TEST(OpenFilesTest, AnOpenFileIsHandedOutAgainWithoutReopening) {
  TempDir dir;
  OpenFiles files(4);
  const auto owner = files.new_owner();
  EXPECT_EQ(files.find(owner, 0), nullptr) << "not opened yet";
  const auto first = open_files_get(files, owner, 0, dir);
  EXPECT_EQ(open_files_get(files, owner, 0, dir), first);
  EXPECT_EQ(files.find(owner, 0), first);
  EXPECT_EQ(files.open_count(), 1u);
}

TEST(OpenFilesTest, OverCapacityTheLeastRecentlyUsedFileIsClosed) {
  TempDir dir;
  OpenFiles files(2);
  const auto owner = files.new_owner();
  const auto zero = open_files_get(files, owner, 0, dir);
  open_files_get(files, owner, 1, dir);
  EXPECT_EQ(files.find(owner, 0), zero);  // 0 is now the most recent
  open_files_get(files, owner, 2, dir);
  EXPECT_EQ(files.open_count(), 2u);
  EXPECT_EQ(files.find(owner, 1), nullptr) << "the least recently used one";
  EXPECT_EQ(files.find(owner, 0), zero);
  EXPECT_NE(files.find(owner, 2), nullptr);
  // A file closed by the pool stays usable by whoever holds it.
  const std::string bytes = "still mapped";
  ASSERT_TRUE(zero->write(0, bytes));
  std::string back(bytes.size(), '\0');
  ASSERT_TRUE(zero->read(0, back));
  EXPECT_EQ(back, bytes);
}

TEST(OpenFilesTest, ACapacityOfZeroKeepsOneFile) {
  TempDir dir;
  OpenFiles files(0);
  EXPECT_EQ(files.capacity(), 1u);
  const auto owner = files.new_owner();
  open_files_get(files, owner, 0, dir);
  open_files_get(files, owner, 1, dir);
  EXPECT_EQ(files.open_count(), 1u);
}

TEST(OpenFilesTest, OwnersAreKeptApartAndForgottenAlone) {
  TempDir dir;
  OpenFiles files(8);
  const auto a = files.new_owner();
  const auto b = files.new_owner();
  ASSERT_NE(a, b);
  const auto a0 = open_files_get(files, a, 0, dir);
  const auto b0 = open_files_get(files, b, 0, dir);
  open_files_get(files, a, 1, dir);
  EXPECT_NE(a0, b0) << "file 0 of another torrent";
  files.forget(a, 1);
  EXPECT_EQ(files.find(a, 1), nullptr);
  EXPECT_EQ(files.find(a, 0), a0);
  files.forget(a);
  EXPECT_EQ(files.find(a, 0), nullptr);
  EXPECT_EQ(files.find(b, 0), b0);
  EXPECT_EQ(files.open_count(), 1u);
  files.forget(a, 7);  // nothing open there: nothing happens
  EXPECT_EQ(files.open_count(), 1u);
}

TEST(OpenFilesTest, AMissingFileIsNoFileUnlessItMayBeCreated) {
  TempDir dir;
  OpenFiles files(2);
  const auto owner = files.new_owner();
  const auto missing = files.get(owner, 0, dir / "missing", 4096, false);
  ASSERT_TRUE(missing) << "a file never written is not an error";
  EXPECT_EQ(*missing, nullptr);
  EXPECT_EQ(files.open_count(), 0u);
  test::write_file(dir / "file", "x");
  const auto refused = files.get(owner, 1, dir / "file" / "under-a-file", 4096, true);
  ASSERT_FALSE(refused);
  EXPECT_EQ(files.open_count(), 0u);
}

}  // namespace
}  // namespace seeder::storage
