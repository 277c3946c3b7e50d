#pragma once
// The parts of the HLS remux (internal to the media module; built only with
// SEEDER_HAVE_MEDIA): what one segment's packets are (SegmentCollector), the audio conversion to
// AAC on a fixed frame grid (AudioConverter), and the fMP4 muxer writing into memory
// (FragmentMuxer). All blocking, on the remux's thread.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "seeder/core/result.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

struct SwrContext;

namespace seeder::media {

// Seconds: timestamps compared after a conversion are this close to be the same.
inline constexpr double kEpsilon = 1e-6;

// A timestamp in seconds.
inline double seconds(std::int64_t ts, AVRational base) {
  return static_cast<double>(ts) * av_q2d(base);
}

struct PacketDeleter {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
using PacketPtr = std::unique_ptr<AVPacket, PacketDeleter>;

// A segment's span on the file's timeline, in seconds: [start_s, end_s); end_s is infinite for
// the last segment.
struct SegmentWindow {
  double start_s = 0;
  double end_s = 0;
  double audio_start_s = 0;  // start_s, or minus infinity for the first segment
};

// Takes the packets read after a seek before the segment and keeps the segment's: video from
// the keyframe at its start up to the keyframe at its end, in decode order; audio from a little
// before its start (what the conversion needs to settle) to a little after its end. With
// `leading_pictures` (the video is decoded, not copied), the video goes on past the end
// keyframe with the pictures decoded after it but shown before it (an open GOP's: HEVC's RASL,
// MPEG-4's B-frames), up to the first shown after it.
class SegmentCollector {
 public:
  static constexpr double kAudioBefore = 0.5;  // seconds of audio kept before the start
  static constexpr double kAudioAfter = 0.5;   // and after the end
  static constexpr double kReadPast = 3.0;     // a stream may lag the other by this much
  // Decoded without presentation times: packets taken past the end keyframe (MPEG-4 Part 2's
  // B-frames shown before it; at most a few).
  static constexpr int kUntimedLeading = 4;

  SegmentCollector(const AVFormatContext& format, int video, int audio, SegmentWindow window,
                   bool leading_pictures = false);
  void take(const AVPacket& packet);
  [[nodiscard]] bool done() const;
  [[nodiscard]] bool has_video() const { return !video_.empty(); }
  // The segment's span as its keyframes were read (their presentation times): the frames a
  // decoded segment shows. The window's end while the end keyframe was not read (the last).
  [[nodiscard]] SegmentWindow shown() const { return shown_; }
  // Whether the video's packets carry no presentation times (AVI): a decoded segment's frames
  // are then told apart by its keyframes, not by time (VideoConverter).
  [[nodiscard]] bool untimed() const { return untimed_; }
  // The keyframes of the segment (its first and those inside it; not the one at its end).
  [[nodiscard]] int keyframes() const { return keyframes_; }
  std::vector<PacketPtr>& video() { return video_; }
  std::vector<PacketPtr>& audio() { return audio_; }

 private:
  double seconds_of(const AVPacket& packet) const;
  void take_video(const AVPacket& packet, double at);

  const AVFormatContext& format_;
  int video_index_;
  int audio_index_;
  SegmentWindow window_;
  bool leading_pictures_;
  bool video_started_ = false;
  bool video_done_ = false;
  bool audio_done_;
  SegmentWindow shown_;
  std::optional<double> end_key_s_;  // decoded: the end keyframe's time, once read
  bool untimed_ = false;
  int past_end_packets_ = 0;
  int keyframes_ = 0;
  double furthest_s_ = -1e300;  // the latest timestamp read, any stream
  std::vector<PacketPtr> video_;
  std::vector<PacketPtr> audio_;
};

// Decodes the source's audio and encodes it to AAC of 2 or 6 channels (5.1). Frames sit on a grid
// fixed by the file (AAC frame k holds the samples [k * 1024, (k + 1) * 1024) counted from the
// audio's first sample), and a segment holds exactly the frames that start inside it: segments
// converted apart join without a gap or an overlap, and the same segment converts to the same
// bytes.
class AudioConverter {
 public:
  static Result<std::unique_ptr<AudioConverter>> open(const AVStream& source, int channels);
  ~AudioConverter();
  AudioConverter(const AudioConverter&) = delete;
  AudioConverter& operator=(const AudioConverter&) = delete;

  [[nodiscard]] const AVCodecContext& encoder() const { return *encoder_; }
  // The segment's AAC packets, pts in samples (1/sample_rate) on the source's timeline.
  Result<std::vector<PacketPtr>> convert(const std::vector<PacketPtr>& packets,
                                         SegmentWindow window);

 private:
  AudioConverter(const AVStream& source) : source_(source) {}
  Status decode(const std::vector<PacketPtr>& packets);
  // Where a decoded frame's samples go in pcm_ (see decode()).
  void place(const AVFrame& frame, bool& placed);
  // A resampler for `frame`'s layout, format and rate: a damaged or changing stream's frames
  // differ from the first one's, and swr_convert reads a frame through the layout it was made
  // for (a frame with fewer channels: a read past its planes).
  Status fit_resampler(AVFrame& frame);
  Result<std::vector<PacketPtr>> encode(std::int64_t first_frame, std::int64_t end_frame);

  const AVStream& source_;
  AVCodecContext* decoder_ = nullptr;
  AVCodecContext* encoder_ = nullptr;
  SwrContext* resampler_ = nullptr;
  // The frames' layout, format and rate the resampler was made for.
  AVChannelLayout resampler_layout_{};
  int resampler_format_ = -1;
  int resampler_rate_ = 0;
  double origin_s_ = 0;                  // the time of sample 0 (the audio's start)
  std::int64_t pcm_first_ = 0;           // grid sample index of pcm_[c][0]
  std::vector<std::vector<float>> pcm_;  // decoded, a vector per channel, at the encoder's rate
};

// The mp4 muxer writing fragments into memory: the header (ftyp + moov, the HLS init segment)
// first, then one fragment (moof + mdat) per segment.
class FragmentMuxer {
 public:
  // `converted_channels`: 0 copies the sound, 2 or 6 converts it to AAC of that many channels.
  // `video_encoder`: the picture's encoder when it is converted (VideoConverter), else null:
  // copied.
  static Result<std::unique_ptr<FragmentMuxer>> open(const AVStream& video, const AVStream* audio,
                                                     int converted_channels,
                                                     const AVCodecContext* video_encoder = nullptr);
  ~FragmentMuxer();
  FragmentMuxer(const FragmentMuxer&) = delete;
  FragmentMuxer& operator=(const FragmentMuxer&) = delete;

  // What has been written so far (after open: the init segment).
  std::string take_header();
  // The segment's video, in decode order; dts made from the sorted pts (Matroska has none).
  Status write_video(std::vector<PacketPtr>& packets, double shift_s);
  // The segment's audio: copied packets that start inside the window, or converted ones.
  Status write_audio(std::vector<PacketPtr>& packets, const AVStream& source, SegmentWindow window,
                     double shift_s);
  // Writes the fragment; its bytes.
  Result<std::string> finish_fragment();

 private:
  FragmentMuxer() = default;
  Status write(AVPacket& packet, int stream);
  static int on_write(void* opaque, std::uint8_t* buffer, int size);

  AVFormatContext* out_ = nullptr;
  AVIOContext* avio_ = nullptr;
  std::string bytes_;
  AVRational video_source_base_{1, 1000};
  AVRational audio_source_base_{1, 1000};
  std::unique_ptr<AudioConverter> converter_;
};

}  // namespace seeder::media
