#pragma once
// The index pages: every torrent (/) and one torrent's files (/<hash>/), as HTML for browsers
// and JSON for programs.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "seeder/torrent/meta.hpp"
#include "seeder/torrent/metadata_resolver.hpp"

namespace seeder::http {

// A torrent in the swarm right now, as the pages show it.
struct LiveState {
  int pieces_had = 0;  // verified
  int peers = 0;
  int seeds = 0;
  std::int64_t download_rate = 0;  // payload bytes per second
  int known = 0;                   // peers known (trackers, DHT, peer exchange)
  double seconds_joined = 0;       // since it joined the swarm
};
// The live state of a torrent by hash, or nullopt when it is not in the swarm (idle).
using LiveStateOf = std::function<std::optional<LiveState>(const InfoHash&)>;

// One line for people: "idle", "looking for peers…", "12% on disk · no peers yet",
// "40% on disk · 3 peers, 1 seed · 2.0 MiB/s".
std::string live_summary(const torrent::TorrentMeta& meta, const std::optional<LiveState>& state);

// `instance`: the gateway's name for the footer (none when empty).
// Each torrent's live state comes from `state_of` (none: every torrent idle); the HTML pages
// refresh it from their JSON every few seconds. `uploads`: the page has the form that adds a
// torrent (POST /).
std::string render_root_html(const std::vector<torrent::MetaPtr>& torrents,
                             std::string_view instance = {}, bool uploads = false,
                             const LiveStateOf& state_of = {});
std::string render_root_json(const std::vector<torrent::MetaPtr>& torrents,
                             const LiveStateOf& state_of = {});
std::string render_torrent_html(const torrent::TorrentMeta& meta, std::string_view instance = {},
                                const std::optional<LiveState>& state = std::nullopt);
std::string render_torrent_json(const torrent::TorrentMeta& meta,
                                const std::optional<LiveState>& state = std::nullopt);

// An extended M3U (#EXTM3U, #EXTINF:-1,<title>) of the video and audio files of `torrents`
// under `prefix` ("" for all; a directory or a file path), in torrent order, with absolute URLs
// under `base` ("http://host:port").
// `query`, when given, is appended to each file's URL (a signed link's).
using FileQuery = std::function<std::string(const torrent::TorrentMeta&, const torrent::FileInfo&)>;
std::string render_m3u(const std::vector<torrent::MetaPtr>& torrents, std::string_view base,
                       std::string_view prefix = {}, const FileQuery& query = {});

// The page shown while a torrent's metadata comes from the swarm: how long so far, the peers
// found and connected; it reloads itself every 2 s (the torrent's page comes when it is there).
std::string render_metadata_wait_html(const InfoHash& hash,
                                      const torrent::MetadataResolver::Progress& progress,
                                      std::string_view instance = {});

// The page shown while a file's first bytes come from the swarm: the torrent's live state; it
// reloads itself every 2 s (the file comes when its first bytes are on disk).
std::string render_file_wait_html(const torrent::TorrentMeta& meta, const torrent::FileInfo& file,
                                  const std::optional<LiveState>& state,
                                  std::string_view instance = {});

// The page a browser gets for an error: the status, the one-line message (what was seen), and
// the ways on: try again, the torrent's page (when `target` names one), every torrent.
std::string render_error_html(unsigned status, std::string_view message, std::string_view target,
                              std::string_view instance = {});

std::string html_escape(std::string_view text);

// The login page (--auth-file): a token field posted to /login, which goes back to `next`.
std::string render_login_html(std::string_view next, std::string_view message,
                              std::string_view instance);
// "/<hash>/<percent-encoded path>": the URL of a file of `meta` on this gateway.
std::string file_url(const torrent::TorrentMeta& meta, const torrent::FileInfo& file);
// Which gateway (and version) rendered a page: behind a balancer, the one to look at.
// `instance` may be empty.
std::string render_footer(std::string_view instance);

}  // namespace seeder::http
