#ifdef SEEDER_HAVE_MEDIA

#include "video_converter.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <semaphore>
#include <string>
#include <thread>

extern "C" {
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

#include "demuxer.hpp"

namespace seeder::media {
namespace {

constexpr int kMostLines = 1080;
// A segment is at most 30 s: no keyframe but the first inside one.
constexpr int kKeyframeInterval = 100'000;
constexpr std::chrono::milliseconds kSlotPoll{100};
// A segment waits this long for a conversion slot, then is told to ask again (429), so that
// waiting conversions do not hold the media pool's threads and slots.
constexpr std::chrono::seconds kLongestWait{10};
constexpr std::ptrdiff_t kMostSlots = 64;

struct FrameDeleter {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
using FramePtr = std::unique_ptr<AVFrame, FrameDeleter>;

// A conversion decodes and encodes on its own thread only (the media pool's: its CPU time is
// counted there), so a conversion uses one core; half the cores may convert at once.
class ConversionSlot {
 public:
  // Errc::cancelled when `stop` says the client left; Errc::too_many_requests after 10 s, or
  // at `deadline` if sooner (the segment is asked again).
  static Result<ConversionSlot> take(const std::function<bool()>& stop,
                                     std::chrono::steady_clock::time_point deadline) {
    const auto given_up = std::min(deadline, std::chrono::steady_clock::now() + kLongestWait);
    while (!slots().try_acquire_for(kSlotPoll)) {
      if (stop && stop()) return make_error(Errc::cancelled, "the client left");
      if (std::chrono::steady_clock::now() > given_up)
        return make_error(Errc::too_many_requests, "the gateway is converting other video");
    }
    return ConversionSlot();
  }
  ConversionSlot(ConversionSlot&& other) noexcept : held_(std::exchange(other.held_, false)) {}
  ConversionSlot& operator=(ConversionSlot&&) = delete;
  ~ConversionSlot() {
    if (held_) slots().release();
  }

 private:
  ConversionSlot() = default;
  static std::counting_semaphore<kMostSlots>& slots() {
    static std::counting_semaphore<kMostSlots> free(static_cast<std::ptrdiff_t>(
        std::clamp(std::thread::hardware_concurrency() / 2, 1U, unsigned{kMostSlots})));
    return free;
  }
  bool held_ = true;
};

// The encoder's picture size: the source's, scaled down to kMostLines with its shape kept,
// even (4:2:0 halves both).
std::pair<int, int> picture_size(int width, int height) {
  if (height > kMostLines) {
    width = static_cast<int>(std::lround(static_cast<double>(width) * kMostLines / height));
    height = kMostLines;
  }
  return {width & ~1, height & ~1};
}

}  // namespace

bool VideoConverter::converts(AVCodecID codec) {
  // What film torrents carry that browsers do not decode; other decoders stay unexposed to
  // torrent bytes.
  constexpr std::array kConverted = {
      AV_CODEC_ID_HEVC,       AV_CODEC_ID_MPEG4,      AV_CODEC_ID_MSMPEG4V2, AV_CODEC_ID_MSMPEG4V3,
      AV_CODEC_ID_MPEG1VIDEO, AV_CODEC_ID_MPEG2VIDEO, AV_CODEC_ID_VC1,       AV_CODEC_ID_WMV3,
      AV_CODEC_ID_H263,       AV_CODEC_ID_VP8,        AV_CODEC_ID_VP9,       AV_CODEC_ID_AV1};
  return std::find(kConverted.begin(), kConverted.end(), codec) != kConverted.end() &&
         avcodec_find_decoder(codec) != nullptr;
}

Status video_conversion_available() {
  if (avcodec_find_encoder_by_name("libx264") == nullptr)
    return make_error(Errc::not_implemented, "this FFmpeg has no libx264 to convert video with");
  return {};
}

Result<std::unique_ptr<VideoConverter>> VideoConverter::open(AVFormatContext& format,
                                                             const AVStream& source) {
  std::unique_ptr<VideoConverter> converter(new VideoConverter(source));
  const auto& codec = *source.codecpar;
  const auto* decoder = avcodec_find_decoder(codec.codec_id);
  if (decoder == nullptr)
    return make_error(Errc::upstream, std::string("no decoder for its video (") +
                                          avcodec_get_name(codec.codec_id) + ")");
  converter->decoder_ = avcodec_alloc_context3(decoder);
  if (converter->decoder_ == nullptr) return make_error(Errc::internal, "out of memory");
  if (const int copied = avcodec_parameters_to_context(converter->decoder_, &codec); copied < 0)
    return av_error(copied, "reading the video's parameters");
  converter->decoder_->pkt_timebase = source.time_base;
  converter->decoder_->thread_count = 1;
  if (const int opened = avcodec_open2(converter->decoder_, decoder, nullptr); opened < 0)
    return av_error(opened, "opening the video decoder");

  const auto [width, height] = picture_size(codec.width, codec.height);
  if (width <= 0 || height <= 0) return make_error(Errc::upstream, "its video has no picture size");
  const auto* x264 = avcodec_find_encoder_by_name("libx264");
  if (x264 == nullptr)
    return make_error(Errc::internal, "this FFmpeg has no libx264 to convert the video with");
  auto* encoder = avcodec_alloc_context3(x264);
  converter->encoder_ = encoder;
  if (encoder == nullptr) return make_error(Errc::internal, "out of memory");
  encoder->width = width;
  encoder->height = height;
  encoder->pix_fmt = AV_PIX_FMT_YUV420P;
  encoder->time_base = source.time_base;
  encoder->framerate = source.avg_frame_rate;
  // Matroska's display size is the stream's aspect, not the codec's.
  encoder->sample_aspect_ratio =
      av_guess_sample_aspect_ratio(&format, const_cast<AVStream*>(&source), nullptr);
  encoder->color_primaries = codec.color_primaries;
  encoder->color_trc = codec.color_trc;
  encoder->colorspace = codec.color_space;
  encoder->color_range = AVCOL_RANGE_MPEG;
  encoder->max_b_frames = 0;  // decode order is presentation order: no reordering delay
  encoder->gop_size = kKeyframeInterval;
  encoder->thread_count = 1;
  encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // SPS and PPS in the init segment's avcC
  AVDictionary* options = nullptr;
  av_dict_set(&options, "preset", "veryfast", 0);
  av_dict_set(&options, "profile", "high", 0);
  av_dict_set(&options, "crf", "23", 0);
  const int opened = avcodec_open2(encoder, x264, &options);
  av_dict_free(&options);
  if (opened < 0)
    return make_error(Errc::internal, "opening the H.264 encoder: " + av_message(opened));
  return converter;
}

VideoConverter::~VideoConverter() {
  avcodec_free_context(&decoder_);
  avcodec_free_context(&encoder_);
  sws_freeContext(scaler_);
}

Result<std::vector<PacketPtr>> VideoConverter::convert(
    const std::vector<PacketPtr>& packets, SegmentWindow window, int untimed_keyframes,
    const std::function<bool()>& stop, std::chrono::steady_clock::time_point deadline) {
  auto slot = ConversionSlot::take(stop, deadline);
  if (!slot) return slot.error();
  if (auto decoded = decode(packets, window, untimed_keyframes, stop, deadline); !decoded)
    return decoded.error();
  if (const int flushed = avcodec_send_frame(encoder_, nullptr); flushed < 0)
    return av_error(flushed, "encoding H.264");
  if (auto taken = take_packets(); !taken) return taken.error();
  if (made_.empty()) return make_error(Errc::upstream, "no picture of the segment decoded");
  // Each packet lasts to the next; the last as long as its frame (the muxer writes durations).
  for (std::size_t i = 0; i + 1 < made_.size(); ++i)
    made_[i]->duration = made_[i + 1]->pts - made_[i]->pts;
  made_.back()->duration = last_duration_;
  return std::move(made_);
}

// `frame`'s time when it is shown inside the window, else none.
std::int64_t VideoConverter::timed(const AVFrame& frame, SegmentWindow window) const {
  const auto shown = frame.best_effort_timestamp;
  const double at = seconds(shown, source_.time_base);
  if (shown == AV_NOPTS_VALUE || at < window.start_s - kEpsilon || at >= window.end_s - kEpsilon)
    return AV_NOPTS_VALUE;
  return shown;
}

// Without presentation times (AVI: decode-order counters), the frames shown before a keyframe
// but decoded after it (MPEG-4 Part 2's B-frames) carry times past the keyframe's decode time.
// The segment's frames are then told apart by its keyframes: those shown from its first
// keyframe up to the keyframe at its end (the one after its `keyframes`). libavcodec times a
// frame by the packet that brought it out of the decoder, which is the same packet in every
// decode, so the times agree between two segments made apart.
std::int64_t VideoConverter::keyed_time(const AVFrame& frame, int keyframes) {
  if (frame.key_frame != 0) ++keys_shown_;
  // Before the first keyframe: the segment before's; from the end keyframe on: the next one's.
  if (keys_shown_ == 0 || keys_shown_ > keyframes) return AV_NOPTS_VALUE;
  // The last frames of the file come out at the decoder's flush, with the last packet's time.
  if (last_pts_ != AV_NOPTS_VALUE && frame.best_effort_timestamp <= last_pts_)
    return last_pts_ + frame_ticks();
  return frame.best_effort_timestamp;
}

std::int64_t VideoConverter::frame_ticks() const {
  const auto rate = source_.avg_frame_rate;
  if (rate.num <= 0 || rate.den <= 0) return 1;
  return std::max<std::int64_t>(1, av_rescale_q(1, av_inv_q(rate), source_.time_base));
}

// Decodes every packet and encodes the frames shown inside the window, in the order shown. A
// damaged packet or frame is skipped; a frame at or before the last one's time is dropped
// (libx264 wants rising timestamps). Ends early when the client left or past the deadline.
Status VideoConverter::decode(const std::vector<PacketPtr>& packets, SegmentWindow window,
                              int untimed_keyframes, const std::function<bool()>& stop,
                              std::chrono::steady_clock::time_point deadline) {
  FramePtr frame(av_frame_alloc());
  if (!frame) return make_error(Errc::internal, "out of memory");
  auto take_frames = [&]() -> Status {
    // An error other than "no more" is a damaged picture: the next packet may decode.
    while (avcodec_receive_frame(decoder_, frame.get()) == 0) {
      const auto shown =
          untimed_keyframes > 0 ? keyed_time(*frame, untimed_keyframes) : timed(*frame, window);
      Status status;
      if (shown != AV_NOPTS_VALUE && (last_pts_ == AV_NOPTS_VALUE || shown > last_pts_)) {
        last_pts_ = shown;
        last_duration_ = frame->pkt_duration > 0 ? frame->pkt_duration : frame_ticks();
        frame->pts = shown;
        status = encode(frame.get());
      }
      av_frame_unref(frame.get());
      if (!status) return status;
    }
    return {};
  };
  for (const auto& packet : packets) {
    if (stop && stop()) return make_error(Errc::cancelled, "the client left");
    if (std::chrono::steady_clock::now() > deadline)
      return make_error(Errc::timeout, "converting the video took too long");
    if (avcodec_send_packet(decoder_, packet.get()) < 0) continue;
    if (auto taken = take_frames(); !taken) return taken;
  }
  avcodec_send_packet(decoder_, nullptr);
  return take_frames();
}

// Sends `frame` to the encoder, scaled and made 8-bit 4:2:0 first when it is not already.
Status VideoConverter::encode(AVFrame* frame) {
  AVFrame* input = frame;
  FramePtr scaled;
  if (frame->format != AV_PIX_FMT_YUV420P || frame->width != encoder_->width ||
      frame->height != encoder_->height) {
    scaler_ = sws_getCachedContext(scaler_, frame->width, frame->height,
                                   static_cast<AVPixelFormat>(frame->format), encoder_->width,
                                   encoder_->height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr,
                                   nullptr, nullptr);
    scaled.reset(av_frame_alloc());
    if (scaler_ == nullptr || !scaled) return make_error(Errc::upstream, "cannot scale its video");
    scaled->format = AV_PIX_FMT_YUV420P;
    scaled->width = encoder_->width;
    scaled->height = encoder_->height;
    if (av_frame_get_buffer(scaled.get(), 0) < 0)
      return make_error(Errc::internal, "out of memory");
    sws_scale(scaler_, frame->data, frame->linesize, 0, frame->height, scaled->data,
              scaled->linesize);
    scaled->pts = frame->pts;
    input = scaled.get();
  }
  input->pict_type = AV_PICTURE_TYPE_NONE;  // the encoder decides (the first is an IDR)
  if (const int sent = avcodec_send_frame(encoder_, input); sent < 0)
    return av_error(sent, "encoding H.264");
  return take_packets();
}

Status VideoConverter::take_packets() {
  while (true) {
    PacketPtr packet(av_packet_alloc());
    if (!packet) return make_error(Errc::internal, "out of memory");
    const int received = avcodec_receive_packet(encoder_, packet.get());
    if (received == AVERROR(EAGAIN) || received == AVERROR_EOF) return {};
    if (received < 0) return av_error(received, "encoding H.264");
    made_.push_back(std::move(packet));
  }
}

}  // namespace seeder::media

#endif
