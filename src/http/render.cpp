#include "seeder/http/render.hpp"

#include <algorithm>

#include "seeder/core/json.hpp"
#include "seeder/core/units.hpp"
#include "seeder/core/version.hpp"
#include "seeder/http/content_type.hpp"
#include "seeder/http/player_page.hpp"
#include "seeder/http/target.hpp"
#include "seeder/torrent/file_plan.hpp"

namespace seeder::http {
namespace {

constexpr std::string_view kHead =
    "<!doctype html><html><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width\">"
    "<style>body{font:15px system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em}"
    "table{border-collapse:collapse;width:100%}td,th{padding:.3em .6em;text-align:left;"
    "border-bottom:1px solid #ddd}td.n{text-align:right;white-space:nowrap}"
    "code{font-size:13px;color:#555}</style>";

// POST / as multipart/form-data: a .torrent file, or a magnet link (upload.hpp reads both).
constexpr std::string_view kUploadForm =
    "<form method=\"post\" action=\"/\" enctype=\"multipart/form-data\" "
    "style=\"margin:1em 0;display:flex;flex-wrap:wrap;gap:.6em;align-items:center\">"
    "<label>.torrent file <input type=\"file\" name=\"torrent\" "
    "accept=\".torrent,application/x-bittorrent\"></label>"
    "<label>or magnet link <input type=\"text\" name=\"magnet\" size=\"40\" "
    "placeholder=\"magnet:?xt=urn:btih:...\"></label>"
    "<button type=\"submit\">Add torrent</button></form>";

std::string file_url(const torrent::TorrentMeta& meta, const torrent::FileInfo& file) {
  return "/" + meta.hash().hex() + "/" + percent_encode_path(file.path);
}

bool playable(std::string_view path) {
  const auto type = content_type_for(path);
  return type.starts_with("video/") || type.starts_with("audio/") || type.starts_with("image/") ||
         type.starts_with("text/");
}

}  // namespace

std::string render_footer(std::string_view instance) {
  std::string out = "<footer><p><small>seeder ";
  out += kVersion;
  if (!instance.empty()) out += " &middot; instance <code>" + html_escape(instance) + "</code>";
  return out + "</small></p></footer>";
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string render_root_html(const std::vector<torrent::MetaPtr>& torrents,
                             std::string_view instance, bool uploads) {
  std::string out(kHead);
  out += "<title>seeder</title></head><body><h1>Torrents</h1>";
  if (uploads) out += kUploadForm;
  if (torrents.empty()) {
    out += "<p>No torrents loaded. Start seeder with <code>--input DIR</code>.</p>";
  } else {
    out += "<table><tr><th>Name</th><th>Size</th><th>Files</th><th>Info-hash</th></tr>";
    for (const auto& meta : torrents) {
      const auto hex = meta->hash().hex();
      out += "<tr><td><a href=\"/" + hex + "/\">" + html_escape(meta->name()) + "</a></td>";
      out += "<td class=\"n\">" + format_size(meta->total_size()) + "</td>";
      out += "<td class=\"n\">" + std::to_string(meta->files().size()) + "</td>";
      out += "<td><code>" + hex + "</code></td></tr>";
    }
    out += "</table>";
  }
  out += render_footer(instance) + "</body></html>\n";
  return out;
}

std::string render_root_json(const std::vector<torrent::MetaPtr>& torrents) {
  JsonWriter json;
  json.begin_object().key("torrents").begin_array();
  for (const auto& meta : torrents) {
    json.begin_object()
        .key("hash")
        .value(meta->hash().hex())
        .key("name")
        .value(meta->name())
        .key("size")
        .value(meta->total_size())
        .key("files")
        .value(static_cast<std::uint64_t>(meta->files().size()))
        .key("url")
        .value("/" + meta->hash().hex() + "/")
        .end_object();
  }
  json.end_array().end_object();
  return json.take() + "\n";
}

std::string render_torrent_html(const torrent::TorrentMeta& meta, std::string_view instance) {
  const auto hex = meta.hash().hex();
  std::string out(kHead);
  out += "<title>" + html_escape(meta.name()) + "</title></head><body>";
  out += "<p><a href=\"/\">&larr; all torrents</a></p><h1>" + html_escape(meta.name()) + "</h1>";
  out += "<p><code>" + hex + "</code> &middot; " + format_size(meta.total_size()) + " &middot; " +
         std::to_string(meta.num_pieces()) + " pieces of " +
         format_size(static_cast<std::uint64_t>(meta.piece_length())) + " &middot; <a href=\"/" +
         hex + "/source.torrent\">source.torrent</a>";
  const auto& files = meta.files();
  if (std::any_of(files.begin(), files.end(),
                  [](const auto& file) { return torrent::is_media_file(file.path); }))
    out += " &middot; <a href=\"/" + hex + ".m3u\">playlist (M3U)</a>";
  out += "</p>";
  out += "<table><tr><th>File</th><th>Size</th></tr>";
  for (const auto& file : meta.files()) {
    const auto url = html_escape(file_url(meta, file));
    if (has_player(file.path)) {
      out += "<tr><td><a href=\"" + url + "?play\">" + html_escape(file.path) + "</a> <a href=\"" +
             url + "\">(file)</a>";
    } else {
      out += "<tr><td><a href=\"" + url + "\">" + html_escape(file.path) + "</a>";
    }
    if (!playable(file.path)) out += " <a href=\"" + url + "?download\">(download)</a>";
    out += "</td><td class=\"n\">" + format_size(file.size) + "</td></tr>";
  }
  out += "</table>" + render_footer(instance) + "</body></html>\n";
  return out;
}

namespace {

bool under(std::string_view path, std::string_view prefix) {
  if (prefix.empty() || path == prefix) return true;
  return path.size() > prefix.size() && path.starts_with(prefix) && path[prefix.size()] == '/';
}

// The title a player shows: the file's name; a control character (a line break would end the
// entry) becomes a space.
std::string m3u_title(std::string_view path) {
  const auto slash = path.rfind('/');
  std::string title(slash == std::string_view::npos ? path : path.substr(slash + 1));
  for (auto& c : title)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return title;
}

}  // namespace

std::string render_m3u(const std::vector<torrent::MetaPtr>& torrents, std::string_view base,
                       std::string_view prefix) {
  std::string out = "#EXTM3U\n";
  for (const auto& meta : torrents) {
    for (const auto& file : meta->files()) {
      if (!torrent::is_media_file(file.path) || !under(file.path, prefix)) continue;
      out += "#EXTINF:-1," + m3u_title(file.path) + "\n";
      out.append(base);
      out += file_url(*meta, file) + "\n";
    }
  }
  return out;
}

std::string render_torrent_json(const torrent::TorrentMeta& meta) {
  JsonWriter json;
  json.begin_object()
      .key("hash")
      .value(meta.hash().hex())
      .key("name")
      .value(meta.name())
      .key("size")
      .value(meta.total_size())
      .key("piece_length")
      .value(meta.piece_length())
      .key("pieces")
      .value(meta.num_pieces())
      .key("files")
      .begin_array();
  for (const auto& file : meta.files()) {
    json.begin_object()
        .key("path")
        .value(file.path)
        .key("size")
        .value(file.size)
        .key("url")
        .value(file_url(meta, file))
        .end_object();
  }
  json.end_array().end_object();
  return json.take() + "\n";
}

}  // namespace seeder::http
