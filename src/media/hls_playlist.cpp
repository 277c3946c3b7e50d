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

std::string media_playlist(const std::vector<HlsSegment>& segments, std::string_view base,
                           std::string_view extra_query) {
  double longest = 0;
  for (const auto& segment : segments)
    longest = std::max(longest, segment.duration_s);
  const auto suffix = extra_query.empty() ? std::string() : "&" + std::string(extra_query);
  // Version 7: fMP4 segments with an EXT-X-MAP.
  std::string text = fmt::format(
      "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:{}\n#EXT-X-MEDIA-SEQUENCE:0\n"
      "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"{}?hls=init{}\"\n",
      static_cast<int>(std::ceil(longest)), base, suffix);
  for (std::size_t n = 0; n < segments.size(); ++n)
    text += fmt::format("#EXTINF:{:.6f},\n{}?hls={}{}\n", segments[n].duration_s, base, n, suffix);
  text += "#EXT-X-ENDLIST\n";
  return text;
}

}  // namespace seeder::media
