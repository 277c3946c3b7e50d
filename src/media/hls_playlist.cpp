#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "seeder/media/hls.hpp"

namespace seeder::media {

std::vector<HlsSegment> cut_segments(const std::vector<double>& keyframes_s, double end_s,
                                     double target_s) {
  std::vector<HlsSegment> segments;
  for (const double keyframe : keyframes_s) {
    if (keyframe >= end_s) break;
    if (!segments.empty() && keyframe - segments.back().start_s < target_s) continue;
    if (!segments.empty()) segments.back().duration_s = keyframe - segments.back().start_s;
    segments.push_back({keyframe, 0});
  }
  if (!segments.empty()) segments.back().duration_s = end_s - segments.back().start_s;
  return segments;
}

namespace {

// `#EXT-X-TARGETDURATION` and each segment's `#EXTINF` with its URI (`uri(n)`).
template <typename UriOf>
std::string segment_lines(const std::vector<HlsSegment>& segments, UriOf uri) {
  double longest = 0;
  for (const auto& segment : segments)
    longest = std::max(longest, segment.duration_s);
  std::string text =
      fmt::format("#EXT-X-TARGETDURATION:{}\n", static_cast<int>(std::ceil(longest)));
  text += "#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n";
  for (std::size_t n = 0; n < segments.size(); ++n)
    text += fmt::format("#EXTINF:{:.6f},\n{}\n", segments[n].duration_s, uri(n));
  return text + "#EXT-X-ENDLIST\n";
}

// `base`?<extra>&hls=<value>: the value last, with its extension, because FFmpeg's HLS reader
// (mpv's) opens a segment only when the URL ends in an extension of the format it found there.
std::string uri(std::string_view base, std::string_view extra_query, std::string_view value) {
  return fmt::format("{}?{}{}hls={}", base, extra_query, extra_query.empty() ? "" : "&", value);
}

// A playlist's quoted-string holds no quote and no line break.
std::string quotable(std::string_view text) {
  std::string out;
  for (const char c : text)
    out += c == '"' ? '\'' : (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

std::string webvtt_time(double seconds) {
  const auto ms = std::llround(std::max(seconds, 0.0) * 1000);
  return fmt::format("{:02}:{:02}:{:02}.{:03}", ms / 3'600'000, ms / 60'000 % 60, ms / 1000 % 60,
                     ms % 1000);
}

// What an ASS event's override blocks have switched on: WebVTT's italic, bold and underline,
// and drawing mode (its text is vector commands, not words).
struct AssStyle {
  bool open[3] = {false, false, false};  // i, b, u
  bool drawing = false;
};

// Applies the tags of one override block ("\\i1\\b0\\pos(1,2)"), writing WebVTT's tags.
void apply_overrides(std::string_view block, std::string& out, AssStyle& style) {
  static constexpr char kTags[3] = {'i', 'b', 'u'};
  for (std::size_t at = block.find('\\'); at != std::string_view::npos;
       at = block.find('\\', at + 1)) {
    const auto tag = block.substr(at + 1, 2);
    if (tag.size() < 2 || tag[1] < '0' || tag[1] > '9') continue;
    if (tag[0] == 'p') style.drawing = tag[1] != '0';
    for (int k = 0; k < 3; ++k) {
      if (tag[0] != kTags[k] || (tag[1] != '0' && tag[1] != '1')) continue;
      const bool on = tag[1] == '1';
      if (on == style.open[k]) continue;
      out += on ? fmt::format("<{}>", kTags[k]) : fmt::format("</{}>", kTags[k]);
      style.open[k] = on;
    }
  }
}

// `text` without blank lines (one would end the cue) and trailing spaces.
std::string without_blank_lines(std::string_view text) {
  std::string kept;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(start, end - start);
    while (!line.empty() && line.back() == ' ')
      line.remove_suffix(1);
    if (!line.empty()) kept += (kept.empty() ? "" : "\n") + std::string(line);
    start = end + 1;
  }
  return kept;
}

}  // namespace

std::string media_playlist(const std::vector<HlsSegment>& segments, std::string_view base,
                           std::string_view extra_query) {
  // Version 7: fMP4 segments with an EXT-X-MAP.
  return fmt::format(
             "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n"
             "#EXT-X-MAP:URI=\"{}\"\n",
             uri(base, extra_query, "init.mp4")) +
         segment_lines(segments, [&](std::size_t n) {
           return uri(base, extra_query, fmt::format("{}.mp4", n));
         });
}

std::string subtitle_playlist(const std::vector<HlsSegment>& segments, int stream,
                              std::string_view base, std::string_view extra_query) {
  return "#EXTM3U\n#EXT-X-VERSION:7\n" + segment_lines(segments, [&](std::size_t n) {
           return uri(base, extra_query, fmt::format("sub{}-{}.vtt", stream, n));
         });
}

std::string master_playlist(const HlsLayout& layout, std::string_view base,
                            std::string_view extra_query) {
  constexpr std::int64_t kUnknownBitRate = 5'000'000;  // a film's, roughly
  std::string text = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  std::vector<std::string> names;
  for (const auto& track : layout.subtitles) {
    // NAME is unique in its group.
    auto name = quotable(track.name);
    const auto same = std::count(names.begin(), names.end(), name);
    names.push_back(name);
    if (same > 0) name += fmt::format(" ({})", same + 1);
    text += fmt::format("#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"text\",NAME=\"{}\",", name);
    if (!track.language.empty()) text += fmt::format("LANGUAGE=\"{}\",", quotable(track.language));
    text += fmt::format("DEFAULT={},AUTOSELECT=YES,URI=\"{}\"\n", track.is_default ? "YES" : "NO",
                        uri(base, extra_query, fmt::format("sub{}.m3u8", track.stream)));
  }
  text += fmt::format("#EXT-X-STREAM-INF:BANDWIDTH={}{}\n{}\n",
                      layout.bit_rate > 0 ? layout.bit_rate : kUnknownBitRate,
                      layout.subtitles.empty() ? "" : ",SUBTITLES=\"text\"",
                      uri(base, extra_query, "media.m3u8"));
  return text;
}

std::string webvtt_segment(const std::vector<SubtitleCue>& cues) {
  std::string text = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n";
  for (const auto& cue : cues)
    text += fmt::format("{} --> {}\n{}\n\n", webvtt_time(cue.start_s), webvtt_time(cue.end_s),
                        cue.text);
  return text;
}

std::string ass_event_to_webvtt(std::string_view event) {
  // The text is what follows the eighth comma (it may hold commas itself).
  std::string_view text = event;
  for (int field = 0; field < 8; ++field) {
    const auto comma = text.find(',');
    if (comma == std::string_view::npos) {
      text = event;  // not an ASS event: all of it is text
      break;
    }
    text.remove_prefix(comma + 1);
  }
  std::string out;
  AssStyle style;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (c == '{') {
      const auto close = text.find('}', i);
      if (close == std::string_view::npos) break;
      apply_overrides(text.substr(i + 1, close - i - 1), out, style);
      i = close;
    } else if (style.drawing) {
      continue;
    } else if (c == '\\' && (next == 'N' || next == 'n' || next == 'h')) {
      out += next == 'h' ? "\u00a0" : "\n";
      ++i;
    } else if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c != '\r') {
      out += c;
    }
  }
  for (int k = 2; k >= 0; --k)
    if (style.open[k]) out += fmt::format("</{}>", "ibu"[k]);
  return without_blank_lines(out);
}

}  // namespace seeder::media
