#pragma once
// SubtitleDecoder: one text subtitle stream's packets as WebVTT cues (internal to the media
// module; built only with SEEDER_HAVE_MEDIA). libavcodec's text decoders (SubRip, ASS/SSA,
// WebVTT, MP4 timed text...) all give ASS events, made WebVTT by ass_event_to_webvtt.
//
// Blocking, on the remux's thread.

#include <memory>
#include <string>
#include <vector>

#include "seeder/core/result.hpp"
#include "seeder/media/hls.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

namespace seeder::media {

// Whether `stream` is a subtitle made of text that libavcodec decodes.
[[nodiscard]] bool is_text_subtitle(const AVStream& stream);

// What a subtitle track is called in a player's menu: its title, else its language's name
// ("eng": "English"), else "Subtitles <number>" (counted from 1 among the file's tracks).
[[nodiscard]] std::string subtitle_track_name(const AVStream& stream, int number);

class SubtitleDecoder {
 public:
  static Result<std::unique_ptr<SubtitleDecoder>> open(const AVStream& stream);
  ~SubtitleDecoder();
  SubtitleDecoder(const SubtitleDecoder&) = delete;
  SubtitleDecoder& operator=(const SubtitleDecoder&) = delete;

  // The packet's cues, shifted by `shift_s` (the remux's timeline); none for a packet that
  // shows nothing (an empty event, a picture) or that the decoder refuses.
  std::vector<SubtitleCue> decode(const AVPacket& packet, double shift_s);

 private:
  explicit SubtitleDecoder(const AVStream& stream) : stream_(stream) {}

  const AVStream& stream_;
  AVCodecContext* decoder_ = nullptr;
};

}  // namespace seeder::media
