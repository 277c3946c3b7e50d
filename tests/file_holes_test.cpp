#include "seeder/core/file_holes.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "temp_dir.hpp"

namespace seeder {
namespace {

constexpr std::uint64_t kMiB = 1 << 20;

class FileHolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fd_ = ::open((dir_.path() / "content").c_str(), O_RDWR | O_CREAT, 0644);
    ASSERT_GE(fd_, 0);
  }
  void TearDown() override { ::close(fd_); }
  void write_at(std::uint64_t offset, std::size_t length) {
    const std::string bytes(length, 'x');
    ASSERT_EQ(::pwrite(fd_, bytes.data(), length, static_cast<off_t>(offset)),
              static_cast<ssize_t>(length));
  }
  static bool reports_holes(int fd) {
    return ::lseek(fd, 0, SEEK_HOLE) >= 0;  // every Linux file system answers; tmpfs too
  }

  test::TempDir dir_{"seeder-holes"};
  int fd_ = -1;
};

TEST_F(FileHolesTest, StoredBytesAreIntactAndTheEndOfTheFileIsNot) {
  write_at(0, 64 * 1024);
  EXPECT_FALSE(range_has_hole(fd_, 0, 64 * 1024));
  EXPECT_TRUE(range_has_hole(fd_, 0, 64 * 1024 + 1)) << "past the end";
  EXPECT_EQ(check_slice_on_disk(fd_, 0, 64 * 1024), SliceOnDisk::intact);
  EXPECT_EQ(check_slice_on_disk(fd_, 0, 128 * 1024), SliceOnDisk::lost);
}

TEST_F(FileHolesTest, ATruncatedFileSizedUpAgainHasAHoleWhereItsDataWas) {
  write_at(0, 4 * kMiB);
  ASSERT_EQ(::ftruncate(fd_, 0), 0);
  ASSERT_EQ(::ftruncate(fd_, 4 * kMiB), 0);
  if (!reports_holes(fd_)) GTEST_SKIP() << "this file system reports no holes";
  EXPECT_TRUE(range_has_hole(fd_, 1 * kMiB, 2 * kMiB));
  EXPECT_EQ(check_slice_on_disk(fd_, 1 * kMiB, 2 * kMiB), SliceOnDisk::lost);
}

TEST_F(FileHolesTest, ARemovedFileIsSaidToBeUnlinked) {
  write_at(0, 4096);
  ASSERT_EQ(::unlink((dir_.path() / "content").c_str()), 0);
  EXPECT_EQ(check_slice_on_disk(fd_, 0, 4096), SliceOnDisk::unlinked);
}

}  // namespace
}  // namespace seeder
