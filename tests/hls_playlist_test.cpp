// media/hls_playlist: segment cutting, the playlists' text, WebVTT segments and ASS event text
// (all pure: no libav).
#include <gtest/gtest.h>

#include "seeder/media/hls.hpp"

namespace seeder::media {
namespace {

TEST(HlsTest, SegmentsStartAtKeyframesAndLastAtLeastTheTarget) {
  const auto segments = cut_segments({0, 2, 4, 6, 8, 10, 12.5, 18}, 20, 6);
  ASSERT_EQ(segments.size(), 3u);
  EXPECT_DOUBLE_EQ(segments[0].start_s, 0);
  EXPECT_DOUBLE_EQ(segments[0].duration_s, 6);
  EXPECT_DOUBLE_EQ(segments[1].start_s, 6);
  EXPECT_DOUBLE_EQ(segments[1].duration_s, 6.5);
  EXPECT_DOUBLE_EQ(segments[2].start_s, 12.5);
  EXPECT_DOUBLE_EQ(segments[2].duration_s, 7.5) << "the last runs to the end";
  EXPECT_TRUE(cut_segments({}, 20, 6).empty());
  EXPECT_EQ(cut_segments({1.5, 30}, 20, 6).size(), 1u) << "keyframes past the end are not cut at";
}

TEST(HlsTest, ThePlaylistIsAVodListOfFmp4SegmentsWithTheirQuery) {
  const auto text = media_playlist({{0, 6}, {6, 5.5}}, "film.mkv", "exp=1&sig=ab");
  EXPECT_NE(text.find("#EXT-X-TARGETDURATION:6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("#EXT-X-MAP:URI=\"film.mkv?exp=1&sig=ab&hls=init.mp4\""), std::string::npos);
  EXPECT_NE(text.find("#EXTINF:5.500000,\nfilm.mkv?exp=1&sig=ab&hls=1.mp4\n"), std::string::npos);
  EXPECT_NE(text.find("#EXT-X-ENDLIST"), std::string::npos);
  EXPECT_EQ(media_playlist({{0, 6}}, "a.mkv", "").find('&'), std::string::npos);
}

TEST(HlsTest, AFileWithSubtitlesHasAMasterPlaylistNamingEachTrack) {
  HlsLayout layout;
  layout.segments = {{0, 6}, {6, 5.5}};
  layout.subtitles = {{2, "English", "eng", true},
                      {3, "English", "eng", true},
                      {4, "English (2)", "eng", false},
                      {5, "Say \"hi\"", "", false}};
  layout.bit_rate = 1'000'000;
  const auto text = master_playlist(layout, "film.mkv", "sig=ab");
  EXPECT_NE(
      text.find(
          "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"text\",NAME=\"English\","
          "LANGUAGE=\"eng\",DEFAULT=YES,AUTOSELECT=YES,URI=\"film.mkv?sig=ab&hls=sub2.m3u8\"\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("NAME=\"English (2)\",LANGUAGE=\"eng\",DEFAULT=NO"), std::string::npos)
      << "names are unique in their group, and one rendition is the default";
  EXPECT_NE(text.find("NAME=\"English (2) (2)\",LANGUAGE=\"eng\",DEFAULT=NO"), std::string::npos)
      << "even against a track named so";
  EXPECT_NE(text.find("NAME=\"Say 'hi'\",DEFAULT=NO"), std::string::npos) << "and quotable";
  EXPECT_NE(text.find("#EXT-X-STREAM-INF:BANDWIDTH=1000000,SUBTITLES=\"text\"\n"
                      "film.mkv?sig=ab&hls=media.m3u8\n"),
            std::string::npos);

  const auto track = subtitle_playlist(layout.segments, 2, "film.mkv", "");
  EXPECT_NE(track.find("#EXTINF:5.500000,\nfilm.mkv?hls=sub2-1.vtt\n"), std::string::npos) << track;
  EXPECT_EQ(track.find("EXT-X-MAP"), std::string::npos) << "WebVTT segments need no init";
  EXPECT_NE(track.find("#EXT-X-ENDLIST"), std::string::npos);
}

TEST(HlsTest, AWebvttSegmentSaysItsCuesAreOnTheRemuxTimeline) {
  EXPECT_EQ(webvtt_segment({{0.5, 2.0, "Hello"}, {3725.25, 3726, "<i>Two</i>\nlines"}}),
            "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n"
            "00:00:00.500 --> 00:00:02.000\nHello\n\n"
            "01:02:05.250 --> 01:02:06.000\n<i>Two</i>\nlines\n\n");
}

TEST(HlsTest, AssEventsBecomeWebvttCueText) {
  EXPECT_EQ(ass_event_to_webvtt("0,0,Default,,0,0,0,,Hello, world"), "Hello, world");
  EXPECT_EQ(ass_event_to_webvtt("0,0,Default,,0,0,0,,{\\i1}Two{\\i0}\\Nlines"),
            "<i>Two</i>\nlines");
  EXPECT_EQ(ass_event_to_webvtt("1,0,Default,,0,0,0,,{\\pos(10,20)\\b1}bold"), "<b>bold</b>")
      << "unknown tags go, open ones are closed";
  EXPECT_EQ(ass_event_to_webvtt("2,0,Default,,0,0,0,,a < b & c --> d"),
            "a &lt; b &amp; c --&gt; d");
  EXPECT_EQ(ass_event_to_webvtt("3,0,Default,,0,0,0,,one\\N\\N \\Ntwo"), "one\ntwo")
      << "a blank line would end the cue";
  EXPECT_EQ(ass_event_to_webvtt("3,0,Default,,0,0,0,,soft\\nbreak"), "soft break")
      << "\\n breaks only in one wrap style";
  EXPECT_EQ(ass_event_to_webvtt("0,0,Default,,0,0,0,,{\\i1}a{\\b1}b{\\i0}c{\\b0}d"),
            "<i>a<b>b</b></i><b>c</b>d")
      << "WebVTT closes the innermost tag only";
  EXPECT_EQ(ass_event_to_webvtt("0,0,Default,,0,0,0,,{\\b700}heavy{\\b400} not"),
            "<b>heavy</b> not");
  EXPECT_EQ(ass_event_to_webvtt("0,0,Default,,0,0,0,,{\\i1}{\\i0}"), "") << "nothing to show";
  EXPECT_EQ(ass_event_to_webvtt("4,0,Default,,0,0,0,,{\\p1}m 0 0 l 10 10{\\p0}shape"), "shape")
      << "a drawing is no text";
  EXPECT_EQ(ass_event_to_webvtt("5,0,Default,,0,0,0,,non\\hbreaking"), "non\u00a0breaking");
  EXPECT_EQ(ass_event_to_webvtt("plain text"), "plain text");
  EXPECT_EQ(ass_event_to_webvtt("6,0,Default,,0,0,0,,a { unclosed"), "a { unclosed")
      << "a lone brace is text";
  EXPECT_EQ(ass_event_to_webvtt("7,0,Default,,0,0,0,,\\{not a tag\\}"), "{not a tag}");
}

TEST(HlsPlaylistTest, AKeyframeExactlyATargetAfterTheSegmentStartCutsThere) {
  const auto segments = cut_segments({1.5, 7.5, 9}, 20, 6);
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_DOUBLE_EQ(segments[0].start_s, 1.5) << "the first starts at the first keyframe";
  EXPECT_DOUBLE_EQ(segments[0].duration_s, 6);
  EXPECT_DOUBLE_EQ(segments[1].start_s, 7.5);
  EXPECT_DOUBLE_EQ(segments[1].duration_s, 12.5);
}

TEST(HlsPlaylistTest, AKeyframeAtTheVeryEndStartsNoSegment) {
  const auto segments = cut_segments({0, 6, 12}, 12, 6);
  ASSERT_EQ(segments.size(), 2u);
  EXPECT_DOUBLE_EQ(segments[1].start_s, 6);
  EXPECT_DOUBLE_EQ(segments[1].duration_s, 6) << "no empty segment at the end";
}

TEST(HlsPlaylistTest, TheTargetDurationIsTheLongestSegmentRoundedUp) {
  const auto text = media_playlist({{0, 6}, {6, 6.2}, {12.2, 3}}, "a.mkv", "");
  EXPECT_NE(text.find("#EXT-X-TARGETDURATION:7\n"), std::string::npos) << text;
  const auto track = subtitle_playlist({{0, 6}, {6, 6.2}}, 3, "a.mkv", "");
  EXPECT_NE(track.find("#EXT-X-TARGETDURATION:7\n"), std::string::npos) << track;
}

TEST(HlsPlaylistTest, AMasterPlaylistWithoutSubtitlesGuessesAFilmsBitRate) {
  HlsLayout layout;
  layout.segments = {{0, 6}};
  const auto text = master_playlist(layout, "film.mkv", "");
  EXPECT_EQ(text.find("#EXT-X-MEDIA:"), std::string::npos) << text;
  EXPECT_NE(text.find("#EXT-X-STREAM-INF:BANDWIDTH=5000000\nfilm.mkv?hls=media.m3u8\n"),
            std::string::npos)
      << "no SUBTITLES group, and a bit rate when the file gives none: " << text;
}

TEST(HlsPlaylistTest, ATrackNameOrLanguageWithALineBreakStaysOnItsLine) {
  HlsLayout layout;
  layout.subtitles = {{2, "Two\r\nlines", "e\nn", false}};
  const auto text = master_playlist(layout, "f.mkv", "");
  EXPECT_NE(text.find("NAME=\"Two  lines\",LANGUAGE=\"e n\",DEFAULT=NO"), std::string::npos)
      << text;
}

TEST(HlsPlaylistTest, ACueBeforeTheTimelineStartsAtZero) {
  EXPECT_EQ(webvtt_segment({{-0.25, 0.5, "Early"}}),
            "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n"
            "00:00:00.000 --> 00:00:00.500\nEarly\n\n");
  EXPECT_EQ(webvtt_segment({}), "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n")
      << "a segment without cues is still a WebVTT file";
}

TEST(HlsPlaylistTest, AssUnderlineIsKeptAndCarriageReturnsAndTrailingSpacesGo) {
  EXPECT_EQ(ass_event_to_webvtt("0,0,Default,,0,0,0,,{\\u1}under{\\u0} line  \r\\Nnext"),
            "<u>under</u> line\nnext");
}

}  // namespace
}  // namespace seeder::media
