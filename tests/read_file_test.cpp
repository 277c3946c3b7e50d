// read_file: a whole small file's bytes, or Errc::io naming the path.
#include "seeder/core/read_file.hpp"

#include <gtest/gtest.h>

#include "content.hpp"
#include "temp_dir.hpp"

namespace seeder {
namespace {

TEST(ReadFileTest, ReturnsEveryByteOfABinaryFile) {
  test::TempDir dir;
  const auto bytes = std::string("d4:info\0\r\n\xff", 11) + test::random_bytes(100'000, 3);
  test::write_file(dir / "t.torrent", bytes);
  const auto read = seeder::read_file(dir / "t.torrent");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_TRUE(*read == bytes);
}

TEST(ReadFileTest, AnEmptyFileIsAnEmptyString) {
  test::TempDir dir;
  test::write_file(dir / "empty", "");
  const auto read = seeder::read_file(dir / "empty");
  ASSERT_TRUE(read);
  EXPECT_EQ(*read, "");
}

TEST(ReadFileTest, AMissingFileIsAnIoErrorNamingIt) {
  test::TempDir dir;
  const auto read = seeder::read_file(dir / "missing");
  ASSERT_FALSE(read);
  EXPECT_EQ(read.error().code, Errc::io);
  EXPECT_EQ(read.error().message, "cannot open " + (dir / "missing").string());
}

}  // namespace
}  // namespace seeder
