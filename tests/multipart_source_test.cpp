// http/multipart_source: MultipartSource reading real file slices through part sources opened
// on the way (fakes over a real file stand in for the streamer; the gateway test reads the same
// through a real swarm): the body whatever the slice size, the next range opened early, a cancel
// while a range opens, a range that cannot open.
#include <optional>

#include <gtest/gtest.h>

#include "../src/http/multipart_source.hpp"
#include "multipart_fixture.hpp"

namespace seeder::http {
namespace {

class MultipartSourceTest : public test::MultipartFixture {};

TEST_F(MultipartSourceTest, TheBodyIsEveryHeadAndRangeInOrderWhateverTheSliceSize) {
  for (const std::uint64_t max : {1ull, 7ull, 700ull, 1ull << 20}) {
    auto source = make_source();
    ASSERT_TRUE(source);
    EXPECT_EQ(source->size(), expected_body().size());
    const auto body = read_all(*source, max);
    ASSERT_TRUE(body.ok()) << body.error().message;
    EXPECT_TRUE(*body == expected_body()) << "slices of " << max;
  }
}

TEST_F(MultipartSourceTest, TheNextRangeOpensAsSoonAsThePreviousStarts) {
  hold_opens_ = true;
  auto source = make_source();
  ASSERT_TRUE(source);
  const auto head = layout().part_heads[0].size();
  // The first part's head, then its first byte: the second range is asked for then.
  source->async_next(head, [](Result<FileSlice> slice) { EXPECT_TRUE(slice.ok()); });
  EXPECT_EQ(opens_, 0);
  source->async_next(1, [](Result<FileSlice> slice) { EXPECT_TRUE(slice.ok()); });
  EXPECT_EQ(opens_, 1);
  for (auto& release : held_)
    release();
  held_.clear();
  hold_opens_ = false;
  const auto rest = read_all(*source, 4096, head + 1);
  ASSERT_TRUE(rest.ok()) << rest.error().message;
  EXPECT_EQ(opens_, 2);
}

TEST_F(MultipartSourceTest, CancellingWhileARangeOpensEndsTheReadAndCancelsTheLateSource) {
  hold_opens_ = true;
  auto source = make_source();
  ASSERT_TRUE(source);
  const auto shape = layout();
  // The first head and range, the second head: all at hand.
  for (const auto length :
       {shape.part_heads[0].size(), std::size_t{90}, shape.part_heads[1].size()})
    source->async_next(length, [](Result<FileSlice> slice) { EXPECT_TRUE(slice.ok()); });
  std::optional<Error> ended;
  // The second range's bytes wait for the held open.
  source->async_next(100, [&](Result<FileSlice> slice) {
    ASSERT_FALSE(slice.ok());
    ended = slice.error();
  });
  EXPECT_FALSE(ended);
  source->cancel();
  ASSERT_TRUE(ended);
  EXPECT_EQ(ended->code, Errc::cancelled);
  for (auto& release : held_)
    release();
  ASSERT_FALSE(opened_sources_.empty());
  EXPECT_TRUE(opened_sources_.front()->cancelled);
}

TEST_F(MultipartSourceTest, ARangeThatCannotOpenEndsTheBodyWithItsError) {
  open_error_ = make_error(Errc::timeout, "no peer delivered piece 3 within 60s");
  auto source = make_source();
  ASSERT_TRUE(source);
  const auto body = read_all(*source, 1 << 20);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code, Errc::timeout);
  EXPECT_EQ(body.error().message, "range 2 of 3: no peer delivered piece 3 within 60s");
}

}  // namespace
}  // namespace seeder::http
