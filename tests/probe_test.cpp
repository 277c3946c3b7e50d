// media::probe's verdicts and JSON (pure), and libavformat through a RandomAccess over a real
// file ffmpeg made: what it reads, and that bad bytes and failing reads are errors, not hangs.
#include "seeder/media/probe.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include "bytes_reader.hpp"
#include "content.hpp"
#include "films.hpp"
#include "json_value.hpp"
#include "temp_dir.hpp"

namespace seeder::media {
namespace {

using namespace std::chrono_literals;

TEST(ProbeTest, BrowsersDecodeTheWebsCodecsAndNotTheFilmOnes) {
  for (const auto* codec : {"h264", "vp9", "av1", "aac", "mp3", "opus", "flac"})
    EXPECT_TRUE(browser_decodes(codec)) << codec;
  for (const auto* codec : {"hevc", "mpeg4", "ac3", "eac3", "dts", "truehd"})
    EXPECT_FALSE(browser_decodes(codec)) << codec;
}

TEST(ProbeTest, TheVerdictSaysWhatABrowserWillDo) {
  MediaInfo info;
  info.container = "matroska,webm";
  StreamInfo video;
  video.kind = StreamInfo::Kind::video;
  video.codec = "h264";
  video.browser_decodes = true;
  StreamInfo audio;
  audio.kind = StreamInfo::Kind::audio;
  audio.codec = "ac3";
  info.streams = {video, audio};
  EXPECT_EQ(browser_verdict(info), "picture without sound");
  info.streams[1].browser_decodes = true;
  EXPECT_EQ(browser_verdict(info), "plays");
  info.streams[0].browser_decodes = false;
  EXPECT_EQ(browser_verdict(info), "does not play") << "HEVC: a black picture";
  info.streams[0].browser_decodes = true;
  info.container = "avi";
  EXPECT_EQ(browser_verdict(info), "does not play") << "no browser opens AVI";
}

TEST(ProbeTest, LanguagesFilmsCarryAreNamedAndOthersAreNot) {
  EXPECT_EQ(language_name("eng"), "English");
  EXPECT_EQ(language_name("fra"), language_name("fre"));
  EXPECT_EQ(language_name("und"), "");
  MediaInfo info;
  StreamInfo sound;
  sound.kind = StreamInfo::Kind::audio;
  sound.language = "ger";
  info.streams = {sound};
  EXPECT_NE(to_json(info).find("\"language\":\"ger\",\"language_name\":\"German\""),
            std::string::npos)
      << to_json(info);
}

class ProbeFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!available()) GTEST_SKIP() << "built without media support";
    ASSERT_EQ(::access(test::kFfmpeg, X_OK), 0) << "ffmpeg is missing (scripts/install-deps.sh)";
    const auto film = dir_.path() / "film.mkv";
    ASSERT_TRUE(test::make_ac3_film(film)) << "ffmpeg failed; see " << film << ".log";
    mkv_ = test::read_file(film);
  }
  test::TempDir dir_{"seeder-probe"};
  std::string mkv_;
};

TEST_F(ProbeFileTest, AMatroskaFilmsStreamsAreRead) {
  test::BytesReader reader(mkv_);
  const auto info = probe(reader, "film.mkv");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->container, "matroska,webm");
  EXPECT_NEAR(info->duration_s, 3.0, 0.2);
  ASSERT_EQ(info->streams.size(), 3u);
  EXPECT_EQ(info->streams[0].codec, "h264");
  EXPECT_EQ(info->streams[0].width, 160);
  EXPECT_EQ(info->streams[1].codec, "ac3");
  EXPECT_EQ(info->streams[1].channels, 6);
  EXPECT_EQ(info->streams[1].language, "eng");
  EXPECT_FALSE(info->streams[1].browser_decodes);
  EXPECT_EQ(info->streams[2].kind, StreamInfo::Kind::subtitle);
  EXPECT_TRUE(info->streams[2].text);
  const auto json = test::parse_json(to_json(*info));
  EXPECT_EQ(json.at("browser").string, "picture without sound");
  EXPECT_EQ(json.at("streams").array.at(1).at("codec").string, "ac3");
}

// An HLS playlist (found by its content, whatever the name) that points at a real film on this
// machine: libavformat would open it, answering with its streams (and, with an http:// URL,
// sending a request anywhere). Nothing but the reader may ever be opened.
TEST_F(ProbeFileTest, AFileThatNamesOtherFilesNeverOpensThem) {
  const auto film = (dir_.path() / "film.mkv").string();
  for (const auto& target : {"file://" + film, film, std::string("http://127.0.0.1:9/x.ts")}) {
    test::BytesReader reader("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n" + target +
                             "\n#EXT-X-ENDLIST\n");
    const auto info = probe(reader, "film.mkv");
    ASSERT_FALSE(info) << target << ": read through the playlist";
    EXPECT_EQ(info.error().code, Errc::upstream) << info.error().message;
  }
}

TEST_F(ProbeFileTest, BytesThatAreNoMediaAreAnUpstreamError) {
  test::BytesReader reader(std::string(200'000, '\x5a'));
  const auto info = probe(reader, "film.mkv");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, Errc::upstream) << info.error().message;
}

TEST_F(ProbeFileTest, AReadThatFailsEndsTheProbeWithItsError) {
  test::BytesReader reader(mkv_);
  reader.fail_from = 0;
  const auto info = probe(reader, "film.mkv");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, Errc::timeout) << info.error().message;
  EXPECT_EQ(reader.reads, 1) << "no read after the first failed";
}

TEST_F(ProbeFileTest, ACutFileIsAnErrorOrWhatWasThereNeverAHang) {
  // Every prefix length a player's early probe could see; each must answer quickly.
  for (const std::size_t cut :
       {std::size_t{0}, std::size_t{16}, std::size_t{4096}, mkv_.size() / 2}) {
    test::BytesReader reader(mkv_.substr(0, cut));
    const auto started = std::chrono::steady_clock::now();
    const auto info = probe(reader, "film.mkv");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s) << cut;
    if (!info) {
      EXPECT_EQ(info.error().code, Errc::upstream) << cut << ": " << info.error().message;
    }
  }
}

}  // namespace
}  // namespace seeder::media
