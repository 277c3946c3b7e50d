#include "seeder/http/signed_link.hpp"

#include <gtest/gtest.h>

namespace seeder::http {
namespace {

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kHash = "0123456789abcdef0123456789abcdef01234567";

LinkKey key(std::string bytes = std::string(32, 'k')) {
  auto made = LinkKey::from(std::move(bytes));
  EXPECT_TRUE(made);
  return *made;
}

Target target_of(const std::string& url) {
  auto target = parse_target(url);
  EXPECT_TRUE(target) << url;
  return *target;
}

TEST(SignedLinkTest, AFileLinkOpensThatFileUntilItExpires) {
  const auto link =
      key().sign_target("/" + kHash + "/Film/a%20b.mkv?download", LinkScope::file, kNow + 60);
  ASSERT_TRUE(link);
  EXPECT_EQ(link->rfind("/" + kHash + "/Film/a%20b.mkv?download&exp=", 0), 0u) << *link;
  EXPECT_EQ(key().check(target_of(*link), kNow), LinkKey::Verdict::valid);
  EXPECT_EQ(key().check(target_of(*link), kNow + 61), LinkKey::Verdict::expired);
  EXPECT_EQ(key(std::string(32, 'j')).check(target_of(*link), kNow), LinkKey::Verdict::mismatch)
      << "another key";
}

TEST(SignedLinkTest, NoPartOfALinkCanBeChanged) {
  const auto link = *key().sign_target("/" + kHash + "/Film/a.mkv", LinkScope::file, kNow + 60);
  auto swap = [&](const std::string& from, const std::string& to) {
    auto changed = link;
    changed.replace(changed.find(from), from.size(), to);
    return key().check(target_of(changed), kNow);
  };
  EXPECT_EQ(swap("a.mkv", "b.mkv"), LinkKey::Verdict::mismatch) << "another file";
  EXPECT_EQ(swap("exp=" + std::to_string(kNow + 60), "exp=" + std::to_string(kNow + 6000)),
            LinkKey::Verdict::mismatch)
      << "a later expiry";
  EXPECT_EQ(swap("scope=file", "scope=torrent"), LinkKey::Verdict::mismatch) << "a wider scope";
  EXPECT_EQ(key().check(target_of("/" + kHash + "/Film/a.mkv"), kNow),
            LinkKey::Verdict::unsigned_link);
}

TEST(SignedLinkTest, ATorrentLinkOpensEveryPathOfItsTorrentOnly) {
  const auto query = key().sign("/" + kHash + "/Film/a.mkv", LinkScope::torrent, kNow + 60);
  EXPECT_EQ(key().check(target_of("/" + kHash + "/Other/b.srt?" + query), kNow),
            LinkKey::Verdict::valid);
  EXPECT_EQ(key().check(target_of("/" + kHash + "/?" + query), kNow), LinkKey::Verdict::valid);
  const std::string other = "1123456789abcdef0123456789abcdef01234567";
  EXPECT_EQ(key().check(target_of("/" + other + "/Film/a.mkv?" + query), kNow),
            LinkKey::Verdict::mismatch);
}

// Found by fuzz_access: a URL with a fragment, whose '#' swallowed the signature's query.
TEST(SignedLinkTest, AFragmentIsDroppedNotSigned) {
  const auto link = key().sign_target("/" + kHash + "/a.mkv#t=10", LinkScope::file, kNow + 60);
  ASSERT_TRUE(link);
  EXPECT_EQ(link->find('#'), std::string::npos) << *link;
  EXPECT_EQ(key().check(target_of(*link), kNow), LinkKey::Verdict::valid);
}

TEST(SignedLinkTest, AShortKeyIsRefused) {
  EXPECT_FALSE(LinkKey::from(std::string(31, 'k')));
  EXPECT_TRUE(LinkKey::from(std::string(32, 'k') + "\n")) << "a trailing newline is dropped";
  EXPECT_FALSE(LinkKey::from(std::string(31, 'k') + "\n"));
  EXPECT_FALSE(key().sign_target("/", LinkScope::file, kNow)) << "no torrent path";
}

}  // namespace
}  // namespace seeder::http
