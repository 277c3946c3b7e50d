// media/subtitle_decoder: a text subtitle stream's packets as WebVTT cues (SubRip and ASS, from
// packets made here and from a real film's track read through a Demuxer), their times on the
// remux's timeline, and what a track is called and which tracks are text.
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "../src/media/demuxer.hpp"
#include "../src/media/remux_parts.hpp"
#include "../src/media/subtitle_decoder.hpp"
#include "bytes_reader.hpp"
#include "content.hpp"
#include "films.hpp"
#include "temp_dir.hpp"

extern "C" {
#include <libavutil/dict.h>
}

namespace seeder::media {
namespace {

// A format context holding one stream of `codec` (time base 1/1000), as a demuxer makes it.
class SubtitleDecoderStream {
 public:
  explicit SubtitleDecoderStream(AVCodecID codec, AVMediaType type = AVMEDIA_TYPE_SUBTITLE)
      : context_(avformat_alloc_context()) {
    stream_ = avformat_new_stream(context_.get(), nullptr);
    stream_->codecpar->codec_type = type;
    stream_->codecpar->codec_id = codec;
    stream_->time_base = {1, 1000};
  }
  AVStream& operator*() const { return *stream_; }
  AVStream* operator->() const { return stream_; }

 private:
  struct Free {
    void operator()(AVFormatContext* context) const { avformat_free_context(context); }
  };
  std::unique_ptr<AVFormatContext, Free> context_;
  AVStream* stream_ = nullptr;
};

// A packet of `text` at `pts` lasting `duration` (milliseconds).
PacketPtr subtitle_decoder_packet(std::string_view text, std::int64_t pts, std::int64_t duration) {
  PacketPtr packet(av_packet_alloc());
  EXPECT_EQ(av_new_packet(packet.get(), static_cast<int>(text.size())), 0);
  std::copy(text.begin(), text.end(), packet->data);
  packet->pts = pts;
  packet->dts = pts;
  packet->duration = duration;
  return packet;
}

// The cues of one packet of `text` on a fresh decoder of `codec`.
std::vector<SubtitleCue> subtitle_decoder_cues(AVCodecID codec, std::string_view text,
                                               std::int64_t pts, std::int64_t duration,
                                               double shift_s = 0) {
  const SubtitleDecoderStream stream(codec);
  auto decoder = SubtitleDecoder::open(*stream);
  EXPECT_TRUE(decoder) << decoder.error().message;
  if (!decoder) return {};
  return (*decoder)->decode(*subtitle_decoder_packet(text, pts, duration), shift_s);
}

TEST(SubtitleDecoderTest, AnSrtCueKeepsItsTimesAndItsItalics) {
  const auto cues = subtitle_decoder_cues(AV_CODEC_ID_SUBRIP, "<i>Line 1</i>", 4500, 2000);
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_DOUBLE_EQ(cues[0].start_s, 4.5);
  EXPECT_DOUBLE_EQ(cues[0].end_s, 6.5);
  EXPECT_EQ(cues[0].text, "<i>Line 1</i>");
}

TEST(SubtitleDecoderTest, CuesCarryTheRemuxShift) {
  const auto cues = subtitle_decoder_cues(AV_CODEC_ID_SUBRIP, "Hello", 500, 2000, 0.16);
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_NEAR(cues[0].start_s, 0.66, 1e-9);
  EXPECT_NEAR(cues[0].end_s, 2.66, 1e-9);
}

// Matroska's ASS packets are events without their times: "ReadOrder,Layer,Style,...,Text".
TEST(SubtitleDecoderTest, AnAssEventBecomesACueWithItsLineBreakAndBold) {
  const auto cues = subtitle_decoder_cues(
      AV_CODEC_ID_ASS, "3,0,Default,,0,0,0,,{\\b1}Run{\\b0}, & hide\\N{\\pos(10,10)}now", 12'000,
      1500);
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_DOUBLE_EQ(cues[0].start_s, 12.0);
  EXPECT_DOUBLE_EQ(cues[0].end_s, 13.5);
  EXPECT_EQ(cues[0].text, "<b>Run</b>, &amp; hide\nnow");
}

TEST(SubtitleDecoderTest, ACueWithoutADurationShowsFourSeconds) {
  const auto cues = subtitle_decoder_cues(AV_CODEC_ID_SUBRIP, "Hello", 1000, 0);
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_DOUBLE_EQ(cues[0].start_s, 1.0);
  EXPECT_DOUBLE_EQ(cues[0].end_s, 5.0);
}

TEST(SubtitleDecoderTest, APacketWithoutATimeGivesNoCue) {
  EXPECT_TRUE(subtitle_decoder_cues(AV_CODEC_ID_SUBRIP, "Hello", AV_NOPTS_VALUE, 2000).empty());
}

// An old file's code page (Latin-1 here): the cue is kept, the bad byte shown as U+FFFD.
TEST(SubtitleDecoderTest, TextThatIsNotUtf8IsKeptWithReplacementCharacters) {
  const auto cues = subtitle_decoder_cues(AV_CODEC_ID_SUBRIP, "caf\xe9 noir", 0, 1000);
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_EQ(cues[0].text, "caf\xef\xbf\xbd noir");
}

TEST(SubtitleDecoderTest, AStreamWithoutADecoderIsAnUpstreamError) {
  const SubtitleDecoderStream stream(AV_CODEC_ID_NONE);
  const auto decoder = SubtitleDecoder::open(*stream);
  ASSERT_FALSE(decoder);
  EXPECT_EQ(decoder.error().code, Errc::upstream);
  EXPECT_EQ(decoder.error().message.rfind("no decoder for its subtitles", 0), 0u)
      << decoder.error().message;
}

TEST(SubtitleDecoderTest, OnlySubtitlesMadeOfTextAreText) {
  EXPECT_TRUE(is_text_subtitle(*SubtitleDecoderStream(AV_CODEC_ID_SUBRIP)));
  EXPECT_TRUE(is_text_subtitle(*SubtitleDecoderStream(AV_CODEC_ID_ASS)));
  EXPECT_TRUE(is_text_subtitle(*SubtitleDecoderStream(AV_CODEC_ID_WEBVTT)));
  EXPECT_FALSE(is_text_subtitle(*SubtitleDecoderStream(AV_CODEC_ID_DVD_SUBTITLE)));
  EXPECT_FALSE(is_text_subtitle(*SubtitleDecoderStream(AV_CODEC_ID_HDMV_PGS_SUBTITLE)));
  EXPECT_FALSE(is_text_subtitle(*SubtitleDecoderStream(AV_CODEC_ID_SUBRIP, AVMEDIA_TYPE_DATA)));
}

TEST(SubtitleDecoderTest, ATrackIsNamedByItsTitleElseItsLanguageElseItsNumber) {
  const SubtitleDecoderStream stream(AV_CODEC_ID_SUBRIP);
  EXPECT_EQ(subtitle_track_name(*stream, 3), "Subtitles 3");
  av_dict_set(&stream->metadata, "language", "und", 0);
  EXPECT_EQ(subtitle_track_name(*stream, 2), "Subtitles 2");
  av_dict_set(&stream->metadata, "language", "tlh", 0);
  EXPECT_EQ(subtitle_track_name(*stream, 2), "tlh");
  av_dict_set(&stream->metadata, "language", "fre", 0);
  EXPECT_EQ(subtitle_track_name(*stream, 2), "French");
  av_dict_set(&stream->metadata, "title", "Director's commentary", 0);
  EXPECT_EQ(subtitle_track_name(*stream, 2), "Director's commentary");
}

// A real film's SRT track, read through a Demuxer: "Hello" for 2 s from about 0.5 s.
TEST(SubtitleDecoderTest, AFilmsSrtTrackGivesItsCues) {
  const test::TempDir dir("seeder-subtitle-decoder");
  const auto path = dir / "film.mkv";
  ASSERT_TRUE(test::make_ac3_film(path, 3)) << "see " << path << ".log";
  test::BytesReader reader(test::read_file(path));
  auto demuxer = Demuxer::open(reader, "film.mkv", {});
  ASSERT_TRUE(demuxer) << demuxer.error().message;
  auto& format = (*demuxer)->format();
  ASSERT_EQ(format.nb_streams, 3u);
  const auto& track = *format.streams[2];
  ASSERT_TRUE(is_text_subtitle(track));
  EXPECT_EQ(subtitle_track_name(track, 1), "English");
  auto decoder = SubtitleDecoder::open(track);
  ASSERT_TRUE(decoder) << decoder.error().message;
  std::vector<SubtitleCue> cues;
  double shown_at = -1;  // the cue's packet's time: ffmpeg puts it a few ms after 0.5 s
  PacketPtr packet(av_packet_alloc());
  while (av_read_frame(&format, packet.get()) >= 0) {
    if (packet->stream_index == 2 && shown_at < 0) shown_at = seconds(packet->pts, track.time_base);
    if (packet->stream_index == 2)
      for (auto& cue : (*decoder)->decode(*packet, 0))
        cues.push_back(std::move(cue));
    av_packet_unref(packet.get());
  }
  ASSERT_EQ(cues.size(), 1u);
  EXPECT_NEAR(shown_at, 0.5, 0.01);
  EXPECT_DOUBLE_EQ(cues[0].start_s, shown_at);
  EXPECT_NEAR(cues[0].end_s, shown_at + 2.0, 1e-9);
  EXPECT_EQ(cues[0].text, "Hello");
}

}  // namespace
}  // namespace seeder::media
