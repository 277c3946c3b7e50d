#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "seeder/core/text.hpp"
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
  return webvtt_timestamp(static_cast<std::uint64_t>(std::llround(std::max(seconds, 0.0) * 1000)));
}

// What an ASS event's override blocks have switched on: WebVTT's italic, bold and underline
// (the tags open, innermost last), and drawing mode (its text is vector commands, not words).
struct AssStyle {
  std::string open;  // of "ibu"
  bool drawing = false;

  void turn(char tag, bool on, std::string& out) {
    const auto at = open.find(tag);
    if (on == (at != std::string::npos)) return;
    if (on) {
      open += tag;
      out += fmt::format("<{}>", tag);
      return;
    }
    // WebVTT closes the innermost tag only: those opened after this one close and reopen.
    const auto after = open.substr(at + 1);
    for (auto it = open.rbegin(); it != open.rend() && *it != tag; ++it)
      out += fmt::format("</{}>", *it);
    out += fmt::format("</{}>", tag);
    open.erase(at);
    for (const char again : after)
      turn(again, true, out);
  }
  void close_all(std::string& out) {
    for (auto it = open.rbegin(); it != open.rend(); ++it)
      out += fmt::format("</{}>", *it);
    open.clear();
  }
};

// Applies the tags of one override block ("\\i1\\b0\\pos(1,2)"), writing WebVTT's tags.
void apply_overrides(std::string_view block, std::string& out, AssStyle& style) {
  for (std::size_t at = block.find('\\'); at != std::string_view::npos;
       at = block.find('\\', at + 1)) {
    const auto tag = block.substr(at + 1, 2);
    if (tag.size() < 2 || tag[1] < '0' || tag[1] > '9') continue;
    if (tag[0] == 'p') style.drawing = tag[1] != '0';
    const auto weight = block.substr(at + 2, 3);  // "\\b700": bold from 600 on
    if (tag[0] == 'b' && weight.size() == 3 &&
        weight.find_first_not_of("0123456789") == std::string_view::npos)
      style.turn('b', weight[0] >= '6', out);
    else if ((tag[0] == 'i' || tag[0] == 'b' || tag[0] == 'u') && (tag[1] == '0' || tag[1] == '1'))
      style.turn(tag[0], tag[1] == '1', out);
  }
}

// Whether `cue` shows anything: text outside its tags.
bool has_words(std::string_view cue) {
  bool in_tag = false;
  for (const char c : cue) {
    if (c == '<')
      in_tag = true;
    else if (c == '>')
      in_tag = false;
    else if (!in_tag && c != ' ' && c != '\n')
      return true;
  }
  return false;
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
  bool has_default = false;
  for (const auto& track : layout.subtitles) {
    // NAME is unique in its group; at most one rendition is its DEFAULT (the container may mark
    // several).
    auto name = quotable(track.name);
    for (int n = 2; std::find(names.begin(), names.end(), name) != names.end(); ++n)
      name = fmt::format("{} ({})", quotable(track.name), n);
    names.push_back(name);
    const bool is_default = track.is_default && !has_default;
    has_default = has_default || is_default;
    text += fmt::format("#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"text\",NAME=\"{}\",", name);
    if (!track.language.empty()) text += fmt::format("LANGUAGE=\"{}\",", quotable(track.language));
    text += fmt::format("DEFAULT={},AUTOSELECT=YES,URI=\"{}\"\n", is_default ? "YES" : "NO",
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
    const auto close = c == '{' ? text.find('}', i) : std::string_view::npos;
    if (close != std::string_view::npos) {  // an override block; a lone '{' is text
      apply_overrides(text.substr(i + 1, close - i - 1), out, style);
      i = close;
    } else if (style.drawing) {
      continue;
    } else if (c == '\\' && (next == '{' || next == '}')) {  // an escaped brace is text
      out += next;
      ++i;
    } else if (c == '\\' && (next == 'N' || next == 'n' || next == 'h')) {
      // \\N breaks the line; \\n only where the script's wrap style says (a space here).
      out += next == 'N' ? "\n" : next == 'h' ? "\u00a0" : " ";
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
  style.close_all(out);
  auto cue = without_blank_lines(out);
  return has_words(cue) ? cue : std::string();
}

}  // namespace seeder::media
