// MediaCache: what was made from a media file's bytes, kept under a count and a byte budget,
// least recently used dropped first; an answer too big for it is not kept.
#include "../src/http/media_cache.hpp"

#include <gtest/gtest.h>

namespace seeder::http {
namespace {

TEST(MediaCacheTest, KeepsUnderItsByteBudgetDroppingTheLeastRecentlyUsed) {
  MediaCache cache(100, 4'000);
  cache.put("a", std::string(900, 'a'));
  cache.put("b", std::string(900, 'b'));
  cache.put("c", std::string(900, 'c'));
  ASSERT_TRUE(cache.find("a"));  // used: now the most recent
  cache.put("d", std::string(900, 'd'));
  cache.put("e", std::string(900, 'e'));  // over 4,000: the least recently used goes
  EXPECT_FALSE(cache.find("b"));
  EXPECT_TRUE(cache.find("a"));
  EXPECT_EQ(**cache.find("e"), std::string(900, 'e'));
  cache.put("huge", std::string(1'500, 'h'));
  EXPECT_FALSE(cache.find("huge")) << "over a quarter of the budget";
}

TEST(MediaCacheTest, KeepsErrorsAndAtMostItsCount) {
  MediaCache cache(2);
  cache.put("bad", make_error(Errc::upstream, "not a film"));
  cache.put("x", std::string("1"));
  cache.put("y", std::string("2"));
  EXPECT_FALSE(cache.find("bad"));
  EXPECT_EQ(**cache.find("x"), "1");
  MediaCache errors;
  errors.put("bad", make_error(Errc::upstream, "not a film"));
  EXPECT_EQ(cache.find("bad"), std::nullopt);
  EXPECT_EQ(errors.find("bad")->error().message, "not a film");
}

}  // namespace
}  // namespace seeder::http
