// Target: request targets decoded, paths encoded for links, Content-Disposition names.
#include <gtest/gtest.h>

#include "seeder/http/target.hpp"

namespace seeder::http {
namespace {

TEST(Target, DecodesPathAndQuery) {
  const auto target = parse_target("/abc/Sub%20Dir/%C3%BCni.txt?download&x=a+b%21");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->path, "abc/Sub Dir/\xC3\xBCni.txt");
  EXPECT_TRUE(target->has_query("download"));
  EXPECT_FALSE(target->has_query("stats"));
  ASSERT_EQ(target->query.size(), 2u);
  EXPECT_EQ(target->query[1].second, "a b!");
  EXPECT_EQ(target->raw_query, "download&x=a+b%21");
}

TEST(Target, PlusInAPathStaysAPlus) {
  EXPECT_EQ(parse_target("/a+b")->path, "a+b");
}

TEST(Target, RejectsBadEscapesNulAndNonOriginForm) {
  EXPECT_FALSE(parse_target("/a%2"));
  EXPECT_FALSE(parse_target("/a%zz"));
  EXPECT_FALSE(parse_target("/a%00b"));
  EXPECT_FALSE(parse_target("*"));
  EXPECT_FALSE(parse_target("host:80"));
  EXPECT_FALSE(parse_target(""));
}

// RFC 9112 §3.2.2: a server must accept the absolute form (what a client talking to a proxy sends).
TEST(Target, AcceptsTheAbsoluteForm) {
  const auto target = parse_target("http://host:8080/abc/d%20e?stats");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->path, "abc/d e");
  EXPECT_TRUE(target->has_query("stats"));
  ASSERT_TRUE(parse_target("HTTPS://host"));
  EXPECT_EQ(parse_target("HTTPS://host")->path, "");
  EXPECT_EQ(parse_target("/x://y")->path, "x://y");
}

TEST(Target, EncodesPathsForLinks) {
  EXPECT_EQ(percent_encode_path("Sub Dir/\xC3\xBC#?.txt"), "Sub%20Dir/%C3%BC%23%3F.txt");
}

TEST(ContentDisposition, CarriesAnAsciiFallbackAndAnRfc6266Name) {
  EXPECT_EQ(content_disposition("a b.mkv", false),
            "inline; filename=\"a b.mkv\"; filename*=UTF-8''a%20b.mkv");
  EXPECT_EQ(content_disposition("\xC3\xBC\"x.txt", true),
            "attachment; filename=\"u_x.txt\"; filename*=UTF-8''%C3%BC%22x.txt");
}

TEST(ContentDisposition, TheAsciiFallbackSpellsAccentedLettersAndKeepsTheExtension) {
  const auto fallback = [](std::string_view name) {
    const auto header = content_disposition(name, true);
    const auto start = header.find("filename=\"") + 10;
    return header.substr(start, header.find('"', start) - start);
  };
  EXPECT_EQ(fallback("\xC3\xBCn\xC3\xAD"
                     "c\xC3\xB6"
                     "d\xC3\xA9 track.mkv"),
            "unicode track.mkv");
  EXPECT_EQ(fallback("Stra\xC3\x9F"
                     "e \xC5\x81\xC3\xB3"
                     "d\xC5\xBA \xC5\x92uvre.mp4"),
            "Strasse Lodz OEuvre.mp4");
  // Cyrillic has no ASCII spelling here: one '_' per run, and a name with nothing left is "file".
  EXPECT_EQ(fallback("\xD0\xA4\xD0\xB8\xD0\xBB\xD1\x8C\xD0\xBC 2.mkv"), "_ 2.mkv");
  EXPECT_EQ(fallback("\xD0\xA4\xD0\xB8\xD0\xBB\xD1\x8C\xD0\xBC.mkv"), "file.mkv");
  EXPECT_EQ(fallback("bad\xFF\xFE"
                     "bytes%.txt"),
            "bad_bytes_.txt");
}

}  // namespace
}  // namespace seeder::http
