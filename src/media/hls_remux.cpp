// The libav half of seeder/media/hls.hpp: the keyframe index, the fMP4 muxer, and the audio
// conversion. Pure parts (segment cutting, playlist text) are in hls_playlist.cpp.
#include "seeder/media/hls.hpp"

#ifndef SEEDER_HAVE_MEDIA

namespace seeder::media {
namespace {
Error no_media() {
  return make_error(Errc::not_implemented,
                    "this gateway was built without media support (-DSEEDER_MEDIA=OFF)");
}
}  // namespace
Result<HlsLayout> hls_layout(RandomAccess&, std::string_view, const ProbeLimits&,
                             const RemuxOptions&) {
  return no_media();
}
Result<std::string> hls_init(RandomAccess&, std::string_view, const ProbeLimits&,
                             const RemuxOptions&) {
  return no_media();
}
Result<std::string> hls_segment(RandomAccess&, std::string_view, int, const ProbeLimits&,
                                const RemuxOptions&) {
  return no_media();
}
Status video_conversion_available() {
  return no_media();
}
Result<std::string> hls_subtitle_segment(RandomAccess&, std::string_view, int, int,
                                         const ProbeLimits&) {
  return no_media();
}
}  // namespace seeder::media

#else

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>

extern "C" {
#include <libavcodec/avcodec.h>
}

#include "demuxer.hpp"
#include "remux_parts.hpp"
#include "subtitle_decoder.hpp"
#include "video_converter.hpp"

namespace seeder::media {
namespace {

constexpr double kTargetSegment = 6.0;  // seconds; Apple's advice, hls.js' default buffer
// Longer, a segment is too much to hold in memory and to make at once (a Matroska file without
// Cues lists one keyframe: the whole film would be one segment).
constexpr double kLongestSegment = 30.0;
// Seconds sought before a segment's keyframe: the audio just before it (interleaved ahead of
// it, or behind) is read too, for the conversion to settle.
constexpr double kAudioPreroll = 1.0;
// And for a subtitle segment: a cue that began up to this long before it still shows in it.
constexpr double kCueLookBack = 10.0;

// Which streams go into the remux, and how.
struct Plan {
  int video = -1;
  int audio = -1;              // -1: none
  int converted_channels = 0;  // 0: the sound is copied; else converted to AAC of 2 or 6
  bool convert_video = false;  // the picture decoded and encoded to H.264
  double shift_s = 0;          // added to every output timestamp: none negative, dts below pts
  HlsLayout layout;
};

bool copyable_video(AVCodecID codec) {
  return codec == AV_CODEC_ID_H264 || codec == AV_CODEC_ID_HEVC || codec == AV_CODEC_ID_VP9 ||
         codec == AV_CODEC_ID_AV1;
}

// Audio every HLS player decodes from fMP4: copied as it is. (MP3 in fMP4 is refused by
// hls.js' Media Source buffer in Chromium: converted, like the rest.)
bool copyable_audio(AVCodecID codec) {
  return codec == AV_CODEC_ID_AAC;
}

// The sound track `wanted` (a stream index), or with kDefaultAudio the container's default
// track, else its first; -1 when the file has none. Errc::not_found when `wanted` is no sound.
Result<int> choose_audio(const AVFormatContext& format, int wanted) {
  if (wanted != kDefaultAudio) {
    if (wanted < 0 || wanted >= static_cast<int>(format.nb_streams) ||
        format.streams[wanted]->codecpar->codec_type != AVMEDIA_TYPE_AUDIO)
      return make_error(Errc::not_found, "no sound track " + std::to_string(wanted));
    return wanted;
  }
  int first = -1;
  for (unsigned i = 0; i < format.nb_streams; ++i) {
    const auto& stream = *format.streams[i];
    if (stream.codecpar->codec_type != AVMEDIA_TYPE_AUDIO) continue;
    if ((stream.disposition & AV_DISPOSITION_DEFAULT) != 0) return static_cast<int>(i);
    if (first < 0) first = static_cast<int>(i);
  }
  return first;
}

// The keyframes the container's index lists, in seconds. Matroska reads its Cues on the first
// seek, so one is made first.
std::vector<double> index_keyframes(AVFormatContext& format, int video) {
  auto& stream = *format.streams[video];
  const auto start = stream.start_time != AV_NOPTS_VALUE ? stream.start_time : 0;
  av_seek_frame(&format, video, start, AVSEEK_FLAG_BACKWARD);
  std::vector<double> keyframes;
  const int count = avformat_index_get_entries_count(&stream);
  for (int i = 0; i < count; ++i) {
    const auto* entry = avformat_index_get_entry(&stream, i);
    if (entry != nullptr && (entry->flags & AVINDEX_KEYFRAME) != 0)
      keyframes.push_back(seconds(entry->timestamp, stream.time_base));
  }
  std::sort(keyframes.begin(), keyframes.end());
  keyframes.erase(std::unique(keyframes.begin(), keyframes.end()), keyframes.end());
  return keyframes;
}

// Where the picture ends: the video's own end where the container says it (MP4), else the
// container's, which counts every stream (Matroska gives no track a duration): sound or a cue
// running on past the picture, or a start offset, would make the last segment run far past the
// last frame. So that end is held to the last keyframe plus the widest gap between two keyframes.
double end_of(const AVFormatContext& format, const AVStream& video,
              const std::vector<double>& keyframes) {
  if (video.duration != AV_NOPTS_VALUE && video.duration > 0) {
    const auto start = video.start_time != AV_NOPTS_VALUE ? video.start_time : 0;
    return seconds(start + video.duration, video.time_base);
  }
  const auto start = format.start_time != AV_NOPTS_VALUE ? format.start_time : 0;
  const double end =
      static_cast<double>(start + std::max<std::int64_t>(format.duration, 0)) / AV_TIME_BASE;
  double widest = 0;
  for (std::size_t i = 1; i < keyframes.size(); ++i)
    widest = std::max(widest, keyframes[i] - keyframes[i - 1]);
  return widest > 0 ? std::min(end, keyframes.back() + widest) : end;
}

std::vector<HlsSubtitleTrack> text_subtitles(const AVFormatContext& format) {
  std::vector<HlsSubtitleTrack> tracks;
  for (unsigned i = 0; i < format.nb_streams; ++i) {
    const auto& stream = *format.streams[i];
    if (!is_text_subtitle(stream)) continue;
    HlsSubtitleTrack track;
    track.stream = static_cast<int>(i);
    track.name = subtitle_track_name(stream, static_cast<int>(tracks.size()) + 1);
    if (auto language = metadata_tag(stream.metadata, "language"); language != "und")
      track.language = std::move(language);
    track.is_default = (stream.disposition & AV_DISPOSITION_DEFAULT) != 0;
    tracks.push_back(std::move(track));
  }
  return tracks;
}

// Containers whose index lists keyframes the file has (Matroska Cues, MP4 sample tables, AVI
// idx1). Others (MPEG-TS) have only what libavformat saw while reading their start.
bool indexed(const AVFormatContext& format) {
  const std::string_view name = format.iformat->name;
  return name.starts_with("matroska") || name.starts_with("mov") || name == "avi";
}

// The channels converted sound gets: 5.1 only where asked for and the source has them (no
// upmix), else stereo.
int converted_channels(const AVStream& audio, bool surround) {
  return surround && audio.codecpar->ch_layout.nb_channels >= 6 ? 6 : 2;
}

Result<Plan> plan_of(Demuxer& demuxer, const RemuxOptions& options) {
  auto& format = demuxer.format();
  if (!indexed(format))
    return make_error(Errc::upstream, std::string("a ") + format.iformat->name +
                                          " file lists no keyframes to cut segments at");
  Plan plan;
  plan.video = av_find_best_stream(&format, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (plan.video < 0 || (format.streams[plan.video]->disposition & AV_DISPOSITION_ATTACHED_PIC))
    return make_error(Errc::upstream, "no video stream to play");
  const auto& video = *format.streams[plan.video];
  const auto codec = video.codecpar->codec_id;
  plan.convert_video = options.convert_video && codec != AV_CODEC_ID_H264;
  if (!plan.convert_video && !copyable_video(codec))
    return make_error(Errc::upstream, std::string("its video (") + avcodec_get_name(codec) +
                                          ") is not one browsers decode");
  if (plan.convert_video && !VideoConverter::converts(codec))
    return make_error(Errc::upstream, std::string("its video (") + avcodec_get_name(codec) +
                                          ") is not one this gateway converts");
  const auto& sound = options.sound;
  const auto audio = choose_audio(format, sound.stream);
  if (!audio) return audio.error();
  plan.audio = *audio;
  if (plan.audio >= 0 && !copyable_audio(format.streams[plan.audio]->codecpar->codec_id))
    plan.converted_channels = converted_channels(*format.streams[plan.audio], sound.surround);
  const auto keyframes = index_keyframes(format, plan.video);
  if (keyframes.empty())
    return make_error(Errc::upstream, "the container lists no keyframes to cut segments at");
  auto& segments = plan.layout.segments;
  segments = cut_segments(keyframes, end_of(format, video, keyframes), kTargetSegment);
  if (segments.empty()) return make_error(Errc::upstream, "no video to cut into segments");
  for (const auto& segment : segments) {
    if (segment.duration_s > kLongestSegment)
      return make_error(Errc::upstream,
                        "its index lists keyframes " +
                            std::to_string(std::lround(segment.duration_s)) +
                            " s apart: too far to cut segments (a Matroska file without Cues?)");
  }
  // Frames reordered by B-frames decode before they show: their dts lie up to a few frames
  // below their pts, and below the first keyframe's. A constant per file keeps them positive.
  const double frame =
      video.avg_frame_rate.num > 0 ? av_q2d(av_inv_q(video.avg_frame_rate)) : 1.0 / 24;
  const double first = std::min(keyframes.front(), 0.0);
  plan.shift_s = -first + frame * std::max(video.codecpar->video_delay + 1, 4);
  plan.layout.subtitles = text_subtitles(format);
  plan.layout.bit_rate = format.bit_rate;
  return plan;
}

Result<Plan> open_plan(RandomAccess& reader, std::string_view name, const ProbeLimits& limits,
                       std::unique_ptr<Demuxer>& demuxer, const RemuxOptions& options = {}) {
  auto opened = Demuxer::open(reader, name, limits);
  if (!opened) return opened.error();
  demuxer = std::move(*opened);
  return plan_of(*demuxer, options);
}

// Segment `index`'s window, with the demuxer sought to read it from `before_s` seconds before
// its keyframe; the first segment from the file's start, whose sound may begin before the first
// keyframe. Errc::not_found past the last segment.
Result<SegmentWindow> seek_segment(Demuxer& demuxer, const Plan& plan, int index, double before_s) {
  const auto& segments = plan.layout.segments;
  if (index < 0 || index >= static_cast<int>(segments.size()))
    return make_error(Errc::not_found, "no segment " + std::to_string(index));
  const auto& segment = segments[static_cast<std::size_t>(index)];
  const bool last = index + 1 == static_cast<int>(segments.size());
  const SegmentWindow window{
      segment.start_s,
      last ? std::numeric_limits<double>::infinity() : segment.start_s + segment.duration_s,
      // The sound before the first keyframe is the first segment's.
      index == 0 ? -std::numeric_limits<double>::infinity() : segment.start_s};
  auto& format = demuxer.format();
  const auto& video = *format.streams[plan.video];
  const int sought =
      index == 0
          ? av_seek_frame(&format, -1, format.start_time != AV_NOPTS_VALUE ? format.start_time : 0,
                          AVSEEK_FLAG_BACKWARD)
          : av_seek_frame(
                &format, plan.video,
                static_cast<std::int64_t>((window.start_s - before_s) / av_q2d(video.time_base)),
                AVSEEK_FLAG_BACKWARD);
  if (sought < 0) return demuxer.failure(sought, "seeking to segment " + std::to_string(index));
  return window;
}

// Reads packets from where segment `index` was sought, handing each to `take`, until `done()`
// or the end of the file; Errc::cancelled as soon as the client has left.
template <typename Done, typename Take>
Status read_packets(Demuxer& demuxer, int index, Done done, Take take) {
  PacketPtr packet(av_packet_alloc());
  if (!packet) return make_error(Errc::internal, "out of memory for a packet");
  while (!done()) {
    if (demuxer.stopped()) return make_error(Errc::cancelled, "the client left");
    const int read = av_read_frame(&demuxer.format(), packet.get());
    if (read == AVERROR_EOF) break;
    if (read < 0) return demuxer.failure(read, "reading segment " + std::to_string(index));
    take(*packet);
    av_packet_unref(packet.get());
  }
  return {};
}

// The muxer of the plan's streams, and the picture's converter when the plan converts it.
struct Remuxer {
  std::unique_ptr<VideoConverter> video;
  std::unique_ptr<FragmentMuxer> muxer;
};

Result<Remuxer> open_remuxer(AVFormatContext& format, const Plan& plan) {
  Remuxer remuxer;
  const auto& video = *format.streams[plan.video];
  if (plan.convert_video) {
    auto converter = VideoConverter::open(format, video);
    if (!converter) return converter.error();
    remuxer.video = std::move(*converter);
  }
  auto muxer = FragmentMuxer::open(video, plan.audio >= 0 ? format.streams[plan.audio] : nullptr,
                                   plan.converted_channels,
                                   remuxer.video ? &remuxer.video->encoder() : nullptr);
  if (!muxer) return muxer.error();
  remuxer.muxer = std::move(*muxer);
  return remuxer;
}

}  // namespace

Result<HlsLayout> hls_layout(RandomAccess& reader, std::string_view file_name,
                             const ProbeLimits& limits, const RemuxOptions& options) {
  std::unique_ptr<Demuxer> demuxer;
  auto plan = open_plan(reader, file_name, limits, demuxer, options);
  if (!plan) return plan.error();
  return std::move(plan->layout);
}

Result<std::string> hls_init(RandomAccess& reader, std::string_view file_name,
                             const ProbeLimits& limits, const RemuxOptions& options) {
  std::unique_ptr<Demuxer> demuxer;
  auto plan = open_plan(reader, file_name, limits, demuxer, options);
  if (!plan) return plan.error();
  auto remuxer = open_remuxer(demuxer->format(), *plan);
  if (!remuxer) return remuxer.error();
  return remuxer->muxer->take_header();
}

Result<std::string> hls_segment(RandomAccess& reader, std::string_view file_name, int index,
                                const ProbeLimits& limits, const RemuxOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + limits.deadline;
  std::unique_ptr<Demuxer> demuxer;
  auto plan = open_plan(reader, file_name, limits, demuxer, options);
  if (!plan) return plan.error();
  auto& format = demuxer->format();
  // From a second before: the sound there settles the conversion.
  const auto window = seek_segment(*demuxer, *plan, index, kAudioPreroll);
  if (!window) return window.error();
  auto remuxer = open_remuxer(format, *plan);
  if (!remuxer) return remuxer.error();
  auto& muxer = remuxer->muxer;
  muxer->take_header();  // the init segment's: sent apart

  SegmentCollector collector(format, plan->video, plan->audio, *window, plan->convert_video);
  if (auto read = read_packets(
          *demuxer, index, [&] { return collector.done(); },
          [&](const AVPacket& packet) { collector.take(packet); });
      !read)
    return read.error();
  if (!collector.has_video())
    return make_error(Errc::upstream, "segment " + std::to_string(index) +
                                          ": no keyframe where the index says one is");
  auto* video = &collector.video();
  std::vector<PacketPtr> converted;
  if (remuxer->video) {
    auto made = remuxer->video->convert(*video, collector.shown(),
                                        collector.untimed() ? collector.keyframes() : 0,
                                        limits.stop, deadline);
    if (!made) return made.error();
    converted = std::move(*made);
    video = &converted;
  }
  if (auto written = muxer->write_video(*video, plan->shift_s); !written) return written.error();
  if (plan->audio >= 0) {
    if (auto written = muxer->write_audio(collector.audio(), *format.streams[plan->audio], *window,
                                          plan->shift_s);
        !written)
      return written.error();
  }
  return muxer->finish_fragment();
}

Result<std::string> hls_subtitle_segment(RandomAccess& reader, std::string_view file_name,
                                         int stream, int index, const ProbeLimits& limits) {
  std::unique_ptr<Demuxer> demuxer;
  // Whatever the picture is (copied or converted), the cues are the same.
  RemuxOptions any_picture;
  any_picture.convert_video = true;
  auto plan = open_plan(reader, file_name, limits, demuxer, any_picture);
  if (!plan) return plan.error();
  const auto& tracks = plan->layout.subtitles;
  if (std::none_of(tracks.begin(), tracks.end(), [&](const auto& t) { return t.stream == stream; }))
    return make_error(Errc::not_found, "no text subtitle track " + std::to_string(stream));
  auto& format = demuxer->format();
  auto decoder = SubtitleDecoder::open(*format.streams[stream]);
  if (!decoder) return decoder.error();
  // The video paces the read (it is in every stretch of the file); the rest need not be copied.
  for (unsigned i = 0; i < format.nb_streams; ++i)
    if (static_cast<int>(i) != stream && static_cast<int>(i) != plan->video)
      format.streams[i]->discard = AVDISCARD_ALL;
  const auto window = seek_segment(*demuxer, *plan, index, kCueLookBack);
  if (!window) return window.error();

  // A segment holds every cue shown in it (RFC 8216, 3.5): those that start in it and those
  // that started before and still show; a player drops a cue it already has.
  std::vector<SubtitleCue> cues;
  double furthest = -std::numeric_limits<double>::infinity();
  const auto take = [&](const AVPacket& packet) {
    const auto ts = packet.pts != AV_NOPTS_VALUE ? packet.pts : packet.dts;
    const double at = ts == AV_NOPTS_VALUE
                          ? furthest
                          : seconds(ts, format.streams[packet.stream_index]->time_base);
    furthest = std::max(furthest, at);
    if (packet.stream_index != stream || at >= window->end_s) return;
    for (auto& cue : (*decoder)->decode(packet, plan->shift_s))
      if (cue.end_s - plan->shift_s > window->audio_start_s) cues.push_back(std::move(cue));
  };
  if (auto read = read_packets(
          *demuxer, index, [&] { return furthest > window->end_s + SegmentCollector::kReadPast; },
          take);
      !read)
    return read.error();
  std::stable_sort(cues.begin(), cues.end(),
                   [](const auto& a, const auto& b) { return a.start_s < b.start_s; });
  return webvtt_segment(cues);
}

}  // namespace seeder::media

#endif
