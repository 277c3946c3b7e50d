#pragma once
// The index pages: every torrent (/) and one torrent's files (/<hash>/), as HTML for browsers
// and JSON for programs.

#include <string>
#include <vector>

#include "seeder/torrent/meta.hpp"

namespace seeder::http {

std::string render_root_html(const std::vector<torrent::MetaPtr>& torrents);
std::string render_root_json(const std::vector<torrent::MetaPtr>& torrents);
std::string render_torrent_html(const torrent::TorrentMeta& meta);
std::string render_torrent_json(const torrent::TorrentMeta& meta);

std::string html_escape(std::string_view text);

}  // namespace seeder::http
