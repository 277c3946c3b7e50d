// media/demuxer: libavformat over a RandomAccess, alone: what it opens (a film, through nothing
// but the reader; only the whitelisted containers), the reads and seeks libavformat makes through
// the reader, and the errors it answers with (bytes that are no film, the reader's own failure,
// the client gone, the deadline).
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "../src/media/demuxer.hpp"
#include "bytes_reader.hpp"
#include "content.hpp"
#include "films.hpp"
#include "temp_dir.hpp"

extern "C" {
#include <libavutil/dict.h>
#include <libavutil/error.h>
}

namespace seeder::media {
namespace {

class DemuxerTest : public ::testing::Test {
 protected:
  // One 6 s film (H.264 and AAC in Matroska, a keyframe every 2 s) for every test.
  static void SetUpTestSuite() {
    film_.make("seeder-demuxer", [](const auto& path) {
      return test::make_film(path, {"-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac"}, 6);
    });
  }
  static void TearDownTestSuite() { film_.release(); }
  void SetUp() override {
    if (film_.bytes().empty()) GTEST_FAIL() << film_.why_missing();
  }

  static inline test::SuiteFilm film_;
};

TEST_F(DemuxerTest, AFilmOpensThroughTheReaderWithItsStreams) {
  test::BytesReader reader(film_.bytes());
  auto demuxer = Demuxer::open(reader, "film.mkv", {});
  ASSERT_TRUE(demuxer) << demuxer.error().message;
  const auto& format = (*demuxer)->format();
  EXPECT_STREQ(format.iformat->name, "matroska,webm");
  ASSERT_EQ(format.nb_streams, 2u);
  EXPECT_EQ(format.streams[0]->codecpar->codec_id, AV_CODEC_ID_H264);
  EXPECT_EQ(format.streams[0]->codecpar->width, 160);
  EXPECT_EQ(format.streams[1]->codecpar->codec_id, AV_CODEC_ID_AAC);
  EXPECT_GT(reader.reads, 0);
  EXPECT_FALSE((*demuxer)->stopped());
}

TEST_F(DemuxerTest, EveryPacketIsReadToTheEndOfTheFile) {
  test::BytesReader reader(film_.bytes());
  auto demuxer = Demuxer::open(reader, "film.mkv", {});
  ASSERT_TRUE(demuxer) << demuxer.error().message;
  auto& format = (*demuxer)->format();
  AVPacket* packet = av_packet_alloc();
  int video = 0;
  int keyframes = 0;
  int read = 0;
  while ((read = av_read_frame(&format, packet)) >= 0) {
    if (packet->stream_index == 0) {
      ++video;
      if ((packet->flags & AV_PKT_FLAG_KEY) != 0) ++keyframes;
    }
    av_packet_unref(packet);
  }
  av_packet_free(&packet);
  EXPECT_EQ(read, AVERROR_EOF) << av_message(read);
  EXPECT_EQ(video, 150) << "6 s at 25 fps";
  EXPECT_EQ(keyframes, 3) << "one every 2 s";
}

// libavformat's own reads and seeks through the AVIOContext land on the reader's bytes, and
// its size is the reader's.
TEST_F(DemuxerTest, SeeksAndReadsLandOnTheReadersBytes) {
  test::BytesReader reader(film_.bytes());
  auto demuxer = Demuxer::open(reader, "film.mkv", {});
  ASSERT_TRUE(demuxer) << demuxer.error().message;
  auto* io = (*demuxer)->format().pb;
  EXPECT_EQ(avio_size(io), static_cast<std::int64_t>(film_.bytes().size()));
  const auto size = static_cast<std::int64_t>(film_.bytes().size());
  for (const std::int64_t offset : {std::int64_t{0}, size / 2, size - 100, std::int64_t{10}}) {
    ASSERT_EQ(avio_seek(io, offset, SEEK_SET), offset);
    std::string got(100, '\0');
    ASSERT_EQ(avio_read(io, reinterpret_cast<unsigned char*>(got.data()), 100), 100) << offset;
    EXPECT_TRUE(got == film_.bytes().substr(static_cast<std::size_t>(offset), 100)) << offset;
  }
}

TEST_F(DemuxerTest, BytesThatAreNoFilmAreAnUpstreamErrorSayingSo) {
  std::string text;
  while (text.size() < 64 * 1024)
    text += "these bytes are a letter, not a film\n";
  test::BytesReader reader(text);
  const auto demuxer = Demuxer::open(reader, "film.mkv", {});
  ASSERT_FALSE(demuxer);
  EXPECT_EQ(demuxer.error().code, Errc::upstream) << demuxer.error().message;
  EXPECT_EQ(demuxer.error().message.rfind("opening: not a media file libavformat reads (", 0), 0u)
      << demuxer.error().message;
}

// A raw H.264 stream is a film libavformat reads, but not a container a torrent's film comes in.
TEST_F(DemuxerTest, AContainerOffTheListIsRefused) {
  const auto path = film_.dir() / "raw.h264";
  ASSERT_TRUE(test::make_film(path, {"-c:v", "libx264", "-preset", "veryfast"}, 1))
      << "see " << path << ".log";
  test::BytesReader reader(test::read_file(path));
  const auto demuxer = Demuxer::open(reader, "raw.h264", {});
  ASSERT_FALSE(demuxer) << "opened as " << (*demuxer)->format().iformat->name;
  EXPECT_EQ(demuxer.error().code, Errc::upstream) << demuxer.error().message;
}

TEST_F(DemuxerTest, AReadThatFailsIsTheReadersOwnError) {
  test::BytesReader reader(film_.bytes());
  reader.fail_from = 0;
  const auto demuxer = Demuxer::open(reader, "film.mkv", {});
  ASSERT_FALSE(demuxer);
  EXPECT_EQ(demuxer.error().code, Errc::timeout) << demuxer.error().message;
  EXPECT_EQ(demuxer.error().message, "no peer delivered");
}

TEST_F(DemuxerTest, AFailureOnceTheClientLeftIsCancelled) {
  test::BytesReader reader(film_.bytes());
  bool left = false;
  ProbeLimits limits;
  limits.stop = [&] { return left; };
  auto demuxer = Demuxer::open(reader, "film.mkv", limits);
  ASSERT_TRUE(demuxer) << demuxer.error().message;
  EXPECT_EQ((*demuxer)->failure(AVERROR_EXIT, "reading").code, Errc::upstream);
  left = true;
  EXPECT_TRUE((*demuxer)->stopped());
  EXPECT_EQ((*demuxer)->failure(AVERROR_EXIT, "reading").code, Errc::cancelled);
}

// libavformat asks the interrupt callback only now and then (not on every read of a custom
// AVIOContext): past the deadline, either the open or the next failure is a timeout.
TEST_F(DemuxerTest, PastTheDeadlineAFailureIsATimeout) {
  test::BytesReader reader(film_.bytes());
  ProbeLimits limits;
  limits.deadline = std::chrono::milliseconds(-1);
  const auto demuxer = Demuxer::open(reader, "film.mkv", limits);
  const auto error = demuxer ? (*demuxer)->failure(AVERROR_EXIT, "reading") : demuxer.error();
  EXPECT_EQ(error.code, Errc::timeout) << error.message;
  EXPECT_NE(error.message.find("took too long"), std::string::npos) << error.message;
}

TEST_F(DemuxerTest, LibavErrorsAreUpstreamWithTheStepAndLibavsReason) {
  const auto error = av_error(AVERROR_INVALIDDATA, "reading the index");
  EXPECT_EQ(error.code, Errc::upstream);
  EXPECT_EQ(error.message, "reading the index: Invalid data found when processing input");
  EXPECT_EQ(av_message(AVERROR_EOF), "End of file");
}

TEST_F(DemuxerTest, AMetadataTagIsItsValueOrEmpty) {
  AVDictionary* tags = nullptr;
  av_dict_set(&tags, "language", "fre", 0);
  EXPECT_EQ(metadata_tag(tags, "language"), "fre");
  EXPECT_EQ(metadata_tag(tags, "title"), "");
  EXPECT_EQ(metadata_tag(nullptr, "title"), "");
  av_dict_free(&tags);
}

}  // namespace
}  // namespace seeder::media
