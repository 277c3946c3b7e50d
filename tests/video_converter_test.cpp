// media/video_converter: one segment of a real MPEG-4 Part 2 film (B-frames, a keyframe about
// every 2 s, read through a Demuxer and a SegmentCollector) converted to H.264: every frame shown
// in the segment once, in order, starting with its only keyframe; the encoder's picture; a client
// that left and a deadline end it.
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../src/media/demuxer.hpp"
#include "../src/media/remux_parts.hpp"
#include "../src/media/video_converter.hpp"
#include "bytes_reader.hpp"
#include "content.hpp"
#include "films.hpp"
#include "temp_dir.hpp"

namespace seeder::media {
namespace {

class VideoConverterTest : public ::testing::Test {
 protected:
  // One 6 s film of MPEG-4 Part 2 with B-frames (what old film torrents carry) for every test.
  static void SetUpTestSuite() {
    film_.make("seeder-video-converter", [](const auto& path) {
      return test::make_film(path, {"-c:v", "mpeg4", "-bf", "2", "-q:v", "4", "-c:a", "aac"}, 6);
    });
  }
  static void TearDownTestSuite() { film_.release(); }
  void SetUp() override {
    if (film_.bytes().empty()) GTEST_FAIL() << film_.why_missing();
    reader_ = std::make_unique<test::BytesReader>(film_.bytes());
    auto opened = Demuxer::open(*reader_, "film.mkv", {});
    ASSERT_TRUE(opened) << opened.error().message;
    demuxer_ = std::move(*opened);
    ASSERT_EQ(source().codecpar->codec_id, AV_CODEC_ID_MPEG4);
    // The segment from the second keyframe to the third (the encoder puts them about 2 s
    // apart), and the times of the frames shown in it, as the file has them.
    std::vector<std::int64_t> keyframes;
    std::vector<std::int64_t> times;
    PacketPtr packet(av_packet_alloc());
    while (av_read_frame(&format(), packet.get()) >= 0) {
      if (packet->stream_index == 0) {
        times.push_back(packet->pts);
        if ((packet->flags & AV_PKT_FLAG_KEY) != 0) keyframes.push_back(packet->pts);
      }
      av_packet_unref(packet.get());
    }
    ASSERT_GE(keyframes.size(), 3u);
    const auto base = source().time_base;
    window_ = {seconds(keyframes[1], base), seconds(keyframes[2], base),
               seconds(keyframes[1], base)};
    std::sort(times.begin(), times.end());
    for (const auto time : times)
      if (time >= keyframes[1] && time < keyframes[2]) shown_.push_back(time);
    ASSERT_GE(av_seek_frame(&format(), -1, 0, AVSEEK_FLAG_BACKWARD), 0);
  }

  AVFormatContext& format() { return demuxer_->format(); }
  const AVStream& source() { return *format().streams[0]; }
  // The segment's packets as the remux collects them for a conversion.
  std::unique_ptr<SegmentCollector> collect() {
    auto collector = std::make_unique<SegmentCollector>(format(), 0, -1, window_, true);
    PacketPtr packet(av_packet_alloc());
    while (!collector->done() && av_read_frame(&format(), packet.get()) >= 0) {
      collector->take(*packet);
      av_packet_unref(packet.get());
    }
    EXPECT_TRUE(collector->has_video());
    return collector;
  }
  // The segment converted by a fresh converter.
  Result<std::vector<PacketPtr>> convert(
      const std::function<bool()>& stop = {},
      std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::now() +
                                                       std::chrono::seconds(30)) {
    auto collector = collect();
    auto converter = VideoConverter::open(format(), source());
    if (!converter) return converter.error();
    return (*converter)
        ->convert(collector->video(), collector->shown(),
                  collector->untimed() ? collector->keyframes() : 0, stop, deadline);
  }

  static inline test::SuiteFilm film_;
  std::unique_ptr<test::BytesReader> reader_;
  std::unique_ptr<Demuxer> demuxer_;
  SegmentWindow window_;
  std::vector<std::int64_t> shown_;  // the presentation times of the segment's frames, in order
};

TEST_F(VideoConverterTest, WhatBrowsersLackIsConvertedAndH264IsNot) {
  EXPECT_TRUE(VideoConverter::converts(AV_CODEC_ID_HEVC));
  EXPECT_TRUE(VideoConverter::converts(AV_CODEC_ID_MPEG4));
  EXPECT_TRUE(VideoConverter::converts(AV_CODEC_ID_MPEG2VIDEO));
  EXPECT_FALSE(VideoConverter::converts(AV_CODEC_ID_H264));
  EXPECT_FALSE(VideoConverter::converts(AV_CODEC_ID_PRORES));
  EXPECT_FALSE(VideoConverter::converts(AV_CODEC_ID_NONE));
}

TEST_F(VideoConverterTest, TheEncoderIsH264OfTheSourcesPicture) {
  auto converter = VideoConverter::open(format(), source());
  ASSERT_TRUE(converter) << converter.error().message;
  const auto& encoder = (*converter)->encoder();
  EXPECT_EQ(encoder.codec_id, AV_CODEC_ID_H264);
  EXPECT_EQ(encoder.width, 160);
  EXPECT_EQ(encoder.height, 120);
  EXPECT_EQ(encoder.pix_fmt, AV_PIX_FMT_YUV420P);
  EXPECT_EQ(encoder.max_b_frames, 0);
  EXPECT_GT(encoder.extradata_size, 0) << "SPS and PPS for the init segment";
}

// Whatever the decode order (B-frames; the pictures shown before the end keyframe come after
// it), each frame shown in the segment once, in order, lasting to the next (25 fps: 40 ms).
TEST_F(VideoConverterTest, ASegmentIsEveryFrameShownInItOnceInOrder) {
  ASSERT_GE(shown_.size(), 40u);
  const auto made = convert();
  ASSERT_TRUE(made) << made.error().message;
  ASSERT_EQ(made->size(), shown_.size());
  for (std::size_t i = 0; i < made->size(); ++i) {
    const auto& packet = *(*made)[i];
    EXPECT_EQ(packet.pts, shown_[i]) << i;
    EXPECT_EQ(packet.dts, packet.pts) << i;
    EXPECT_EQ(packet.duration, 40) << i;
  }
}

TEST_F(VideoConverterTest, TheSegmentStartsWithItsOnlyKeyframe) {
  const auto made = convert();
  ASSERT_TRUE(made) << made.error().message;
  ASSERT_FALSE(made->empty());
  int keyframes = 0;
  for (const auto& packet : *made)
    keyframes += (packet->flags & AV_PKT_FLAG_KEY) != 0 ? 1 : 0;
  EXPECT_NE(made->front()->flags & AV_PKT_FLAG_KEY, 0);
  EXPECT_EQ(keyframes, 1);
}

TEST_F(VideoConverterTest, AClientThatLeftEndsTheConversionAsCancelled) {
  const auto made = convert([] { return true; });
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, Errc::cancelled) << made.error().message;
}

TEST_F(VideoConverterTest, PastItsDeadlineTheConversionTimesOut) {
  const auto made = convert({}, std::chrono::steady_clock::now() - std::chrono::seconds(1));
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, Errc::timeout) << made.error().message;
}

}  // namespace
}  // namespace seeder::media
