// media/hls_remux: the remux of a real Matroska film with H.264 and AC-3 5.1 (what film torrents
// carry) through a RandomAccess over its bytes: segments made apart join into one continuous film,
// audio on an unbroken grid of AAC frames.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "bytes_reader.hpp"
#include "content.hpp"
#include "films.hpp"
#include "process.hpp"
#include "seeder/media/hls.hpp"
#include "temp_dir.hpp"

namespace seeder::media {
namespace {

class HlsRemuxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    film_.make("seeder-hls-remux", [](const auto& path) { return test::make_ac3_film(path, 20); });
  }
  static void TearDownTestSuite() { film_.release(); }
  void SetUp() override {
    if (!available()) GTEST_SKIP() << "built without media support";
    if (film_.bytes().empty()) GTEST_FAIL() << film_.why_missing();
  }
  // The init segment and every segment of `name`, each made alone and the last first, joined
  // as a player appends them, in a file beside the film; empty (and a test failure) when one
  // could not be made.
  static std::filesystem::path remux_whole(media::RandomAccess& reader, const std::string& name,
                                           const RemuxOptions& options = {}) {
    const auto layout = hls_layout(reader, name, {}, options);
    EXPECT_TRUE(layout) << (layout ? "" : layout.error().message);
    auto init = hls_init(reader, name, {}, options);
    EXPECT_TRUE(init) << (init ? "" : init.error().message);
    if (!layout || !init) return {};
    std::vector<std::string> made(layout->segments.size());
    for (int n = static_cast<int>(made.size()) - 1; n >= 0; --n) {
      auto segment = hls_segment(reader, name, n, {}, options);
      EXPECT_TRUE(segment) << n << ": " << (segment ? "" : segment.error().message);
      if (!segment) return {};
      made[static_cast<std::size_t>(n)] = std::move(*segment);
    }
    std::string joined = std::move(*init);
    for (const auto& segment : made)
      joined += segment;
    const auto path = film_.dir() / (name + ".joined.mp4");
    test::write_file(path, joined);
    return path;
  }
  // ffprobe's packets of `file`: stream index -> pts (in the stream's time base).
  static std::map<int, std::vector<long long>> packets_of(const std::filesystem::path& file) {
    const auto out = file.string() + ".packets";
    test::ChildProcess probe(
        {"/usr/bin/ffprobe", "-v", "error", "-show_entries", "packet=stream_index,pts", "-of",
         "csv=p=0", "-o", out, file.string()},
        file.string() + ".log");
    EXPECT_EQ(probe.wait_exit(std::chrono::seconds(60)), 0);
    std::map<int, std::vector<long long>> packets;
    std::istringstream lines(test::read_file(out));
    std::string line;
    while (std::getline(lines, line)) {
      const auto comma = line.find(',');
      if (comma == std::string::npos) continue;
      // "N/A" where the container has no presentation time (AVI with B-frames): counted as -1.
      const auto pts = line.substr(comma + 1);
      packets[std::stoi(line.substr(0, comma))].push_back(pts.starts_with("N/A") ? -1
                                                                                 : std::stoll(pts));
    }
    return packets;
  }
  static inline test::SuiteFilm film_;
};

TEST_F(HlsRemuxTest, TheIndexCutsTheFilmAtItsKeyframes) {
  test::BytesReader reader(film_.bytes());
  const auto layout = hls_layout(reader, "film.mkv");
  ASSERT_TRUE(layout) << layout.error().message;
  const auto* segments = &layout->segments;
  ASSERT_GE(segments->size(), 3u);
  double total = 0;
  for (std::size_t n = 0; n < segments->size(); ++n) {
    const auto& segment = (*segments)[n];
    // Keyframes every 2 s from 5 ms on (x264's first frame), as far as the Cues list them.
    const double since_keyframe = std::fmod(segment.start_s - 0.005, 2.0);
    EXPECT_TRUE(since_keyframe < 0.001 || since_keyframe > 1.999) << n << ": " << segment.start_s;
    if (n + 1 < segments->size()) {
      EXPECT_GE(segment.duration_s, 6 - 0.001) << n;
    }
    total += segment.duration_s;
  }
  EXPECT_NEAR((*segments)[0].start_s, 0.005, 0.001);
  EXPECT_NEAR(total, 20 - 0.005, 0.05);
  // The head, the first seconds (libavformat reads some packets to know its streams) and the
  // Cues: not the film.
  EXPECT_LT(reader.bytes_read, film_.bytes().size() / 2);
}

TEST_F(HlsRemuxTest, SegmentsMadeApartJoinIntoTheWholeFilm) {
  test::BytesReader reader(film_.bytes());
  const auto path = remux_whole(reader, "film.mkv");
  ASSERT_FALSE(path.empty());
  auto packets = packets_of(path);
  ASSERT_EQ(packets.size(), 2u) << "video and audio";
  auto& video = packets[0];
  EXPECT_EQ(video.size(), 500u) << "every frame of 20 s at 25 fps, once";
  std::sort(video.begin(), video.end());
  EXPECT_EQ(std::adjacent_find(video.begin(), video.end()), video.end()) << "no frame twice";
  const auto& audio = packets[1];
  // 20 s at 48 kHz in AAC frames of 1024 samples, the last one short.
  EXPECT_NEAR(static_cast<double>(audio.size()), 960'000.0 / 1024, 1.0);
  for (std::size_t i = 1; i < audio.size(); ++i)
    ASSERT_EQ(audio[i] - audio[i - 1], 1024) << "a gap or an overlap at audio packet " << i;
  // And the joined film decodes.
  test::ChildProcess decode(
      {"/usr/bin/ffmpeg", "-nostdin", "-v", "error", "-i", path.string(), "-f", "null", "-"},
      (film_.dir() / "decode.log").string());
  EXPECT_EQ(decode.wait_exit(std::chrono::seconds(60)), 0);
  EXPECT_EQ(test::read_file(film_.dir() / "decode.log"), "") << "decoding errors";
}

TEST_F(HlsRemuxTest, TheSameSegmentIsTheSameBytesAndReadsOnlyItsPart) {
  test::BytesReader reader(film_.bytes());
  auto first = hls_segment(reader, "film.mkv", 1);
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(hls_segment(reader, "film.mkv", 0));
  auto again = hls_segment(reader, "film.mkv", 1);
  ASSERT_TRUE(again);
  EXPECT_EQ(*first, *again);
  EXPECT_EQ(hls_segment(reader, "film.mkv", 4).error().code, Errc::not_found);
}

// The film's SRT track (a cue every 4 s, films.hpp) is a WebVTT rendition cut on the video's
// segments: each segment holds the cues that start in it, timed on the fMP4 segments' timeline
// (what the WebVTT's X-TIMESTAMP-MAP says), so they show with their frames.
TEST_F(HlsRemuxTest, EmbeddedSubtitlesAreCutOnTheVideosSegments) {
  test::BytesReader reader(film_.bytes());
  const auto layout = hls_layout(reader, "film.mkv");
  ASSERT_TRUE(layout) << layout.error().message;
  ASSERT_EQ(layout->subtitles.size(), 1u);
  const auto& track = layout->subtitles[0];
  EXPECT_EQ(track.stream, 2);
  EXPECT_EQ(track.name, "English");
  EXPECT_EQ(track.language, "eng");

  // Where the remux put the film's first frame: the fMP4 timeline's offset from the source's.
  auto init = hls_init(reader, "film.mkv");
  auto first = hls_segment(reader, "film.mkv", 0);
  ASSERT_TRUE(init && first);
  const auto head = film_.dir() / "head.mp4";
  test::write_file(head, *init + *first);
  const auto times = film_.dir() / "head.times";
  test::ChildProcess probe(
      {"/usr/bin/ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
       "packet=pts_time", "-of", "csv=p=0", "-o", times.string(), head.string()},
      head.string() + ".log");
  ASSERT_EQ(probe.wait_exit(std::chrono::seconds(60)), 0);
  std::istringstream lines(test::read_file(times));
  double first_frame = 1e9;
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) first_frame = std::min(first_frame, std::stod(line));
  const double shift = first_frame - layout->segments[0].start_s;

  // Each segment holds every cue shown during it (RFC 8216), once; a cue running across a
  // boundary is in both segments.
  std::set<std::pair<double, std::string>> cues;  // start on the source's timeline, text
  int held = 0;
  for (std::size_t n = 0; n < layout->segments.size(); ++n) {
    const auto vtt = hls_subtitle_segment(reader, "film.mkv", track.stream, static_cast<int>(n));
    ASSERT_TRUE(vtt) << n << ": " << vtt.error().message;
    ASSERT_TRUE(vtt->starts_with("WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n"))
        << *vtt;
    std::istringstream text(*vtt);
    for (std::string line; std::getline(text, line);) {
      if (line.find(" --> ") == std::string::npos) continue;
      const auto seconds_at = [&](std::size_t at) {
        return std::stoi(line.substr(at, 2)) * 3600 + std::stoi(line.substr(at + 3, 2)) * 60 +
               std::stod(line.substr(at + 6, 6)) - shift;
      };
      const double start = seconds_at(0);
      const double end = seconds_at(17);
      std::string words;
      std::getline(text, words);
      const auto& segment = layout->segments[n];
      if (n > 0) {
        EXPECT_GT(end, segment.start_s) << n << ": " << line;
      }
      if (n + 1 < layout->segments.size()) {
        EXPECT_LT(start, segment.start_s + segment.duration_s) << n << ": " << line;
      }
      cues.emplace(std::round(start * 1000) / 1000, words);
      ++held;
    }
  }
  ASSERT_EQ(cues.size(), 5u) << "every cue";
  // Line 1 (4.5-6.5 s) runs across the first boundary (about 6 s): in segments 0 and 1 both.
  EXPECT_EQ(held, 6);
  int k = 0;
  for (const auto& [start, words] : cues) {
    // ffmpeg wrote the film 5 ms late, every stream alike (its first frame at 0.005 s).
    EXPECT_NEAR(start, 0.505 + 4.0 * k, 0.002) << k;
    EXPECT_EQ(words, k == 0 ? "Hello" : "<i>Line " + std::to_string(k) + "</i>");
    ++k;
  }
  EXPECT_EQ(hls_subtitle_segment(reader, "film.mkv", 1, 0).error().code, Errc::not_found)
      << "stream 1 is the sound";
  EXPECT_EQ(hls_subtitle_segment(reader, "film.mkv", track.stream, 99).error().code,
            Errc::not_found);
}

// ffprobe's `entries` of the stream `selected` ("a:0") of `file`, comma-separated.
std::string stream_entries(const std::filesystem::path& file, const std::string& selected,
                           const std::string& entries) {
  const auto out = file.string() + "." + selected + ".entries";
  test::ChildProcess probe({"/usr/bin/ffprobe", "-v", "error", "-select_streams", selected,
                            "-show_entries", entries, "-of", "csv=p=0", "-o", out, file.string()},
                           out + ".log");
  EXPECT_EQ(probe.wait_exit(std::chrono::seconds(60)), 0);
  auto text = test::read_file(out);
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  return text;
}

// "<codec>,<sample rate>,<channels>" of the sound of `name`'s init segment and segment 0 made
// with `sound`, as ffprobe reads them.
std::string sound_of(media::RandomAccess& reader, const std::filesystem::path& dir,
                     const std::string& name, Sound sound) {
  auto init = hls_init(reader, name, {}, {sound});
  auto first = hls_segment(reader, name, 0, {}, {sound});
  EXPECT_TRUE(init) << (init ? "" : init.error().message);
  EXPECT_TRUE(first) << (first ? "" : first.error().message);
  if (!init || !first) return {};
  const auto head =
      dir / (name + "-" + std::to_string(sound.stream) + (sound.surround ? "-6" : "") + ".mp4");
  test::write_file(head, *init + *first);
  return stream_entries(head, "a:0", "stream=codec_name,sample_rate,channels");
}

// A dubbed film (films.hpp): the remux carries the sound track asked for, the default one when
// none is; a stream that is no sound is not found.
TEST_F(HlsRemuxTest, TheSoundTrackAskedForIsTheOneCarried) {
  const auto path = film_.dir() / "dubbed.mkv";
  ASSERT_TRUE(test::make_dubbed_film(path, 8));
  test::BytesReader reader(test::read_file(path));
  const auto sound = [&](int stream) {
    return sound_of(reader, film_.dir(), "dubbed.mkv", {stream});
  };
  EXPECT_EQ(sound(kDefaultAudio), "aac,48000,2") << "the English AAC, copied";
  EXPECT_EQ(sound(2), "aac,44100,2") << "the French AC-3, made AAC";
  EXPECT_EQ(sound(1), sound(kDefaultAudio));
  EXPECT_EQ(hls_init(reader, "dubbed.mkv", {}, {Sound{0}}).error().code, Errc::not_found)
      << "the picture";
  EXPECT_EQ(hls_segment(reader, "dubbed.mkv", 0, {}, {Sound{7}}).error().code, Errc::not_found);
}

// Converted sound is stereo unless 5.1 is asked for; then it is 5.1 where the source has six
// channels, and stereo where it has fewer (no upmix). Copied AAC keeps its channels.
TEST_F(HlsRemuxTest, ConvertedSoundIsFivePointOneWhereAskedForAndTheSourceHasIt) {
  test::BytesReader film(film_.bytes());  // AC-3 5.1
  EXPECT_EQ(sound_of(film, film_.dir(), "film.mkv", {}), "aac,48000,2");
  EXPECT_EQ(sound_of(film, film_.dir(), "film.mkv", {kDefaultAudio, true}), "aac,48000,6");
  const auto path =
      film_.dir() / "dubbed-too.mkv";  // the suite's dir: another name than dubbed.mkv
  ASSERT_TRUE(test::make_dubbed_film(path, 8));
  test::BytesReader dubbed(test::read_file(path));
  EXPECT_EQ(sound_of(dubbed, film_.dir(), "dubbed-too.mkv", {2, true}), "aac,44100,2")
      << "AC-3 mono";
  EXPECT_EQ(sound_of(dubbed, film_.dir(), "dubbed-too.mkv", {kDefaultAudio, true}), "aac,48000,2")
      << "AAC stereo, copied";
}

// The codec of `file`'s first video stream, as ffprobe names it.
std::string video_codec_of(const std::filesystem::path& file) {
  return stream_entries(file, "v:0", "stream=codec_name");
}

// Video browsers cannot decode, converted (--transcode-video's &video=h264): HEVC with open GOPs
// (x265's pictures decoded after a keyframe and shown before it) in Matroska and, with B-frames,
// in MP4, and MPEG-4 Part 2 in AVI become H.264; segments made apart, the last first, hold every
// frame of the film once; a segment made twice is the same bytes. Without being asked, HEVC is
// copied and MPEG-4 Part 2 refused.
TEST_F(HlsRemuxTest, ConvertedVideoIsH264AndSegmentsMadeApartHoldEveryFrameOnce) {
  const struct {
    std::string name;
    std::vector<std::string> args;
  } films[] = {
      {"hevc.mkv", {"-c:v", "libx265", "-preset", "ultrafast", "-c:a", "aac"}},
      // MP4's index holds decode times, below the keyframes' presentation times (B-frames).
      {"hevc.mp4",
       {"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "bframes=3", "-tag:v", "hvc1",
        "-c:a", "aac"}},
      {"mpeg4.avi", {"-c:v", "mpeg4", "-c:a", "libmp3lame"}},
      // No presentation times in AVI; B-frames decoded after a keyframe, shown before it.
      {"mpeg4-bframes.avi", {"-c:v", "mpeg4", "-bf", "2", "-c:a", "libmp3lame"}},
  };
  const RemuxOptions converted{{}, true};
  for (const auto& film : films) {
    SCOPED_TRACE(film.name);
    const auto path = film_.dir() / film.name;
    ASSERT_TRUE(test::make_film(path, film.args, 14));
    test::BytesReader reader(test::read_file(path));
    const auto joined = remux_whole(reader, film.name, converted);
    ASSERT_FALSE(joined.empty());
    EXPECT_EQ(video_codec_of(joined), "h264");
    auto frames = packets_of(joined)[0];
    EXPECT_EQ(frames.size(), packets_of(path)[0].size()) << "every frame of the film";
    std::sort(frames.begin(), frames.end());
    EXPECT_EQ(std::adjacent_find(frames.begin(), frames.end()), frames.end()) << "none twice";
    const auto once = hls_segment(reader, film.name, 1, {}, converted);
    const auto twice = hls_segment(reader, film.name, 1, {}, converted);
    ASSERT_TRUE(once && twice);
    EXPECT_TRUE(*once == *twice) << "the same segment is the same bytes";
  }
  test::BytesReader hevc(test::read_file(film_.dir() / "hevc.mkv"));
  const auto copied = hls_init(hevc, "hevc.mkv");
  ASSERT_TRUE(copied) << copied.error().message;
  EXPECT_NE(copied->find("hvc1"), std::string::npos);
  test::BytesReader mpeg4(test::read_file(film_.dir() / "mpeg4.avi"));
  EXPECT_EQ(hls_layout(mpeg4, "mpeg4.avi").error().code, Errc::upstream);
}

// Sound that runs on 30 s past the picture: Matroska gives no track a duration, and the
// container's is the sound's. The playlist ends with the picture (it was one last segment of
// 32 s, refused as "keyframes too far apart").
TEST_F(HlsRemuxTest, ThePlaylistEndsWithThePictureNotTheSound) {
  const auto path = film_.dir() / "long_sound.mkv";
  ASSERT_TRUE(test::make_film(
      path, {"-c:v", "libx264", "-preset", "ultrafast", "-vf", "trim=end=10", "-c:a", "aac"}, 40));
  test::BytesReader reader(test::read_file(path));
  const auto layout = hls_layout(reader, "long_sound.mkv");
  ASSERT_TRUE(layout) << layout.error().message;
  double end = layout->segments.front().start_s;
  for (const auto& segment : layout->segments)
    end += segment.duration_s;
  EXPECT_NEAR(end, 10.0, 2.1) << "250 frames at 25 fps, keyframes 2 s apart";
}

// A gap in the source's sound (its timestamps jump) stays a gap: the sound after it keeps its
// time instead of running early to close it.
TEST_F(HlsRemuxTest, AGapInTheSoundStaysWhereItIs) {
  const auto path = film_.dir() / "gap.mkv";
  ASSERT_TRUE(test::make_film(path,
                              {"-c:v", "libx264", "-preset", "ultrafast", "-af",
                               "aselect='not(between(t,2.5,4.5))'", "-c:a", "ac3"},
                              20));
  test::BytesReader reader(test::read_file(path));
  const auto joined = remux_whole(reader, "gap.mkv");
  ASSERT_FALSE(joined.empty());
  auto packets = packets_of(joined);
  const auto& audio = packets[1];
  ASSERT_FALSE(audio.empty());
  // 20 s of AAC frames, the 2 s gap among them as silence. Closed up, the sound after the gap
  // ran 2 s early and left a hole where the next segment (placed by its own time) began.
  EXPECT_NEAR(static_cast<double>(audio.back() - audio.front()) / 48'000, 20.0, 0.1);
  for (std::size_t i = 1; i < audio.size(); ++i)
    ASSERT_EQ(audio[i] - audio[i - 1], 1024) << "a hole or an overlap at audio packet " << i;
}

// Sound that changes its channels midway (two films joined by stream copy, AC-3 5.1 then
// stereo, as a spliced or damaged file has): the converter made its resampler for the first
// frame and read the later, smaller frames through that layout, past their planes (a crash
// fuzz_probe found). Every segment is made, and the sound runs on across the change.
TEST_F(HlsRemuxTest, SoundThatChangesItsChannelsMidwayIsConverted) {
  const std::vector<std::string> picture{"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "ac3"};
  const auto six = film_.dir() / "six.mkv";
  const auto two = film_.dir() / "two.mkv";
  auto args = picture;
  args.insert(args.end(), {"-ac", "6"});
  ASSERT_TRUE(test::make_film(six, args, 8));
  args = picture;
  args.insert(args.end(), {"-ac", "2"});
  ASSERT_TRUE(test::make_film(two, args, 8));
  const auto list = film_.dir() / "spliced.txt";
  test::write_file(list, "file '" + six.string() + "'\nfile '" + two.string() + "'\n");
  const auto spliced = film_.dir() / "spliced.mkv";
  test::ChildProcess concat({test::kFfmpeg, "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i",
                             list.string(), "-c", "copy", spliced.string()},
                            spliced.string() + ".log");
  ASSERT_EQ(concat.wait_exit(std::chrono::seconds(60)), 0);
  test::BytesReader reader(test::read_file(spliced));
  const auto joined = remux_whole(reader, "spliced.mkv");
  ASSERT_FALSE(joined.empty());
  const auto audio = packets_of(joined)[1];
  ASSERT_FALSE(audio.empty());
  EXPECT_NEAR(static_cast<double>(audio.back() - audio.front()) / 48'000, 16.0, 0.2);
}

// A Matroska file without Cues (written to a pipe), or one keyframe a minute: one segment would
// be the whole film, made in one piece in memory. Said instead.
TEST_F(HlsRemuxTest, KeyframesTooFarApartAreSaid) {
  const auto path = film_.dir() / "sparse.mkv";
  ASSERT_TRUE(test::make_film(path,
                              {"-c:v", "libx264", "-preset", "ultrafast", "-x264-params",
                               "keyint=2000:scenecut=0", "-c:a", "aac"},
                              35));
  test::BytesReader reader(test::read_file(path));
  const auto segments = hls_layout(reader, "sparse.mkv");
  ASSERT_FALSE(segments);
  EXPECT_EQ(segments.error().code, Errc::upstream);
  EXPECT_NE(segments.error().message.find("too far"), std::string::npos)
      << segments.error().message;
}

// MPEG-TS has no index: what libavformat saw of its start is no list of its keyframes.
TEST_F(HlsRemuxTest, AContainerWithoutAnIndexIsSaid) {
  const auto path = film_.dir() / "film.ts";
  ASSERT_TRUE(test::make_film(path, {"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"}, 8));
  test::BytesReader reader(test::read_file(path));
  const auto segments = hls_layout(reader, "film.ts");
  ASSERT_FALSE(segments);
  EXPECT_EQ(segments.error().code, Errc::upstream) << segments.error().message;
}

// The client left: the work ends at the next packet, not at the end of the segment.
TEST_F(HlsRemuxTest, AStopEndsTheWork) {
  test::BytesReader reader(film_.bytes());
  ProbeLimits limits;
  limits.stop = [] { return true; };
  EXPECT_EQ(hls_segment(reader, "film.mkv", 1, limits).error().code, Errc::cancelled);
}

TEST_F(HlsRemuxTest, BytesThatAreNoFilmAreAnUpstreamError) {
  test::BytesReader reader(std::string(100'000, 'x'));
  EXPECT_EQ(hls_layout(reader, "film.mkv").error().code, Errc::upstream);
}

}  // namespace
}  // namespace seeder::media
