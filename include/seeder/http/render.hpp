#pragma once
// The index pages: every torrent (/) and one torrent's files (/<hash>/), as HTML for browsers
// and JSON for programs.

#include <string>
#include <vector>

#include "seeder/torrent/meta.hpp"

namespace seeder::http {

// `instance`: the gateway's name for the footer (none when empty).
// `uploads`: the page has the form that adds a torrent (POST /).
std::string render_root_html(const std::vector<torrent::MetaPtr>& torrents,
                             std::string_view instance = {}, bool uploads = false);
std::string render_root_json(const std::vector<torrent::MetaPtr>& torrents);
std::string render_torrent_html(const torrent::TorrentMeta& meta, std::string_view instance = {});
std::string render_torrent_json(const torrent::TorrentMeta& meta);

// An extended M3U (#EXTM3U, #EXTINF:-1,<title>) of the video and audio files of `torrents`
// under `prefix` ("" for all; a directory or a file path), in torrent order, with absolute URLs
// under `base` ("http://host:port").
std::string render_m3u(const std::vector<torrent::MetaPtr>& torrents, std::string_view base,
                       std::string_view prefix = {});

std::string html_escape(std::string_view text);
// Which gateway (and version) rendered a page: behind a balancer, the one to look at.
// `instance` may be empty.
std::string render_footer(std::string_view instance);

}  // namespace seeder::http
