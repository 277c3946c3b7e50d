// pieces_missing_bytes: which recorded pieces lost their bytes on disk.
#include "../src/storage/missing_bytes.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "content.hpp"
#include "temp_dir.hpp"

namespace seeder::storage {
namespace {

using test::TempDir;

// 16 KiB pieces over 50,000 bytes: a (40,000) over pieces 0-2, b (10,000) over pieces 2-3.
class MissingBytesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int piece = 0; piece < 4; ++piece) {
      const auto bytes = all_.substr(static_cast<std::size_t>(piece) * 16384, 16384);
      ASSERT_TRUE(files_.write(piece, 0, bytes));
    }
    files_.release();  // written and closed, as after a restart
  }
  [[nodiscard]] std::vector<int> missing(const std::vector<int>& claimed) const {
    return pieces_missing_bytes(files_, claimed);
  }

  TempDir data_{"seeder-missing-bytes"};
  TorrentFiles files_{
      data_.path(), *InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd"),
      ContentLayout(16384, 4, {{"T/a", 0, 40'000, false}, {"T/b", 40'000, 10'000, false}}),
      std::make_shared<OpenFiles>(4)};
  std::string all_ = test::random_bytes(50'000, 3);
};

TEST_F(MissingBytesTest, NothingIsMissingWhenEveryByteIsThere) {
  EXPECT_TRUE(missing({0, 1, 2, 3}).empty());
  EXPECT_TRUE(missing({}).empty());
}

TEST_F(MissingBytesTest, EveryClaimedPieceOfARemovedFileIsMissing) {
  std::filesystem::remove(files_.path_of(1));
  EXPECT_EQ(missing({0, 1, 2, 3}), (std::vector<int>{2, 3})) << "piece 2 shares b's head";
  EXPECT_EQ(missing({0, 3}), (std::vector<int>{3})) << "only claimed pieces are reported";
}

TEST_F(MissingBytesTest, EveryClaimedPieceOfAFileCutShortIsMissing) {
  ASSERT_EQ(::truncate(files_.path_of(0).c_str(), 39'999), 0);
  EXPECT_EQ(missing({0, 1, 2, 3}), (std::vector<int>{0, 1, 2}));
}

TEST_F(MissingBytesTest, AHoleMakesOnlyThePiecesOverItMissing) {
  const int fd = ::open(files_.path_of(0).c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 16384, 16384), 0);
  ::close(fd);
  EXPECT_EQ(missing({0, 1, 2, 3}), (std::vector<int>{1}));
}

TEST_F(MissingBytesTest, TheAnswerIsSortedWithoutRepeatsWhateverTheClaims) {
  std::filesystem::remove(files_.path_of(0));
  std::filesystem::remove(files_.path_of(1));
  EXPECT_EQ(missing({3, 2, 2, 0}), (std::vector<int>{0, 2, 3})) << "piece 2 is in both files";
}

}  // namespace
}  // namespace seeder::storage
