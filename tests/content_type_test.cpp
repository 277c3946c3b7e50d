// ContentType: media types by file name.
#include <gtest/gtest.h>

#include "seeder/http/content_type.hpp"

namespace seeder::http {
namespace {

TEST(ContentType, KnowsMediaAndFallsBackToOctetStream) {
  EXPECT_EQ(content_type_for("Movie/film.MKV"), "video/x-matroska");
  EXPECT_EQ(content_type_for("a.mp4"), "video/mp4");
  EXPECT_EQ(content_type_for("s.srt"), "application/x-subrip");
  EXPECT_EQ(content_type_for("s.vtt"), "text/vtt; charset=utf-8");
  EXPECT_EQ(content_type_for("song.flac"), "audio/flac");
  EXPECT_EQ(content_type_for("cover.jpg"), "image/jpeg");
  EXPECT_EQ(content_type_for("readme.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(content_type_for("archive.rar"), "application/octet-stream");
  EXPECT_EQ(content_type_for("noextension"), "application/octet-stream");
  EXPECT_EQ(content_type_for("dir.d/file"), "application/octet-stream");
}

}  // namespace
}  // namespace seeder::http
