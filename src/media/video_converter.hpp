#pragma once
// VideoConverter: a segment's picture in a codec browsers cannot decode (HEVC in Chromium,
// MPEG-4 Part 2, MPEG-2, VC-1...) decoded and encoded to H.264 with libx264 (internal to the
// media module; built only with SEEDER_HAVE_MEDIA; used with --transcode-video).
//
// H.264 High profile, 8-bit 4:2:0, at most 1080 lines (larger pictures are scaled down, their
// shape kept), no B-frames, each segment from a fresh encoder: it starts with an IDR picture and
// is the same bytes whenever it is made, whatever was made before it.
//
// Blocking, on the remux's thread, and on it only (one core, its CPU time counted there). Half
// the machine's cores (at least one) convert at once; another conversion waits for a free one,
// as long as its deadline and its client allow.

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "remux_parts.hpp"

struct SwsContext;

namespace seeder::media {

class VideoConverter {
 public:
  // Whether `codec` is one this converter reads: what film torrents carry that browsers do not
  // all decode (HEVC, MPEG-4 Part 2, MPEG-1/2, VC-1...), with a decoder in this libavcodec.
  [[nodiscard]] static bool converts(AVCodecID codec);
  // Errc::upstream when libavcodec has no decoder for the source; Errc::internal without
  // libx264.
  static Result<std::unique_ptr<VideoConverter>> open(AVFormatContext& format,
                                                      const AVStream& source);
  ~VideoConverter();
  VideoConverter(const VideoConverter&) = delete;
  VideoConverter& operator=(const VideoConverter&) = delete;

  // The H.264 stream's parameters (its avcC in extradata), for the init segment.
  [[nodiscard]] const AVCodecContext& encoder() const { return *encoder_; }

  // The H.264 packets of the frames shown in [window.start_s, window.end_s) (the collector's
  // shown(): its keyframes' presentation times), made from the segment's packets in decode
  // order (from its keyframe, and past its end keyframe the pictures shown before it:
  // SegmentCollector with leading pictures). pts = dts, in the
  // source's time base, with durations. Once per converter (its encoder ends with the
  // segment). Waits up to 10 s for a conversion slot (then Errc::too_many_requests: ask again);
  // Errc::cancelled once `stop` says the client left, Errc::timeout past `deadline`.
  // `untimed_keyframes`: 0 when the packets carry presentation times; else (AVI) the keyframes
  // the segment holds (SegmentCollector::keyframes()), which tell its frames apart.
  Result<std::vector<PacketPtr>> convert(const std::vector<PacketPtr>& packets,
                                         SegmentWindow window, int untimed_keyframes,
                                         const std::function<bool()>& stop,
                                         std::chrono::steady_clock::time_point deadline);

 private:
  explicit VideoConverter(const AVStream& source) : source_(source) {}
  Status decode(const std::vector<PacketPtr>& packets, SegmentWindow window, int untimed_keyframes,
                const std::function<bool()>& stop, std::chrono::steady_clock::time_point deadline);
  [[nodiscard]] std::int64_t timed(const AVFrame& frame, SegmentWindow window) const;
  std::int64_t keyed_time(const AVFrame& frame, int keyframes);
  [[nodiscard]] std::int64_t frame_ticks() const;
  Status encode(AVFrame* frame);
  Status take_packets();

  const AVStream& source_;
  AVCodecContext* decoder_ = nullptr;
  AVCodecContext* encoder_ = nullptr;
  SwsContext* scaler_ = nullptr;  // to 8-bit 4:2:0 at the encoder's size, when needed
  std::int64_t last_pts_ = AV_NOPTS_VALUE;
  std::int64_t last_duration_ = 0;  // of the last frame encoded
  int keys_shown_ = 0;              // untimed: keyframes the decoder gave so far
  std::vector<PacketPtr> made_;
};

}  // namespace seeder::media
