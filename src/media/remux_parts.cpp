#ifdef SEEDER_HAVE_MEDIA

#include "remux_parts.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/mem.h>
#include <libswresample/swresample.h>
}

#include "demuxer.hpp"

namespace seeder::media {
namespace {

constexpr int kAacFrame = 1024;     // samples per AAC frame
constexpr int kEncoderPreroll = 3;  // AAC frames encoded before a segment's first, then dropped
constexpr std::int64_t kAacBitRatePerChannel = 80'000;  // 160 kb/s stereo, 480 kb/s 5.1

// The first AAC frame starting at or after `at_s` (frames counted from the audio's origin).
std::int64_t frame_at(double at_s, double origin_s, int rate) {
  if (std::isinf(at_s)) return at_s > 0 ? std::numeric_limits<std::int64_t>::max() : 0;
  const auto frame = std::ceil((at_s - origin_s) * rate / kAacFrame - kEpsilon);
  return std::max<std::int64_t>(0, static_cast<std::int64_t>(frame));
}

}  // namespace

// ---- SegmentCollector ----

SegmentCollector::SegmentCollector(const AVFormatContext& format, int video, int audio,
                                   SegmentWindow window, bool leading_pictures)
    : format_(format),
      video_index_(video),
      audio_index_(audio),
      window_(window),
      leading_pictures_(leading_pictures),
      audio_done_(audio < 0),
      shown_(window) {}

double SegmentCollector::seconds_of(const AVPacket& packet) const {
  const auto ts = packet.pts != AV_NOPTS_VALUE ? packet.pts : packet.dts;
  if (ts == AV_NOPTS_VALUE) return std::nan("");
  return seconds(ts, format_.streams[packet.stream_index]->time_base);
}

void SegmentCollector::take(const AVPacket& packet) {
  const double at = seconds_of(packet);
  if (std::isnan(at)) return;
  furthest_s_ = std::max(furthest_s_, at);
  if (packet.stream_index == video_index_) {
    take_video(packet, at);
  } else if (packet.stream_index == audio_index_) {
    if (at >= window_.end_s + kAudioAfter) audio_done_ = true;
    if (at >= window_.audio_start_s - kAudioBefore && at < window_.end_s + kAudioAfter)
      audio_.emplace_back(av_packet_clone(&packet));
  }
}

// The window's edges are the index's keyframe times: MP4's are decode times, below their
// keyframes' presentation times. So what is shown is measured from the keyframes read.
void SegmentCollector::take_video(const AVPacket& packet, double at) {
  const bool key = (packet.flags & AV_PKT_FLAG_KEY) != 0;
  if (video_done_) return;
  if (!video_started_) {
    if (!key || at < window_.start_s - kEpsilon) return;
    if (at >= window_.end_s - kEpsilon) {  // no keyframe where the index says: none taken
      video_done_ = true;
      return;
    }
    video_started_ = true;
    untimed_ = packet.pts == AV_NOPTS_VALUE;
    shown_.start_s = at;
    keyframes_ = 1;
  } else if (end_key_s_) {
    // Decoded: past the end keyframe, the pictures shown before it, up to the first after.
    // Without presentation times (AVI) which those are is unknown: a few packets are taken.
    const bool after =
        untimed_ ? ++past_end_packets_ > kUntimedLeading : at >= *end_key_s_ - kEpsilon;
    if (key || after) {
      video_done_ = true;
      return;
    }
  } else if (key && at >= window_.end_s - kEpsilon) {
    shown_.end_s = at;
    if (!leading_pictures_) {  // copied: up to the next keyframe
      video_done_ = true;
      return;
    }
    end_key_s_ = at;
  } else if (key) {
    ++keyframes_;
  }
  video_.emplace_back(av_packet_clone(&packet));
}

bool SegmentCollector::done() const {
  return (video_done_ && audio_done_) || furthest_s_ > window_.end_s + kReadPast;
}

// ---- AudioConverter ----

// The encoder's layout of `channels` (2 or 6): the one the encoder lists, else (FFmpeg 5.1's AAC
// encoder lists none) 5.1 with back speakers, the AAC channel configuration 6.
Status choose_layout(const AVCodec& encoder, int channels, AVChannelLayout& layout) {
  if (channels == 2) {
    av_channel_layout_default(&layout, 2);
    return {};
  }
  const AVChannelLayout* chosen = nullptr;
  for (const auto* listed = encoder.ch_layouts; listed && listed->nb_channels != 0; ++listed)
    if (listed->nb_channels == channels && chosen == nullptr) chosen = listed;
  const AVChannelLayout back = AV_CHANNEL_LAYOUT_5POINT1_BACK;
  if (chosen == nullptr && channels == back.nb_channels) chosen = &back;
  if (chosen == nullptr || av_channel_layout_copy(&layout, chosen) < 0)
    return make_error(Errc::internal, "this AAC encoder has no layout of " +
                                          std::to_string(channels) + " channels");
  return {};
}

Result<std::unique_ptr<AudioConverter>> AudioConverter::open(const AVStream& source, int channels) {
  std::unique_ptr<AudioConverter> converter(new AudioConverter(source));
  const auto* decoder = avcodec_find_decoder(source.codecpar->codec_id);
  if (decoder == nullptr)
    return make_error(Errc::upstream, std::string("no decoder for its audio (") +
                                          avcodec_get_name(source.codecpar->codec_id) + ")");
  converter->decoder_ = avcodec_alloc_context3(decoder);
  if (converter->decoder_ == nullptr) return make_error(Errc::internal, "out of memory");
  avcodec_parameters_to_context(converter->decoder_, source.codecpar);
  converter->decoder_->pkt_timebase = source.time_base;
  if (const int opened = avcodec_open2(converter->decoder_, decoder, nullptr); opened < 0)
    return av_error(opened, "opening the audio decoder");

  const auto* encoder = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (encoder == nullptr) return make_error(Errc::internal, "this libavcodec has no AAC encoder");
  auto* context = avcodec_alloc_context3(encoder);
  converter->encoder_ = context;
  if (context == nullptr) return make_error(Errc::internal, "out of memory");
  // The source's rate when AAC has it (no resampling: the samples stay on their grid).
  int rate = 48'000;
  for (const int* supported = encoder->supported_samplerates; supported && *supported; ++supported)
    if (*supported == source.codecpar->sample_rate) rate = *supported;
  context->sample_rate = rate;
  context->time_base = {1, rate};
  context->sample_fmt = AV_SAMPLE_FMT_FLTP;
  if (auto chosen = choose_layout(*encoder, channels, context->ch_layout); !chosen)
    return chosen.error();
  converter->pcm_.resize(static_cast<std::size_t>(channels));
  context->bit_rate = kAacBitRatePerChannel * channels;
  context->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // the AudioSpecificConfig goes in the moov
  if (const int opened = avcodec_open2(context, encoder, nullptr); opened < 0)
    return av_error(opened, "opening the AAC encoder");
  converter->origin_s_ =
      source.start_time != AV_NOPTS_VALUE ? seconds(source.start_time, source.time_base) : 0.0;
  return converter;
}

AudioConverter::~AudioConverter() {
  avcodec_free_context(&decoder_);
  avcodec_free_context(&encoder_);
  swr_free(&resampler_);
  av_channel_layout_uninit(&resampler_layout_);
}

Status AudioConverter::fit_resampler(AVFrame& frame) {
  if (resampler_ != nullptr && frame.format == resampler_format_ &&
      frame.sample_rate == resampler_rate_ &&
      av_channel_layout_compare(&frame.ch_layout, &resampler_layout_) == 0)
    return {};
  swr_free(&resampler_);
  av_channel_layout_uninit(&resampler_layout_);
  if (const int made = swr_alloc_set_opts2(&resampler_, &encoder_->ch_layout, AV_SAMPLE_FMT_FLTP,
                                           encoder_->sample_rate, &frame.ch_layout,
                                           static_cast<AVSampleFormat>(frame.format),
                                           frame.sample_rate, 0, nullptr);
      made < 0 || swr_init(resampler_) < 0) {
    swr_free(&resampler_);
    return make_error(Errc::upstream, "cannot convert this audio's channels");
  }
  if (const int copied = av_channel_layout_copy(&resampler_layout_, &frame.ch_layout); copied < 0) {
    swr_free(&resampler_);
    return av_error(copied, "keeping the audio's channel layout");
  }
  resampler_format_ = frame.format;
  resampler_rate_ = frame.sample_rate;
  return {};
}

void AudioConverter::place(const AVFrame& frame, bool& placed) {
  const int rate = encoder_->sample_rate;
  const double at = seconds(frame.pts, source_.time_base);
  double index = (at - origin_s_) * rate;
  if (frame.sample_rate == rate && frame.nb_samples > 0)
    index = std::round(index / frame.nb_samples) * frame.nb_samples;
  const auto position = static_cast<std::int64_t>(std::llround(index));
  if (!placed) {
    pcm_first_ = position;
    placed = true;
    return;
  }
  const auto next = pcm_first_ + static_cast<std::int64_t>(pcm_[0].size());
  const auto tolerance = std::max<std::int64_t>(frame.nb_samples / 2, 1);
  if (position >= next + tolerance) {  // a gap: silence
    for (auto& channel : pcm_)
      channel.resize(channel.size() + static_cast<std::size_t>(position - next), 0.0F);
  } else if (position <= next - tolerance) {  // an overlap: the later frame's samples win
    if (position < pcm_first_) pcm_first_ = position;
    const auto keep = static_cast<std::size_t>(position - pcm_first_);
    for (auto& channel : pcm_)
      channel.resize(keep);
  }
}

Result<std::vector<PacketPtr>> AudioConverter::convert(const std::vector<PacketPtr>& packets,
                                                       SegmentWindow window) {
  const int rate = encoder_->sample_rate;
  const auto first = frame_at(window.audio_start_s, origin_s_, rate);
  const auto end = frame_at(window.end_s, origin_s_, rate);
  if (auto decoded = decode(packets); !decoded) return decoded.error();
  auto encoded = encode(first, end);
  if (!encoded) return encoded;
  // From the grid (samples since the audio's first) to the source's timeline.
  const auto origin = std::llround(origin_s_ * rate);
  for (auto& packet : *encoded) {
    packet->pts += origin;
    packet->dts = packet->pts;
  }
  return encoded;
}

// Decodes into pcm_, in the encoder's channels and at its rate. The first frame is placed by its
// timestamp (snapped to the codec's frame grid: Matroska keeps milliseconds), the rest follow it,
// unless a frame's timestamp is half a frame or more away from there: a gap in the source's sound
// is filled with silence, an overlap dropped, so the sound after it stays with its picture.
Status AudioConverter::decode(const std::vector<PacketPtr>& packets) {
  bool placed = false;
  auto* frame = av_frame_alloc();
  if (frame == nullptr) return make_error(Errc::internal, "out of memory");
  auto take_frames = [&]() -> Status {
    while (true) {
      const int received = avcodec_receive_frame(decoder_, frame);
      if (received == AVERROR(EAGAIN) || received == AVERROR_EOF) return {};
      if (received < 0) return av_error(received, "decoding the audio");
      if (auto fitted = fit_resampler(*frame); !fitted) return fitted;
      if (frame->pts != AV_NOPTS_VALUE) place(*frame, placed);
      if (placed) {
        const int room = swr_get_out_samples(resampler_, frame->nb_samples);
        const auto size = pcm_[0].size();
        std::vector<std::uint8_t*> out;
        for (auto& channel : pcm_) {
          channel.resize(size + static_cast<std::size_t>(room));
          out.push_back(reinterpret_cast<std::uint8_t*>(channel.data() + size));
        }
        const int made =
            swr_convert(resampler_, out.data(), room,
                        const_cast<const std::uint8_t**>(frame->extended_data), frame->nb_samples);
        for (auto& channel : pcm_)
          channel.resize(size + static_cast<std::size_t>(std::max(made, 0)));
      }
      av_frame_unref(frame);
    }
  };
  Status status;
  for (const auto& packet : packets) {
    // A damaged packet is skipped: the rest of the segment still plays.
    if (avcodec_send_packet(decoder_, packet.get()) < 0) continue;
    if (status = take_frames(); !status) break;
  }
  if (status) {
    avcodec_send_packet(decoder_, nullptr);
    status = take_frames();
  }
  av_frame_free(&frame);
  return status;
}

// Encodes from a few frames before `first` (the encoder settles on audio the previous segment
// holds) and keeps the packets of frames [first, end), pts in samples on the grid.
Result<std::vector<PacketPtr>> AudioConverter::encode(std::int64_t first, std::int64_t end) {
  std::vector<PacketPtr> kept;
  const auto available_end = pcm_first_ + static_cast<std::int64_t>(pcm_[0].size());
  auto start_frame = std::max<std::int64_t>(first - kEncoderPreroll, 0);
  // Frames start on the grid inside what was decoded.
  start_frame = std::max(start_frame, (pcm_first_ + kAacFrame - 1) / kAacFrame);
  auto* frame = av_frame_alloc();
  PacketPtr packet(av_packet_alloc());
  if (frame == nullptr || !packet) {
    av_frame_free(&frame);
    return make_error(Errc::internal, "out of memory");
  }
  auto take_packets = [&]() -> Status {
    while (true) {
      const int received = avcodec_receive_packet(encoder_, packet.get());
      if (received == AVERROR(EAGAIN) || received == AVERROR_EOF) return {};
      if (received < 0) return av_error(received, "encoding AAC");
      const auto frame_index = packet->pts / kAacFrame;
      if (packet->pts >= 0 && frame_index >= first && frame_index < end)
        kept.emplace_back(av_packet_clone(packet.get()));
      av_packet_unref(packet.get());
    }
  };
  Status status;
  // One frame past `end` is fed too: the last kept packet's window reaches into it.
  const auto stop = end == std::numeric_limits<std::int64_t>::max() ? end : end + 1;
  for (auto index = start_frame; index < stop && status; ++index) {
    const auto sample = index * kAacFrame;
    if (sample >= available_end) break;
    const auto count = static_cast<int>(std::min<std::int64_t>(kAacFrame, available_end - sample));
    frame->nb_samples = count;
    frame->format = AV_SAMPLE_FMT_FLTP;
    frame->sample_rate = encoder_->sample_rate;
    av_channel_layout_copy(&frame->ch_layout, &encoder_->ch_layout);
    if (av_frame_get_buffer(frame, 0) < 0) {
      status = make_error(Errc::internal, "out of memory");
      break;
    }
    const auto offset = static_cast<std::size_t>(sample - pcm_first_);
    for (std::size_t channel = 0; channel < pcm_.size(); ++channel)
      std::copy_n(pcm_[channel].data() + offset, count,
                  reinterpret_cast<float*>(frame->extended_data[channel]));
    frame->pts = sample;
    if (const int sent = avcodec_send_frame(encoder_, frame); sent < 0)
      status = av_error(sent, "encoding AAC");
    av_frame_unref(frame);
    if (status) status = take_packets();
    if (count < kAacFrame) break;  // the last, short frame
  }
  if (status) {
    avcodec_send_frame(encoder_, nullptr);
    status = take_packets();
  }
  av_frame_free(&frame);
  if (!status) return status.error();
  return kept;
}

// ---- FragmentMuxer ----

int FragmentMuxer::on_write(void* opaque, std::uint8_t* buffer, int size) {
  static_cast<FragmentMuxer*>(opaque)->bytes_.append(reinterpret_cast<const char*>(buffer),
                                                     static_cast<std::size_t>(size));
  return size;
}

Result<std::unique_ptr<FragmentMuxer>> FragmentMuxer::open(const AVStream& video,
                                                           const AVStream* audio,
                                                           int converted_channels,
                                                           const AVCodecContext* video_encoder) {
  std::unique_ptr<FragmentMuxer> muxer(new FragmentMuxer());
  if (avformat_alloc_output_context2(&muxer->out_, nullptr, "mp4", nullptr) < 0)
    return make_error(Errc::internal, "no mp4 muxer in this libavformat");
  constexpr int kBufferSize = 64 * 1024;
  auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferSize));
  muxer->avio_ = buffer != nullptr ? avio_alloc_context(buffer, kBufferSize, 1, muxer.get(),
                                                        nullptr, on_write, nullptr)
                                   : nullptr;
  if (muxer->avio_ == nullptr) {
    av_free(buffer);
    return make_error(Errc::internal, "out of memory for the muxer");
  }
  muxer->out_->pb = muxer->avio_;

  auto* video_out = avformat_new_stream(muxer->out_, nullptr);
  if (video_out == nullptr) return make_error(Errc::internal, "out of memory for the muxer");
  if (video_encoder != nullptr) {
    avcodec_parameters_from_context(video_out->codecpar, video_encoder);
    video_out->codecpar->codec_tag = 0;
  } else {
    avcodec_parameters_copy(video_out->codecpar, video.codecpar);
    // hvc1: parameter sets in the sample entry, as browsers that decode HEVC want them.
    video_out->codecpar->codec_tag =
        video.codecpar->codec_id == AV_CODEC_ID_HEVC ? MKTAG('h', 'v', 'c', '1') : 0;
  }
  video_out->time_base = video.time_base;
  muxer->video_source_base_ = video.time_base;
  if (audio != nullptr) {
    auto* audio_out = avformat_new_stream(muxer->out_, nullptr);
    if (audio_out == nullptr) return make_error(Errc::internal, "out of memory for the muxer");
    if (converted_channels > 0) {
      auto converter = AudioConverter::open(*audio, converted_channels);
      if (!converter) return converter.error();
      muxer->converter_ = std::move(*converter);
      avcodec_parameters_from_context(audio_out->codecpar, &muxer->converter_->encoder());
      audio_out->time_base = muxer->converter_->encoder().time_base;
      muxer->audio_source_base_ = audio_out->time_base;
    } else {
      avcodec_parameters_copy(audio_out->codecpar, audio->codecpar);
      audio_out->codecpar->codec_tag = 0;
      audio_out->time_base = audio->time_base;
      muxer->audio_source_base_ = audio->time_base;
    }
  }
  // Timestamps as given: shifted to start at zero (libavformat's default without an edit
  // list), every segment made alone would start at zero.
  muxer->out_->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
  AVDictionary* options = nullptr;
  // One fragment per segment, written when asked; the moov up front with no samples; tfdt
  // from each fragment's first dts (frag_discont), so a segment made alone sits where it
  // belongs; no edit list (it would shift every segment again).
  av_dict_set(&options, "movflags", "frag_custom+empty_moov+default_base_moof+frag_discont", 0);
  av_dict_set(&options, "use_editlist", "0", 0);
  const int written = avformat_write_header(muxer->out_, &options);
  av_dict_free(&options);
  if (written < 0) return av_error(written, "writing the init segment");
  return muxer;
}

FragmentMuxer::~FragmentMuxer() {
  if (out_ != nullptr) avformat_free_context(out_);  // does not free pb
  if (avio_ != nullptr) {
    av_freep(&avio_->buffer);
    avio_context_free(&avio_);
  }
}

std::string FragmentMuxer::take_header() {
  avio_flush(avio_);
  return std::exchange(bytes_, {});
}

Status FragmentMuxer::write(AVPacket& packet, int stream) {
  const auto from = stream == 0 ? video_source_base_ : audio_source_base_;
  av_packet_rescale_ts(&packet, from, out_->streams[stream]->time_base);
  packet.stream_index = stream;
  packet.pos = -1;
  if (const int written = av_write_frame(out_, &packet); written < 0)
    return av_error(written, "writing a segment");
  return {};
}

Status FragmentMuxer::write_video(std::vector<PacketPtr>& packets, double shift_s) {
  const auto shift = std::llround(shift_s / av_q2d(video_source_base_));
  std::vector<std::int64_t> shown;
  for (auto& packet : packets) {
    if (packet->pts == AV_NOPTS_VALUE) packet->pts = packet->dts;  // AVI: no reordering
    shown.push_back(packet->pts);
  }
  std::sort(shown.begin(), shown.end());
  // Decode times: the presentation times in order, moved down just enough to stay below each.
  std::int64_t reorder = 0;
  for (std::size_t i = 0; i < packets.size(); ++i)
    reorder = std::max(reorder, shown[i] - packets[i]->pts);
  for (std::size_t i = 0; i < packets.size(); ++i) {
    auto& packet = *packets[i];
    packet.dts = shown[i] - reorder + shift;
    packet.pts += shift;
    if (auto written = write(packet, 0); !written) return written;
  }
  return {};
}

Status FragmentMuxer::write_audio(std::vector<PacketPtr>& packets, const AVStream& source,
                                  SegmentWindow window, double shift_s) {
  const auto shift = std::llround(shift_s / av_q2d(audio_source_base_));
  if (converter_) {
    auto converted = converter_->convert(packets, window);
    if (!converted) return converted.error();
    for (auto& packet : *converted) {
      packet->pts += shift;
      packet->dts = packet->pts;
      if (auto written = write(*packet, 1); !written) return written;
    }
    return {};
  }
  for (auto& packet : packets) {
    if (packet->pts == AV_NOPTS_VALUE) continue;
    const double at = seconds(packet->pts, source.time_base);
    if (at < window.audio_start_s - kEpsilon || at >= window.end_s - kEpsilon) continue;
    packet->pts += shift;
    packet->dts = packet->pts;
    if (auto written = write(*packet, 1); !written) return written;
  }
  return {};
}

Result<std::string> FragmentMuxer::finish_fragment() {
  if (const int flushed = av_write_frame(out_, nullptr); flushed < 0)
    return av_error(flushed, "writing a segment");
  avio_flush(avio_);
  return std::exchange(bytes_, {});
}

}  // namespace seeder::media

#endif
