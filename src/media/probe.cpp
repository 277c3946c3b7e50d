#include "seeder/media/probe.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>

#include "seeder/core/json.hpp"

#ifdef SEEDER_HAVE_MEDIA
extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/dict.h>
}

#include "demuxer.hpp"
#endif

namespace seeder::media {
namespace {

std::string_view kind_name(StreamInfo::Kind kind) {
  switch (kind) {
    case StreamInfo::Kind::video:
      return "video";
    case StreamInfo::Kind::audio:
      return "audio";
    case StreamInfo::Kind::subtitle:
      return "subtitle";
    case StreamInfo::Kind::other:
      break;
  }
  return "other";
}

// Containers a browser's <video> opens (Chromium plays Matroska; none plays AVI or MPEG-TS).
bool browser_opens(std::string_view container) {
  constexpr std::array<std::string_view, 7> kOpened = {"mov,mp4", "matroska", "webm", "ogg",
                                                       "mp3",     "flac",     "wav"};
  return std::any_of(kOpened.begin(), kOpened.end(),
                     [&](std::string_view name) { return container.starts_with(name); });
}

const StreamInfo* first_of(const MediaInfo& info, StreamInfo::Kind kind) {
  const auto it = std::find_if(info.streams.begin(), info.streams.end(),
                               [&](const StreamInfo& stream) { return stream.kind == kind; });
  return it == info.streams.end() ? nullptr : &*it;
}

}  // namespace

bool browser_decodes(std::string_view codec) {
  constexpr std::array<std::string_view, 9> kDecoded = {"h264", "vp8",  "vp9",    "av1", "aac",
                                                        "mp3",  "opus", "vorbis", "flac"};
  return std::find(kDecoded.begin(), kDecoded.end(), codec) != kDecoded.end();
}

std::string_view language_name(std::string_view code) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 32> kNames{{
      {"eng", "English"},   {"fre", "French"},    {"fra", "French"},   {"ger", "German"},
      {"deu", "German"},    {"spa", "Spanish"},   {"ita", "Italian"},  {"por", "Portuguese"},
      {"rus", "Russian"},   {"ukr", "Ukrainian"}, {"pol", "Polish"},   {"cze", "Czech"},
      {"ces", "Czech"},     {"dut", "Dutch"},     {"nld", "Dutch"},    {"swe", "Swedish"},
      {"nor", "Norwegian"}, {"dan", "Danish"},    {"fin", "Finnish"},  {"tur", "Turkish"},
      {"gre", "Greek"},     {"ell", "Greek"},     {"heb", "Hebrew"},   {"ara", "Arabic"},
      {"hin", "Hindi"},     {"jpn", "Japanese"},  {"kor", "Korean"},   {"chi", "Chinese"},
      {"zho", "Chinese"},   {"hun", "Hungarian"}, {"rum", "Romanian"}, {"ron", "Romanian"},
  }};
  for (const auto& [known, name] : kNames)
    if (known == code) return name;
  return {};
}

std::string browser_verdict(const MediaInfo& info) {
  if (!browser_opens(info.container)) return "does not play";
  const auto* video = first_of(info, StreamInfo::Kind::video);
  const auto* audio = first_of(info, StreamInfo::Kind::audio);
  if (video != nullptr && !video->browser_decodes) return "does not play";
  if (video != nullptr && audio != nullptr && !audio->browser_decodes)
    return "picture without sound";
  if (video == nullptr && (audio == nullptr || !audio->browser_decodes)) return "does not play";
  return "plays";
}

std::string to_json(const MediaInfo& info) {
  JsonWriter json;
  json.begin_object();
  json.key("container").value(info.container);
  json.key("duration").value(info.duration_s);
  json.key("bit_rate").value(info.bit_rate);
  json.key("browser").value(browser_verdict(info));
  json.key("converts_video").value(info.converts_video);
  json.key("streams").begin_array();
  for (const auto& stream : info.streams) {
    json.begin_object();
    json.key("index").value(stream.index);
    json.key("type").value(std::string(kind_name(stream.kind)));
    json.key("codec").value(stream.codec);
    if (!stream.profile.empty()) json.key("profile").value(stream.profile);
    if (stream.kind == StreamInfo::Kind::video) {
      json.key("width").value(stream.width);
      json.key("height").value(stream.height);
    }
    if (stream.kind == StreamInfo::Kind::audio) {
      json.key("channels").value(stream.channels);
      json.key("sample_rate").value(stream.sample_rate);
    }
    if (stream.kind == StreamInfo::Kind::subtitle) json.key("text").value(stream.text);
    if (!stream.language.empty()) json.key("language").value(stream.language);
    if (const auto name = language_name(stream.language); !name.empty())
      json.key("language_name").value(std::string(name));
    if (!stream.title.empty()) json.key("title").value(stream.title);
    json.key("default").value(stream.is_default);
    json.key("browser_decodes").value(stream.browser_decodes);
    json.end_object();
  }
  json.end_array();
  json.end_object();
  return json.take() + "\n";
}

#ifndef SEEDER_HAVE_MEDIA

bool available() {
  return false;
}

Result<MediaInfo> probe(RandomAccess&, std::string_view, const ProbeLimits&) {
  return make_error(Errc::not_implemented,
                    "this gateway was built without media support (-DSEEDER_MEDIA=OFF)");
}

#else

namespace {

StreamInfo stream_info(const AVStream& stream) {
  const auto& codec = *stream.codecpar;
  StreamInfo info;
  info.index = stream.index;
  info.codec = avcodec_get_name(codec.codec_id);
  if (const char* profile = avcodec_profile_name(codec.codec_id, codec.profile))
    info.profile = profile;
  info.language = metadata_tag(stream.metadata, "language");
  info.title = metadata_tag(stream.metadata, "title");
  info.is_default = (stream.disposition & AV_DISPOSITION_DEFAULT) != 0;
  switch (codec.codec_type) {
    case AVMEDIA_TYPE_VIDEO:
      // Cover art is a picture, not a film.
      info.kind = (stream.disposition & AV_DISPOSITION_ATTACHED_PIC) != 0 ? StreamInfo::Kind::other
                                                                          : StreamInfo::Kind::video;
      info.width = codec.width;
      info.height = codec.height;
      break;
    case AVMEDIA_TYPE_AUDIO:
      info.kind = StreamInfo::Kind::audio;
      info.channels = codec.ch_layout.nb_channels;
      info.sample_rate = codec.sample_rate;
      break;
    case AVMEDIA_TYPE_SUBTITLE: {
      info.kind = StreamInfo::Kind::subtitle;
      const auto* descriptor = avcodec_descriptor_get(codec.codec_id);
      info.text = descriptor != nullptr && (descriptor->props & AV_CODEC_PROP_TEXT_SUB) != 0;
      break;
    }
    default:
      break;
  }
  info.browser_decodes =
      (info.kind == StreamInfo::Kind::video || info.kind == StreamInfo::Kind::audio) &&
      browser_decodes(info.codec);
  return info;
}

}  // namespace

bool available() {
  return true;
}

Result<MediaInfo> probe(RandomAccess& reader, std::string_view file_name,
                        const ProbeLimits& limits) {
  auto demuxer = Demuxer::open(reader, file_name, limits);
  if (!demuxer) return demuxer.error();
  const auto* format = &(*demuxer)->format();
  MediaInfo info;
  info.container = format->iformat->name;
  if (format->duration != AV_NOPTS_VALUE && format->duration > 0)
    info.duration_s = static_cast<double>(format->duration) / AV_TIME_BASE;
  info.bit_rate = format->bit_rate;
  for (unsigned i = 0; i < format->nb_streams; ++i)
    info.streams.push_back(stream_info(*format->streams[i]));
  return info;
}

#endif

}  // namespace seeder::media
