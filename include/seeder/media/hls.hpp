#pragma once
// HLS: a media file as a VOD playlist of fMP4 segments a browser plays (through hls.js, or
// natively), made on demand from the file's own bytes through a RandomAccess (the gateway's
// range reader). Segments are cut at the keyframes the container's index lists (MKV Cues, MP4
// stss, AVI idx1), so the playlist needs the index only, not the file. Video is copied; AAC
// sound is copied, any other (AC-3, E-AC-3, DTS, TrueHD, MP3...) decoded and encoded to AAC,
// stereo or 5.1 (Sound); the sound track is the container's default one unless the caller names
// another. Video browsers cannot decode can be converted to H.264 (RemuxOptions). Text
// subtitle tracks inside the file (SRT, ASS/SSA, WebVTT, MP4 timed text) become WebVTT renditions
// beside the video, each cut on the video's segments from the same bytes; a file with any has a
// master playlist.
//
// Every segment is made alone, from a fresh demuxer and encoders, so the same segment made twice
// is the same bytes, whatever was made before it. Timestamps are the source's (shifted by one
// constant per file so that none is negative); audio is cut on a fixed grid of AAC frames, so
// segments made apart join without a gap or an overlap.
//
// Blocking: the remux calls run on a media pool thread, never an HTTP strand.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seeder/media/probe.hpp"

namespace seeder::media {

struct HlsSegment {
  double start_s = 0;     // on the file's timeline (a keyframe's presentation time)
  double duration_s = 0;  // to the next segment's start, or to the end of the file
};

// A text subtitle track inside the file, offered as a WebVTT rendition of the playlist.
struct HlsSubtitleTrack {
  int stream = 0;        // the container's stream index
  std::string name;      // its title, else its language's name, else "Subtitles <n>"
  std::string language;  // the container's tag ("eng"), "" when none
  bool is_default = false;
};

// What a file's playlists list, from its index.
struct HlsLayout {
  std::vector<HlsSegment> segments;
  std::vector<HlsSubtitleTrack> subtitles;
  std::int64_t bit_rate = 0;  // the file's, in bits per second; 0 when unknown
};

// One cue of a subtitle segment, on the remux's timeline (the fMP4 segments' presentation time).
struct SubtitleCue {
  double start_s = 0;
  double end_s = 0;
  std::string text;  // WebVTT cue text: <i>, <b>, <u> and escaped &, <, >
};

// Pure: segments of about `target_s` (at least), each starting at a keyframe; the first starts
// at the first keyframe, the last ends at `end_s`. Keyframe times must be ascending.
[[nodiscard]] std::vector<HlsSegment> cut_segments(const std::vector<double>& keyframes_s,
                                                   double end_s, double target_s = 6.0);

// Every URI of a playlist is `base`?[`extra_query`&]hls=<name> (`extra_query`: e.g. a signed
// link's parameters), the name last and with its extension (FFmpeg's HLS reader wants a segment's
// URL to end in one of its format's).
//
// Pure: the VOD media playlist: segment n is "<n>.mp4", the init segment "init.mp4".
[[nodiscard]] std::string media_playlist(const std::vector<HlsSegment>& segments,
                                         std::string_view base, std::string_view extra_query);

// Pure: the master playlist of a file with subtitle renditions: the video's media playlist is
// "media.m3u8", a subtitle track's "sub<stream>.m3u8".
[[nodiscard]] std::string master_playlist(const HlsLayout& layout, std::string_view base,
                                          std::string_view extra_query);

// Pure: a subtitle rendition's playlist: the video's segments, as "sub<stream>-<n>.vtt".
[[nodiscard]] std::string subtitle_playlist(const std::vector<HlsSegment>& segments, int stream,
                                            std::string_view base, std::string_view extra_query);

// Pure: a WebVTT segment of these cues; its X-TIMESTAMP-MAP says the cue times are the fMP4
// segments' presentation times (MPEG-TS clock 0 at local time 0).
[[nodiscard]] std::string webvtt_segment(const std::vector<SubtitleCue>& cues);

// Pure: the text of an ASS event as libavcodec's text subtitle decoders give it
// ("ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text") as WebVTT cue text: line
// breaks kept, italic, bold and underline kept as tags, other override blocks dropped, markup
// characters escaped, no blank line (it would end the cue).
[[nodiscard]] std::string ass_event_to_webvtt(std::string_view event);

// The sound a remux carries: the stream index of one of the file's sound tracks, or this: the
// container's default track, else its first.
inline constexpr int kDefaultAudio = -1;

// Which sound a remux carries, and in how many channels when it is converted.
struct Sound {
  int stream = kDefaultAudio;
  // Converted sound (AC-3, DTS...) as 5.1 AAC where the track has six channels or more (a home
  // theatre's player asks for it); stereo otherwise, which every browser and headphone plays.
  // Copied AAC keeps its own channels.
  bool surround = false;
};

// How a remux is made.
struct RemuxOptions {
  Sound sound;
  // The picture encoded to H.264 (libx264; VideoConverter) when it is not already H.264: for a
  // browser that cannot decode it (HEVC in Chromium), or one no browser decodes (MPEG-4 Part 2),
  // where the operator allows it (--transcode-video). Otherwise H.264, HEVC, VP9 and AV1 are
  // copied and other video is refused.
  bool convert_video = false;
};

// The file's segments (from its keyframe index) and its text subtitle tracks. Errc::upstream when
// the container lists no keyframes (an MPEG-TS, say) or has no video a browser decodes, with the
// reason; Errc::not_found when `options.sound.stream` is no sound track.
Result<HlsLayout> hls_layout(RandomAccess& reader, std::string_view file_name,
                             const ProbeLimits& limits = {}, const RemuxOptions& options = {});
// The fMP4 initialization segment (ftyp + moov) of the remux. Errc::not_found when its sound
// stream is no sound track.
Result<std::string> hls_init(RandomAccess& reader, std::string_view file_name,
                             const ProbeLimits& limits = {}, const RemuxOptions& options = {});
// Media segment `index` (moof + mdat). Errc::not_found past the last segment, or when its sound
// stream is no sound track.
Result<std::string> hls_segment(RandomAccess& reader, std::string_view file_name, int index,
                                const ProbeLimits& limits = {}, const RemuxOptions& options = {});
// The WebVTT segment `index` of the subtitle track at `stream`: the cues shown during video
// segment `index` (RFC 8216: those that began up to 10 s before it too; the first segment also
// those before the first keyframe), read from that segment's bytes and the 10 s before.
// Errc::not_found past the last segment or for a stream that is no text subtitle track.
Result<std::string> hls_subtitle_segment(RandomAccess& reader, std::string_view file_name,
                                         int stream, int index, const ProbeLimits& limits = {});

// Whether this binary can convert video (libavcodec with libx264); the reason when not.
[[nodiscard]] Status video_conversion_available();

}  // namespace seeder::media
