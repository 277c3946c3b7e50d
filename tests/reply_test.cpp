// http/reply: an in-memory reply's headers: found whatever their case, set once, one Vary.
#include "seeder/http/reply.hpp"

#include <gtest/gtest.h>

namespace seeder::http {
namespace {

TEST(ReplyTest, AHeaderIsFoundWhateverItsCaseButOnlyByItsWholeName) {
  Reply reply;
  reply.headers.push_back({"Content-Type", "text/html"});
  ASSERT_NE(reply.find_header("content-type"), nullptr);
  EXPECT_EQ(*reply.find_header("CONTENT-TYPE"), "text/html");
  EXPECT_EQ(reply.find_header("Content-Typ"), nullptr) << "a prefix is another header";
  EXPECT_EQ(reply.find_header("Content-Type2"), nullptr);
  EXPECT_EQ(reply.find_header("Location"), nullptr);
}

TEST(ReplyTest, SettingAHeaderReplacesItWhateverItsCase) {
  Reply reply;
  reply.set_header("Cache-Control", "no-store");
  reply.set_header("cache-control", "max-age=60");
  ASSERT_EQ(reply.headers.size(), 1u);
  EXPECT_EQ(reply.headers[0].name, "Cache-Control") << "the first spelling stays";
  EXPECT_EQ(reply.headers[0].value, "max-age=60");
  reply.set_header("ETag", "\"a\"");
  EXPECT_EQ(reply.headers.size(), 2u);
}

TEST(ReplyTest, VaryFieldsGoIntoOneHeader) {
  Reply reply;
  reply.add_vary("Accept");
  reply.headers.push_back({"X-Other", "1"});
  reply.add_vary("Origin");
  ASSERT_EQ(reply.headers.size(), 2u);
  EXPECT_EQ(*reply.find_header("Vary"), "Accept, Origin");

  Reply sent_lower;
  sent_lower.headers.push_back({"vary", "Range"});
  sent_lower.add_vary("Accept");
  ASSERT_EQ(sent_lower.headers.size(), 1u);
  EXPECT_EQ(sent_lower.headers[0].value, "Range, Accept");
}

TEST(ReplyTest, ATextReplyIsPlainUtf8WithItsStatus) {
  const auto reply = text_reply(404, "not here");
  EXPECT_EQ(reply.status, 404u);
  EXPECT_EQ(reply.body, "not here");
  ASSERT_NE(reply.find_header("Content-Type"), nullptr);
  EXPECT_EQ(*reply.find_header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_FALSE(reply.content_length);
}

}  // namespace
}  // namespace seeder::http
