#ifdef SEEDER_HAVE_MEDIA

#include "subtitle_decoder.hpp"

#include <string_view>

#include "demuxer.hpp"
#include "remux_parts.hpp"
#include "seeder/core/utf8.hpp"
#include "seeder/media/probe.hpp"

namespace seeder::media {
namespace {

// A cue without a duration (a damaged or odd file) shows this long.
constexpr double kUntimedCue = 4.0;
// Bytes of one event's text kept (a screenful of subtitles is far less).
constexpr std::size_t kLongestCue = 16 * 1024;

}  // namespace

bool is_text_subtitle(const AVStream& stream) {
  if (stream.codecpar->codec_type != AVMEDIA_TYPE_SUBTITLE) return false;
  const auto* descriptor = avcodec_descriptor_get(stream.codecpar->codec_id);
  return descriptor != nullptr && (descriptor->props & AV_CODEC_PROP_TEXT_SUB) != 0 &&
         avcodec_find_decoder(stream.codecpar->codec_id) != nullptr;
}

std::string subtitle_track_name(const AVStream& stream, int number) {
  if (auto title = metadata_tag(stream.metadata, "title"); !title.empty()) return title;
  const auto language = metadata_tag(stream.metadata, "language");
  if (const auto name = language_name(language); !name.empty()) return std::string(name);
  if (!language.empty() && language != "und") return language;
  return "Subtitles " + std::to_string(number);
}

Result<std::unique_ptr<SubtitleDecoder>> SubtitleDecoder::open(const AVStream& stream) {
  std::unique_ptr<SubtitleDecoder> decoder(new SubtitleDecoder(stream));
  const auto* codec = avcodec_find_decoder(stream.codecpar->codec_id);
  if (codec == nullptr)
    return make_error(Errc::upstream, std::string("no decoder for its subtitles (") +
                                          avcodec_get_name(stream.codecpar->codec_id) + ")");
  decoder->decoder_ = avcodec_alloc_context3(codec);
  if (decoder->decoder_ == nullptr) return make_error(Errc::internal, "out of memory");
  if (const int copied = avcodec_parameters_to_context(decoder->decoder_, stream.codecpar);
      copied < 0)
    return av_error(copied, "reading the subtitles' parameters");
  decoder->decoder_->pkt_timebase = stream.time_base;
  // Text that is not UTF-8 (an old file's code page) is kept, its bad bytes shown as U+FFFD,
  // rather than refused by the decoder and the cue lost.
  decoder->decoder_->sub_charenc_mode = FF_SUB_CHARENC_MODE_IGNORE;
  if (const int opened = avcodec_open2(decoder->decoder_, codec, nullptr); opened < 0)
    return av_error(opened, "opening the subtitle decoder");
  return decoder;
}

SubtitleDecoder::~SubtitleDecoder() {
  avcodec_free_context(&decoder_);
}

std::vector<SubtitleCue> SubtitleDecoder::decode(const AVPacket& packet, double shift_s) {
  std::vector<SubtitleCue> cues;
  if (packet.pts == AV_NOPTS_VALUE) return cues;
  AVSubtitle subtitle{};
  int got = 0;
  // The decoder takes a non-const packet but does not change it; on failure it frees what it
  // made itself.
  if (avcodec_decode_subtitle2(decoder_, &subtitle, &got, const_cast<AVPacket*>(&packet)) < 0 ||
      got == 0)
    return cues;
  const std::unique_ptr<AVSubtitle, decltype(&avsubtitle_free)> owned(&subtitle, &avsubtitle_free);
  const double at = seconds(packet.pts, stream_.time_base) + shift_s;
  double length = packet.duration > 0 ? seconds(packet.duration, stream_.time_base) : 0.0;
  if (length <= 0 && subtitle.end_display_time > subtitle.start_display_time &&
      subtitle.end_display_time != UINT32_MAX)
    length = (subtitle.end_display_time - subtitle.start_display_time) / 1000.0;
  if (length <= 0) length = kUntimedCue;
  const double start = at + subtitle.start_display_time / 1000.0;
  for (unsigned i = 0; i < subtitle.num_rects; ++i) {
    const auto* rect = subtitle.rects[i];
    if (rect->type != SUBTITLE_ASS || rect->ass == nullptr) continue;
    auto text = ass_event_to_webvtt(utf8_for_display(rect->ass, kLongestCue));
    if (!text.empty()) cues.push_back({start, start + length, std::move(text)});
  }
  return cues;
}

}  // namespace seeder::media

#endif
