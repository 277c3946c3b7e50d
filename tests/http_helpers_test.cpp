#include <gtest/gtest.h>

#include "seeder/http/byte_range.hpp"
#include "seeder/http/content_type.hpp"
#include "seeder/http/target.hpp"
#include "seeder/http/validators.hpp"

namespace seeder::http {
namespace {

using Kind = RangeRequest::Kind;

TEST(ByteRange, ParsesTheThreeFormsOfASingleRange) {
  EXPECT_EQ(parse_range("bytes=0-99", 1000).range, (ByteRange{0, 99}));
  EXPECT_EQ(parse_range("bytes=500-", 1000).range, (ByteRange{500, 999}));
  EXPECT_EQ(parse_range("bytes=-100", 1000).range, (ByteRange{900, 999}));
  EXPECT_EQ(parse_range("bytes=999-999", 1000).range, (ByteRange{999, 999}));
  EXPECT_EQ(parse_range("bytes=0-99", 1000).kind, Kind::single);
}

TEST(ByteRange, ClampsRangesThatRunPastTheEnd) {
  EXPECT_EQ(parse_range("bytes=900-5000", 1000).range, (ByteRange{900, 999}));
  EXPECT_EQ(parse_range("bytes=-5000", 1000).range, (ByteRange{0, 999}));
}

TEST(ByteRange, RangesStartingPastTheEndAreUnsatisfiable) {
  EXPECT_EQ(parse_range("bytes=1000-", 1000).kind, Kind::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=1000-2000", 1000).kind, Kind::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 1000).kind, Kind::unsatisfiable);
}

TEST(ByteRange, MalformedHeadersAreIgnored) {
  for (const char* header :
       {"", "bytes", "bytes=", "bytes=a-b", "bytes=5-2", "items=0-1", "bytes=--1", "bytes=1"}) {
    EXPECT_EQ(parse_range(header, 1000).kind, Kind::none) << header;
  }
}

TEST(ByteRange, SeveralSatisfiableRangesAreMultipleInOrder) {
  const auto request = parse_range("bytes=500-599, 0-99, -10", 1000);
  EXPECT_EQ(request.kind, Kind::multiple);
  EXPECT_EQ(request.ranges, (std::vector<ByteRange>{{0, 99}, {500, 599}, {990, 999}}));
  EXPECT_EQ(parse_range("bytes=0-1,2000-3000", 1000).kind, Kind::single);
}

TEST(ByteRange, OverlappingTouchingAndNearRangesAreCoalesced) {
  // Overlapping, touching, and within kCoalesceGap: one range, answered as a plain 206.
  const auto one = parse_range("bytes=0-99,50-149,150-199,260-299", 1000);
  EXPECT_EQ(one.kind, Kind::single);
  EXPECT_EQ(one.range, (ByteRange{0, 299}));
  // Just over the gap: two parts.
  const auto two = parse_range("bytes=0-99,181-199", 1000);
  EXPECT_EQ(two.kind, Kind::multiple);
  EXPECT_EQ(two.ranges, (std::vector<ByteRange>{{0, 99}, {181, 199}}));
  // A range inside another disappears into it.
  EXPECT_EQ(parse_range("bytes=0-999,10-20", 1000).range, (ByteRange{0, 999}));
}

TEST(ByteRange, AnEmptyFileIgnoresRange) {
  EXPECT_EQ(parse_range("bytes=0-0", 0).kind, Kind::none);
}

TEST(ByteRange, FirstRangeOnlyForWarmup) {
  EXPECT_EQ(parse_first_range("bytes=10-19,30-39", 100).range, (ByteRange{10, 19}));
  EXPECT_EQ(parse_first_range("", 100).kind, Kind::none);
  EXPECT_EQ(parse_first_range("bytes=x", 100).kind, Kind::unsatisfiable);
  EXPECT_EQ(parse_first_range("bytes=200-", 100).kind, Kind::unsatisfiable);
}

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

TEST(Validators, EtagDependsOnHashPathAndSize) {
  const auto etag = make_etag("aa", "x/y", 10);
  EXPECT_EQ(etag.front(), '"');
  EXPECT_EQ(etag.back(), '"');
  EXPECT_NE(etag, make_etag("ab", "x/y", 10));
  EXPECT_NE(etag, make_etag("aa", "x/z", 10));
  EXPECT_NE(etag, make_etag("aa", "x/y", 11));
  EXPECT_EQ(etag, make_etag("aa", "x/y", 10));
}

TEST(Validators, IfNoneMatchUsesWeakComparisonOverAList) {
  EXPECT_TRUE(etag_list_matches("\"a\", \"b\"", "\"b\"", true));
  EXPECT_TRUE(etag_list_matches("W/\"b\"", "\"b\"", true));
  EXPECT_TRUE(etag_list_matches("*", "\"b\"", true));
  EXPECT_FALSE(etag_list_matches("\"a\"", "\"b\"", true));
}

TEST(Validators, IfMatchAndIfRangeUseStrongComparison) {
  EXPECT_FALSE(etag_list_matches("W/\"b\"", "\"b\"", false));
  EXPECT_TRUE(etag_list_matches("\"b\"", "\"b\"", false));
  EXPECT_TRUE(if_range_allows("\"b\"", "\"b\""));
  EXPECT_FALSE(if_range_allows("W/\"b\"", "\"b\""));
  EXPECT_FALSE(if_range_allows("Thu, 01 Jan 1970 00:00:00 GMT", "\"b\""));
}

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
