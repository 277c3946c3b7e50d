// media/remux_parts: the HLS remux's parts, each alone. SegmentCollector on packets made here
// (which are segment n's: copied, decoded with leading pictures, without presentation times);
// AudioConverter and FragmentMuxer on a real film's packets read through a Demuxer (AAC frames on
// the file's grid, segments that join; an init segment and a fragment at the source's times).
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../src/media/demuxer.hpp"
#include "../src/media/remux_parts.hpp"
#include "bytes_reader.hpp"
#include "content.hpp"
#include "films.hpp"
#include "temp_dir.hpp"

namespace seeder::media {
namespace {

constexpr double kRemuxPartsInfinity = std::numeric_limits<double>::infinity();

// A format context with a video stream (0) and a sound stream (1), both in milliseconds.
class RemuxPartsFormat {
 public:
  RemuxPartsFormat() : context_(avformat_alloc_context()) {
    for (const auto type : {AVMEDIA_TYPE_VIDEO, AVMEDIA_TYPE_AUDIO}) {
      auto* stream = avformat_new_stream(context_.get(), nullptr);
      stream->codecpar->codec_type = type;
      stream->time_base = {1, 1000};
    }
  }
  const AVFormatContext& operator*() const { return *context_; }

 private:
  struct Free {
    void operator()(AVFormatContext* context) const { avformat_free_context(context); }
  };
  std::unique_ptr<AVFormatContext, Free> context_;
};

// A packet of `stream` at `ms` (presentation time; decode time too unless `untimed`: then only
// the decode time, as AVI has it).
PacketPtr remux_parts_packet(int stream, std::int64_t ms, bool key = false, bool untimed = false) {
  PacketPtr packet(av_packet_alloc());
  packet->stream_index = stream;
  packet->pts = untimed ? AV_NOPTS_VALUE : ms;
  packet->dts = ms;
  if (key) packet->flags |= AV_PKT_FLAG_KEY;
  return packet;
}

// Presentation times (ms) of the collected packets.
std::vector<std::int64_t> remux_parts_times(const std::vector<PacketPtr>& packets) {
  std::vector<std::int64_t> times;
  for (const auto& packet : packets)
    times.push_back(packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts);
  return times;
}

class RemuxPartsTest : public ::testing::Test {
 protected:
  // One 6 s film (H.264, a keyframe every 2 s; AC-3 5.1 at 48 kHz; an SRT track) for the tests
  // of the converter and the muxer.
  static void SetUpTestSuite() {
    film_.make("seeder-remux-parts", [](const auto& path) { return test::make_ac3_film(path, 6); });
  }
  static void TearDownTestSuite() { film_.release(); }

  // The film, opened; false (and a test failure) when it could not be.
  bool open_film() {
    if (film_.bytes().empty()) {
      ADD_FAILURE() << film_.why_missing();
      return false;
    }
    reader_ = std::make_unique<test::BytesReader>(film_.bytes());
    auto opened = Demuxer::open(*reader_, "film.mkv", {});
    EXPECT_TRUE(opened) << opened.error().message;
    if (!opened) return false;
    demuxer_ = std::move(*opened);
    return true;
  }
  AVFormatContext& format() { return demuxer_->format(); }
  const AVStream& stream(int index) { return *format().streams[index]; }
  // Every packet of the film from its start, each handed to `take`, until `done()`.
  template <typename Take, typename Done>
  void read_film(Take take, Done done) {
    av_seek_frame(&format(), -1, 0, AVSEEK_FLAG_BACKWARD);
    PacketPtr packet(av_packet_alloc());
    while (!done() && av_read_frame(&format(), packet.get()) >= 0) {
      take(*packet);
      av_packet_unref(packet.get());
    }
  }
  // Every sound packet of the film.
  std::vector<PacketPtr> film_sound() {
    std::vector<PacketPtr> sound;
    read_film(
        [&](const AVPacket& packet) {
          if (packet.stream_index == 1) sound.emplace_back(av_packet_clone(&packet));
        },
        [] { return false; });
    return sound;
  }
  // The AAC frames of `window`, from a fresh converter of the film's sound to `channels`.
  std::vector<PacketPtr> converted(SegmentWindow window, int channels = 2) {
    auto converter = AudioConverter::open(stream(1), channels);
    EXPECT_TRUE(converter) << converter.error().message;
    if (!converter) return {};
    auto made = (*converter)->convert(film_sound(), window);
    EXPECT_TRUE(made) << made.error().message;
    return made ? std::move(*made) : std::vector<PacketPtr>{};
  }
  // Grid sample 0's pts (1/48000): the sound's first sample.
  std::int64_t sound_origin() {
    const auto& sound = stream(1);
    return sound.start_time != AV_NOPTS_VALUE
               ? std::llround(seconds(sound.start_time, sound.time_base) * 48'000)
               : 0;
  }

  static inline test::SuiteFilm film_;
  std::unique_ptr<test::BytesReader> reader_;
  std::unique_ptr<Demuxer> demuxer_;
};

// Video every 0.5 s (a keyframe every 2 s), sound every 0.25 s, interleaved; segment [2, 4).
TEST_F(RemuxPartsTest, ACopiedSegmentIsItsKeyframeToTheNextAndItsSoundWithHalfASecondAround) {
  const RemuxPartsFormat format;
  SegmentCollector collector(*format, 0, 1, {2.0, 4.0, 2.0});
  std::int64_t stopped_at = -1;
  for (std::int64_t ms = 0; ms <= 8000 && stopped_at < 0; ms += 250) {
    if (ms % 500 == 0) collector.take(*remux_parts_packet(0, ms, ms % 2000 == 0));
    collector.take(*remux_parts_packet(1, ms));
    if (collector.done()) stopped_at = ms;
  }
  EXPECT_EQ(remux_parts_times(collector.video()),
            (std::vector<std::int64_t>{2000, 2500, 3000, 3500}));
  EXPECT_EQ(remux_parts_times(collector.audio()),
            (std::vector<std::int64_t>{1500, 1750, 2000, 2250, 2500, 2750, 3000, 3250, 3500, 3750,
                                       4000, 4250}));
  EXPECT_EQ(stopped_at, 4500) << "done at the first sound past the end and its half second";
  EXPECT_TRUE(collector.has_video());
  EXPECT_FALSE(collector.untimed());
  EXPECT_EQ(collector.keyframes(), 1);
  EXPECT_DOUBLE_EQ(collector.shown().start_s, 2.0);
  EXPECT_DOUBLE_EQ(collector.shown().end_s, 4.0);
}

// Decoded (an open GOP): past the end keyframe, the pictures shown before it are the segment's,
// up to the first shown after it.
TEST_F(RemuxPartsTest, ADecodedSegmentTakesThePicturesShownBeforeItsEndKeyframe) {
  const RemuxPartsFormat format;
  SegmentCollector collector(*format, 0, -1, {2.0, 4.0, 2.0}, true);
  // Decode order: the keyframe at 4 s, then a picture shown before it, then one after it.
  for (const auto& [ms, key] : std::vector<std::pair<std::int64_t, bool>>{{1500, false},
                                                                          {2000, true},
                                                                          {3000, true},
                                                                          {3500, false},
                                                                          {4000, true},
                                                                          {3750, false},
                                                                          {4500, false},
                                                                          {4250, false}}) {
    collector.take(*remux_parts_packet(0, ms, key));
  }
  EXPECT_TRUE(collector.done());
  EXPECT_EQ(remux_parts_times(collector.video()),
            (std::vector<std::int64_t>{2000, 3000, 3500, 4000, 3750}));
  EXPECT_EQ(collector.keyframes(), 2) << "its first and the one inside it";
  EXPECT_DOUBLE_EQ(collector.shown().end_s, 4.0);
}

// AVI: decode times only. Which pictures past the end keyframe are shown before it is unknown:
// a few are taken.
TEST_F(RemuxPartsTest, WithoutPresentationTimesAFewPacketsPastTheEndKeyframeAreTaken) {
  const RemuxPartsFormat format;
  SegmentCollector collector(*format, 0, -1, {2.0, 4.0, 2.0}, true);
  for (std::int64_t ms = 2000; ms <= 6000; ms += 250)
    collector.take(*remux_parts_packet(0, ms, ms % 2000 == 0, true));
  EXPECT_TRUE(collector.untimed());
  // 2.00 to 3.75, the end keyframe at 4.00, then four more.
  EXPECT_EQ(collector.video().size(), 8u + 1u + SegmentCollector::kUntimedLeading);
}

TEST_F(RemuxPartsTest, NoKeyframeWhereTheIndexSaysGivesNoVideo) {
  const RemuxPartsFormat format;
  SegmentCollector collector(*format, 0, -1, {2.0, 4.0, 2.0});
  for (std::int64_t ms = 0; ms <= 6000; ms += 500)
    collector.take(*remux_parts_packet(0, ms, ms == 0 || ms == 5000));
  EXPECT_FALSE(collector.has_video());
  EXPECT_TRUE(collector.done());
}

// A file whose sound stops (or lags far behind): the read ends 3 s past the segment anyway.
TEST_F(RemuxPartsTest, TheReadEndsWhenAStreamIsFarPastTheEndEvenWithoutTheOther) {
  const RemuxPartsFormat format;
  SegmentCollector collector(*format, 0, 1, {2.0, 4.0, 2.0});
  std::int64_t stopped_at = -1;
  for (std::int64_t ms = 2000; ms <= 10'000 && stopped_at < 0; ms += 500) {
    collector.take(*remux_parts_packet(0, ms, ms % 2000 == 0));
    if (collector.done()) stopped_at = ms;
  }
  EXPECT_EQ(stopped_at, 7500);
}

// Frames of 1024 samples counted from the sound's first: [2, 4) s at 48 kHz holds frames 94
// (starting at 2.0053 s) to 187.
TEST_F(RemuxPartsTest, ConvertedSoundIsTheAacFramesStartingInTheSegment) {
  ASSERT_TRUE(open_film());
  const auto frames = converted({2.0, 4.0, 2.0});
  ASSERT_EQ(frames.size(), 94u);
  EXPECT_EQ(frames.front()->pts, sound_origin() + 94 * 1024);
  for (std::size_t i = 1; i < frames.size(); ++i) {
    ASSERT_EQ(frames[i]->pts - frames[i - 1]->pts, 1024) << i;
    ASSERT_EQ(frames[i]->dts, frames[i]->pts) << i;
  }
}

TEST_F(RemuxPartsTest, SegmentsConvertedApartJoinWithoutAGapOrAnOverlap) {
  ASSERT_TRUE(open_film());
  const auto first = converted({0.0, 2.0, -kRemuxPartsInfinity});
  const auto second = converted({2.0, 4.0, 2.0});
  const auto last = converted({4.0, kRemuxPartsInfinity, 4.0});
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  ASSERT_FALSE(last.empty());
  EXPECT_EQ(first.front()->pts, sound_origin());
  EXPECT_EQ(first.back()->pts + 1024, second.front()->pts);
  EXPECT_EQ(second.back()->pts + 1024, last.front()->pts);
  EXPECT_GE(last.back()->pts + 1024, sound_origin() + 6 * 48'000) << "to the end of the sound";
}

TEST_F(RemuxPartsTest, SoundIsConvertedToTheChannelsAsked) {
  ASSERT_TRUE(open_film());
  for (const int channels : {2, 6}) {
    auto converter = AudioConverter::open(stream(1), channels);
    ASSERT_TRUE(converter) << channels << ": " << converter.error().message;
    EXPECT_EQ((*converter)->encoder().ch_layout.nb_channels, channels);
    EXPECT_EQ((*converter)->encoder().codec_id, AV_CODEC_ID_AAC);
    EXPECT_EQ((*converter)->encoder().sample_rate, 48'000);
  }
}

// The init segment and segment [2, 4)'s fragment, read back as one mp4: the segment's pictures
// and frames, at the source's times plus the shift.
TEST_F(RemuxPartsTest, AFragmentHoldsTheSegmentAtTheSourcesTimesPlusTheShift) {
  ASSERT_TRUE(open_film());
  auto muxer = FragmentMuxer::open(stream(0), &stream(1), 2);
  ASSERT_TRUE(muxer) << muxer.error().message;
  const auto init = (*muxer)->take_header();
  ASSERT_GT(init.size(), 8u);
  EXPECT_EQ(init.substr(4, 4), "ftyp");
  EXPECT_NE(init.find("moov"), std::string::npos);

  const SegmentWindow window{2.0, 4.0, 2.0};
  SegmentCollector collector(format(), 0, 1, window);
  read_film([&](const AVPacket& packet) { collector.take(packet); },
            [&] { return collector.done(); });
  // The segment's pictures: from the keyframe just after 2 s to the one just after 4 s (the
  // muxer puts the pictures a few milliseconds late).
  const auto pictures = collector.video().size();
  ASSERT_EQ(pictures, 50u);
  double earliest = kRemuxPartsInfinity;
  double latest = -kRemuxPartsInfinity;
  for (const auto& packet : collector.video()) {
    earliest = std::min(earliest, seconds(packet->pts, stream(0).time_base));
    latest = std::max(latest, seconds(packet->pts, stream(0).time_base));
  }
  constexpr double kShift = 0.16;
  ASSERT_TRUE((*muxer)->write_video(collector.video(), kShift));
  ASSERT_TRUE((*muxer)->write_audio(collector.audio(), stream(1), window, kShift));
  const auto fragment = (*muxer)->finish_fragment();
  ASSERT_TRUE(fragment) << fragment.error().message;
  EXPECT_EQ(fragment->substr(4, 4), "moof");
  EXPECT_NE(fragment->find("mdat"), std::string::npos);

  test::BytesReader joined(init + *fragment);
  auto back = Demuxer::open(joined, "segment.mp4", {});
  ASSERT_TRUE(back) << back.error().message;
  auto& mp4 = (*back)->format();
  ASSERT_EQ(mp4.nb_streams, 2u);
  std::vector<double> video;
  std::vector<double> sound;
  PacketPtr packet(av_packet_alloc());
  while (av_read_frame(&mp4, packet.get()) >= 0) {
    const double at = seconds(packet->pts, mp4.streams[packet->stream_index]->time_base);
    (packet->stream_index == 0 ? video : sound).push_back(at);
    av_packet_unref(packet.get());
  }
  ASSERT_EQ(video.size(), pictures);
  EXPECT_NEAR(*std::min_element(video.begin(), video.end()), earliest + kShift, 1e-3);
  EXPECT_NEAR(*std::max_element(video.begin(), video.end()), latest + kShift, 1e-3);
  ASSERT_EQ(sound.size(), 94u);
  EXPECT_NEAR(sound.front(), (sound_origin() + 94 * 1024) / 48'000.0 + kShift, 1e-3);
}

}  // namespace
}  // namespace seeder::media
