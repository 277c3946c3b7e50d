#pragma once
// The player page (/<hash>/<path>?play): an HTML5 <video> or <audio> of one file, its
// subtitles as <track>s, and a live bar of its pieces and the swarm's figures read from the
// file's ?stats stream. Plain HTML, CSS and a small inline script: no CDN, nothing to build.
// Pure rendering; the router serves it.

#include <string>
#include <string_view>
#include <vector>

#include "seeder/torrent/meta.hpp"

namespace seeder::http {

struct SubtitleTrack {
  const torrent::FileInfo* file = nullptr;
  std::string label;     // "en", "English", or "Subtitles" when the name says nothing
  std::string language;  // a 2- or 3-letter code when the name carries one, else ""
  bool webvtt = false;   // a .vtt as it is; a .srt is converted (?format=vtt)
};

// The subtitle files (.srt, .vtt) of `meta` that go with `media`: the same stem ("Movie.srt",
// "Movie.en.srt", "Movie.forced.en.vtt") beside it or in a Subs/Subtitles folder beside it, a
// file in "Subs/<stem>/", and, when the torrent has one video file only, every subtitle file
// in such a folder. In torrent order.
std::vector<SubtitleTrack> subtitle_tracks(const torrent::TorrentMeta& meta,
                                           const torrent::FileInfo& media);

// Whether `path` gets a player page: a video or audio type the browser may play.
bool has_player(std::string_view path);

// `share_query`: appended to the URL "Copy URL" copies (a signed link's), when not empty.
std::string render_player_html(const torrent::TorrentMeta& meta, const torrent::FileInfo& media,
                               std::string_view instance = {}, std::string_view share_query = {});

}  // namespace seeder::http
