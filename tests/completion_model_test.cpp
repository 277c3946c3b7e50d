// CompletionModel: piece bits and per-file missing counts, over layouts with pad files,
// zero-length files and pieces shared by several files. No disk.
#include <gtest/gtest.h>

#include <vector>

#include "seeder/storage/completion_model.hpp"

namespace seeder::storage {
namespace {

// Pieces of 10 bytes. a: [0, 25) pieces 0-2; empty: at 25; pad: [25, 30) piece 2;
// b: [30, 31) piece 3; c: [31, 60) pieces 3-5; tail-empty: at 60.
ContentLayout mixed_layout() {
  return ContentLayout(10, 6,
                       {{"a", 0, 25, false},
                        {"empty", 25, 0, false},
                        {"", 25, 5, true},
                        {"b", 30, 1, false},
                        {"c", 31, 29, false},
                        {"tail-empty", 60, 0, false}});
}

std::vector<int> files_of(const CompletionModel& model, int piece) {
  std::vector<int> files;
  model.for_each_file_of(piece, [&](int file) { files.push_back(file); });
  return files;
}

TEST(CompletionModelTest, APieceBelongsToEveryNonPadFileItOverlaps) {
  const CompletionModel model(mixed_layout());
  EXPECT_EQ(files_of(model, 0), (std::vector<int>{0}));
  EXPECT_EQ(files_of(model, 2), (std::vector<int>{0}));  // the pad and the empty file skipped
  EXPECT_EQ(files_of(model, 3), (std::vector<int>{3, 4}));
  EXPECT_EQ(files_of(model, 5), (std::vector<int>{4}));
}

TEST(CompletionModelTest, EmptyAndPadFilesAreCompleteFromTheStart) {
  const CompletionModel model(mixed_layout());
  EXPECT_TRUE(model.file_complete(1));
  EXPECT_TRUE(model.file_complete(2));
  EXPECT_TRUE(model.file_complete(5));
  EXPECT_FALSE(model.file_complete(0));
  EXPECT_EQ(model.missing(0), 3);
  EXPECT_EQ(model.missing(4), 3);
  EXPECT_EQ(model.count(), 0);
}

TEST(CompletionModelTest, AFileIsCompleteExactlyWhenAllItsPiecesAre) {
  CompletionModel model(mixed_layout());
  EXPECT_TRUE(model.set(3));
  EXPECT_TRUE(model.file_complete(3));  // b lies in piece 3 alone
  EXPECT_FALSE(model.file_complete(4));
  EXPECT_TRUE(model.set(4));
  EXPECT_TRUE(model.set(5));
  EXPECT_TRUE(model.file_complete(4));
  EXPECT_EQ(model.count(), 3);
  EXPECT_TRUE(model.clear(3));
  EXPECT_FALSE(model.file_complete(3));
  EXPECT_FALSE(model.file_complete(4));
  EXPECT_EQ(model.missing(4), 1);
  EXPECT_EQ(model.count(), 2);
}

TEST(CompletionModelTest, SettingTwiceOrOutOfRangeChangesNothing) {
  CompletionModel model(mixed_layout());
  EXPECT_TRUE(model.set(0));
  EXPECT_FALSE(model.set(0));
  EXPECT_FALSE(model.set(-1));
  EXPECT_FALSE(model.set(6));
  EXPECT_FALSE(model.clear(1));
  EXPECT_FALSE(model.has(6));
  EXPECT_EQ(model.count(), 1);
  EXPECT_EQ(model.missing(0), 2);
}

// Many small files in one piece, with zero-length ones between them: each counts the piece.
TEST(CompletionModelTest, ManyFilesInOnePieceEachCountIt) {
  std::vector<ContentFile> files;
  std::uint64_t offset = 0;
  for (int i = 0; i < 40; ++i) {
    const std::uint64_t size = i % 3 == 0 ? 0 : 1;
    files.push_back({"f" + std::to_string(i), offset, size, false});
    offset += size;
  }
  CompletionModel model(ContentLayout(64, 1, std::move(files)));
  int non_empty = 0;
  for (int file = 0; file < model.num_files(); ++file)
    non_empty += model.file_complete(file) ? 0 : 1;
  EXPECT_EQ(static_cast<int>(files_of(model, 0).size()), non_empty);
  model.set(0);
  for (int file = 0; file < model.num_files(); ++file)
    EXPECT_TRUE(model.file_complete(file)) << file;
}

}  // namespace
}  // namespace seeder::storage
