#pragma once
// Probe: what a media file holds (container, duration, each stream's codec) and whether a
// browser decodes it, read with libavformat through a RandomAccess of the caller's (the
// gateway's range reader: the pieces it needs are fetched, verified and counted like any
// other read). Built without media support (-DSEEDER_MEDIA=OFF), probe() answers
// not_implemented.
//
// Blocking: called on a thread of its own (never an HTTP strand), one probe per call; bounded by
// ProbeLimits (bytes read, time).

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "seeder/core/result.hpp"

namespace seeder::media {

// Random reads of one file's bytes. Blocking; called on the probing thread.
class RandomAccess {
 public:
  virtual ~RandomAccess() = default;
  [[nodiscard]] virtual std::uint64_t size() const = 0;
  // Up to into.size() bytes at `offset` (fewer only at the end of the file).
  virtual Result<std::size_t> read_at(std::uint64_t offset, std::span<char> into) = 0;
};

struct StreamInfo {
  enum class Kind { video, audio, subtitle, other };
  int index = 0;
  Kind kind = Kind::other;
  std::string codec;    // libavcodec's name: "h264", "hevc", "ac3", "subrip"...
  std::string profile;  // "High", "Main 10", "LC"; "" when unknown
  int width = 0;        // video
  int height = 0;
  int channels = 0;  // audio
  int sample_rate = 0;
  std::string language;  // the container's tag ("eng"), "" when none
  std::string title;
  bool is_default = false;
  bool text = false;  // a subtitle made of text (SRT, ASS, WebVTT), not of pictures
  bool browser_decodes = false;
};

struct MediaInfo {
  std::string container;  // libavformat's name: "matroska,webm", "mov,mp4,m4a,3gp,3g2,mj2"
  double duration_s = 0;  // 0 when unknown
  std::int64_t bit_rate = 0;
  std::vector<StreamInfo> streams;
  // Not the file's: this gateway converts a film's picture to H.264 when ?hls asks for it
  // (&video=h264, --transcode-video).
  bool converts_video = false;
};

struct ProbeLimits {
  std::int64_t max_bytes = 8 << 20;            // libavformat's probesize
  std::chrono::milliseconds analyze{5'000};    // of the streams' packets (analyzeduration)
  std::chrono::milliseconds deadline{30'000};  // the whole probe
  // Asked often on the calling thread; true ends the work with Errc::cancelled (the client
  // left). Empty: never.
  std::function<bool()> stop;
};

// Whether this binary was built with libavformat.
[[nodiscard]] bool available();

// Errc::upstream with libavformat's reason when the bytes are no media it can read; the
// reader's error when a read fails; Errc::timeout past the deadline.
Result<MediaInfo> probe(RandomAccess& reader, std::string_view file_name,
                        const ProbeLimits& limits = {});

// Whether browsers decode this codec (libavcodec's name) in <video>/<audio> or Media Source:
// H.264, VP8, VP9, AV1; AAC, MP3, Opus, Vorbis, FLAC. Not HEVC, MPEG-4 Part 2, AC-3, E-AC-3,
// DTS, TrueHD.
[[nodiscard]] bool browser_decodes(std::string_view codec);

// The English name of a language film torrents carry sound or subtitles in most, by its ISO
// 639-2 code (either form: "fre", "fra": "French"); "" for others.
[[nodiscard]] std::string_view language_name(std::string_view code);

// What a browser makes of the file, in one phrase: "plays", "picture without sound",
// "sound without picture", "does not play".
[[nodiscard]] std::string browser_verdict(const MediaInfo& info);

// The JSON of ?probe.
[[nodiscard]] std::string to_json(const MediaInfo& info);

}  // namespace seeder::media
