// Json: the writer, its escapes and what it makes of invalid UTF-8.
#include <gtest/gtest.h>

#include "seeder/core/json.hpp"

namespace seeder {
namespace {

TEST(Json, InvalidUtf8BecomesTheReplacementCharacter) {
  EXPECT_EQ(json_escape("a\xff\xfe b"), "a\\ufffd\\ufffd b");
  EXPECT_EQ(json_escape("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");  // valid: kept as is
  EXPECT_EQ(json_escape("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");   // a surrogate
  EXPECT_EQ(json_escape("\xe2\x82"), "\\ufffd\\ufffd");              // cut short
}

TEST(Json, WritesNestedValuesAndEscapes) {
  JsonWriter json;
  json.begin_object()
      .key("name")
      .value("a \"quoted\"\nline\x01")
      .key("n")
      .value(std::uint64_t{42})
      .key("ok")
      .value(true)
      .key("list")
      .begin_array()
      .value(1)
      .value(2)
      .null()
      .end_array()
      .end_object();
  EXPECT_EQ(json.str(),
            R"({"name":"a \"quoted\"\nline\u0001","n":42,"ok":true,"list":[1,2,null]})");
}

}  // namespace
}  // namespace seeder
