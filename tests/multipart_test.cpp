// multipart/byteranges: the layout's text and length, and the boundary (MultipartSource, which
// sends the body, is tested in multipart_source_test.cpp).
#include <gtest/gtest.h>

#include "multipart_fixture.hpp"
#include "seeder/http/multipart.hpp"

namespace seeder::http {
namespace {

class MultipartTest : public test::MultipartFixture {};

TEST_F(MultipartTest, EachPartHasItsTypeAndRangeAndTheLengthCountsEveryByte) {
  const auto shape = layout();
  EXPECT_EQ(shape.content_type(), "multipart/byteranges; boundary=BOUND");
  EXPECT_EQ(shape.part_heads[0],
            "--BOUND\r\nContent-Type: video/mp4\r\nContent-Range: bytes 10-99/10000\r\n\r\n");
  EXPECT_EQ(
      shape.part_heads[1],
      "\r\n--BOUND\r\nContent-Type: video/mp4\r\nContent-Range: bytes 5000-5999/10000\r\n\r\n");
  EXPECT_EQ(shape.tail, "\r\n--BOUND--\r\n");
  EXPECT_EQ(shape.body_length(), expected_body().size());
}

TEST_F(MultipartTest, EveryBoundaryIsFreshAndAsLong) {
  const auto a = multipart_boundary();
  const auto b = multipart_boundary();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.rfind("seeder-", 0), 0u);
}

}  // namespace
}  // namespace seeder::http
