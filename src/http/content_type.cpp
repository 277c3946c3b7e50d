#include "seeder/http/content_type.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <utility>

namespace seeder::http {
namespace {

// Sorted by extension for binary search.
constexpr std::array<std::pair<std::string_view, std::string_view>, 46> kTypes{{
    {"3gp", "video/3gpp"},
    {"aac", "audio/aac"},
    {"ass", "text/x-ssa; charset=utf-8"},
    {"avi", "video/x-msvideo"},
    {"bmp", "image/bmp"},
    {"css", "text/css; charset=utf-8"},
    {"epub", "application/epub+zip"},
    {"flac", "audio/flac"},
    {"flv", "video/x-flv"},
    {"gif", "image/gif"},
    {"htm", "text/html; charset=utf-8"},
    {"html", "text/html; charset=utf-8"},
    {"ico", "image/x-icon"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"m2ts", "video/mp2t"},
    {"m3u8", "application/vnd.apple.mpegurl"},
    {"m4a", "audio/mp4"},
    {"m4v", "video/mp4"},
    {"md", "text/markdown; charset=utf-8"},
    {"mkv", "video/x-matroska"},
    {"mov", "video/quicktime"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"mpeg", "video/mpeg"},
    {"mpg", "video/mpeg"},
    {"nfo", "text/plain; charset=utf-8"},
    {"oga", "audio/ogg"},
    {"ogg", "audio/ogg"},
    {"ogv", "video/ogg"},
    {"opus", "audio/opus"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"srt", "application/x-subrip"},
    {"ssa", "text/x-ssa; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"ts", "video/mp2t"},
    {"txt", "text/plain; charset=utf-8"},
    {"vtt", "text/vtt; charset=utf-8"},
    {"wav", "audio/wav"},
    {"webm", "video/webm"},
    {"webp", "image/webp"},
    {"wmv", "video/x-ms-wmv"},
    {"zip", "application/zip"},
}};

static_assert(std::is_sorted(kTypes.begin(), kTypes.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; }));

}  // namespace

std::string_view content_type_for(std::string_view path) {
  constexpr std::string_view fallback = "application/octet-stream";
  const auto slash = path.rfind('/');
  const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == name.size() || name.size() - dot > 6) {
    return fallback;
  }
  std::string ext(name.substr(dot + 1));
  for (char& c : ext)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const auto it =
      std::lower_bound(kTypes.begin(), kTypes.end(), ext,
                       [](const auto& entry, const std::string& key) { return entry.first < key; });
  if (it == kTypes.end() || it->first != ext) return fallback;
  return it->second;
}

}  // namespace seeder::http
