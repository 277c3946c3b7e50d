#include "seeder/http/render.hpp"

#include <algorithm>

#include <boost/beast/http/status.hpp>

#include "seeder/core/json.hpp"
#include "seeder/core/units.hpp"
#include "seeder/core/version.hpp"
#include "seeder/http/content_type.hpp"
#include "seeder/http/player_page.hpp"
#include "seeder/http/target.hpp"
#include "seeder/media/probe.hpp"
#include "seeder/torrent/file_plan.hpp"

#include "media_judgement.hpp"

namespace seeder::http {
namespace {

constexpr std::string_view kHead =
    "<!doctype html><html><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width\">"
    "<style>body{font:15px system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em}"
    "table{border-collapse:collapse;width:100%}td,th{padding:.3em .6em;text-align:left;"
    "border-bottom:1px solid #ddd}td.n{text-align:right;white-space:nowrap}"
    "code{font-size:13px;color:#555}.verdict{color:#555;font-size:.9em}"
    ".verdict[data-verdict=elsewhere]{color:#a33}</style>";

// POST / as multipart/form-data: a .torrent file, or a magnet link (upload.hpp reads both).
constexpr std::string_view kUploadForm =
    "<form method=\"post\" action=\"/\" enctype=\"multipart/form-data\" "
    "style=\"margin:1em 0;display:flex;flex-wrap:wrap;gap:.6em;align-items:center\">"
    "<label>.torrent file <input type=\"file\" name=\"torrent\" "
    "accept=\".torrent,application/x-bittorrent\"></label>"
    "<label>or magnet link <input type=\"text\" name=\"magnet\" size=\"40\" "
    "placeholder=\"magnet:?xt=urn:btih:...\"></label>"
    "<button type=\"submit\">Add torrent</button></form>";

bool playable(std::string_view path) {
  const auto type = content_type_for(path);
  return type.starts_with("video/") || type.starts_with("audio/") || type.starts_with("image/") ||
         type.starts_with("text/");
}

// Refreshes every [data-state="<hash>"] element from the page's own JSON (Accept:
// application/json on the same URL) every few seconds.
constexpr std::string_view kLiveScript =
    "<script>(function(){var cells=document.querySelectorAll('[data-state]');"
    "if(!cells.length)return;var url=location.pathname;"
    "function tick(){fetch(url,{headers:{Accept:'application/json'},cache:'no-store'})"
    ".then(function(r){return r.json();}).then(function(j){(j.torrents||[j]).forEach(function(t){"
    "var c=document.querySelector('[data-state=\"'+t.hash+'\"]');"
    "if(c&&t.state)c.textContent=t.state.summary;});},function(){})"
    ".then(function(){setTimeout(tick,3000);});}setTimeout(tick,1500);})();</script>";

// Marks each film of a torrent page with where it plays (seederMedia.verdict), from its ?probe,
// one at a time: the first 8 at once, another when its row is pointed at or focused. A probe
// reads the film's head and index, from the swarm when they are not on disk: a season's page
// must not fetch forty films' worth. Asked again when the gateway is busy (429).
constexpr std::string_view kPlayMarksScript = R"js(
(function () {
  var queue = [], busy = false;
  function mark(element, where, why) {
    element.dataset.verdict = where;
    element.textContent = " \u2014 " + why;
  }
  function next() {
    if (busy || !queue.length) return;
    busy = true;
    var element = queue.shift();
    function done() { busy = false; next(); }
    function ask(tries) {
      fetch(element.dataset.probe + "?probe").then(function (r) {
        if (r.status === 429 && tries > 0) {
          setTimeout(function () { ask(tries - 1); }, 2000);
          return;
        }
        if (r.status === 502) mark(element, "elsewhere", "players here cannot read it: VLC or mpv");
        if (!r.ok) { done(); return; }
        return r.json().then(function (info) {
          var verdict = seederMedia.verdict(info);
          mark(element, verdict.where, verdict.why);
          done();
        });
      }).catch(done);
    }
    ask(5);
  }
  function want(element) {
    if (element.dataset.asked) return;
    element.dataset.asked = "1";
    queue.push(element);
    next();
  }
  Array.prototype.forEach.call(document.querySelectorAll("[data-probe]"), function (element, i) {
    if (i < 8) { want(element); return; }
    var row = element.closest("tr");
    row.addEventListener("mouseenter", function () { want(element); });
    row.addEventListener("focusin", function () { want(element); });
  });
})();
)js";

void write_state(JsonWriter& json, const torrent::TorrentMeta& meta,
                 const std::optional<LiveState>& state) {
  json.key("state").begin_object().key("live").value(state.has_value());
  json.key("summary").value(live_summary(meta, state));
  if (state) {
    json.key("pieces")
        .value(meta.num_pieces())
        .key("pieces_had")
        .value(state->pieces_had)
        .key("peers")
        .value(state->peers)
        .key("seeds")
        .value(state->seeds)
        .key("known")
        .value(state->known)
        .key("download_rate")
        .value(state->download_rate);
  }
  json.end_object();
}

// `target` asking afresh (?retry: a torrent page does not show a failure remembered).
std::string retry_url(std::string_view target) {
  // One leading slash: "//host/x" would be a link to another site.
  while (!target.empty() && target.front() == '/')
    target.remove_prefix(1);
  std::string url = "/" + std::string(target.substr(0, target.find('#')));
  if (url.find("retry") != std::string::npos) return url;
  return url + (url.find('?') == std::string::npos ? "?retry" : "&retry");
}

std::string plural(int count, std::string_view one) {
  return std::to_string(count) + " " + std::string(one) + (count == 1 ? "" : "s");
}

}  // namespace

std::string live_summary(const torrent::TorrentMeta& meta, const std::optional<LiveState>& state) {
  if (!state) return "not in the swarm now (joins it when a missing piece is read)";
  const auto pieces = std::max(meta.num_pieces(), 1);
  const auto on_disk = std::to_string(state->pieces_had * 100 / pieces) + "% on disk \u00b7 ";
  if (state->pieces_had == meta.num_pieces()) return "complete on disk";
  if (state->peers == 0) {
    if (state->seconds_joined < 4) return on_disk + "looking for peers\u2026";
    if (state->known > 0)
      return on_disk + "no peer connected yet (" + std::to_string(state->known) + " known)";
    return on_disk + "no peers yet";
  }
  return on_disk + plural(state->peers, "peer") + ", " + plural(state->seeds, "seed") + " \u00b7 " +
         format_size(static_cast<std::uint64_t>(std::max<std::int64_t>(state->download_rate, 0))) +
         "/s";
}

std::string render_metadata_wait_html(const InfoHash& hash,
                                      const torrent::MetadataResolver::Progress& progress,
                                      std::string_view instance) {
  const auto seconds = [](std::chrono::milliseconds ms) {
    return std::to_string(ms.count() / 1000);
  };
  std::string out(kHead);
  // Reloads the plain page: a ?retry in the address would forget every failure, for good.
  out += "<meta http-equiv=\"refresh\" content=\"2; url=/" + hash.hex() +
         "/\"><title>Waiting for the swarm</title></head>"
         "<body><h1>Fetching the torrent&rsquo;s metadata</h1><p><code>" +
         hash.hex() + "</code></p><p aria-live=\"polite\">";
  if (progress.waited.count() == 0) {
    out += "Asking the swarm&hellip;";
  } else {
    out += seconds(progress.waited) + " s of " + seconds(progress.timeout) +
           " s so far: " + plural(progress.known, "peer") + " found, " +
           std::to_string(progress.connected) + " connected.";
  }
  out +=
      "</p><p>This page reloads itself and becomes the torrent&rsquo;s page once a peer has "
      "sent the metadata.</p><p><a href=\"/\">all torrents</a></p>" +
      render_footer(instance) + "</body></html>\n";
  return out;
}

std::string render_file_wait_html(const torrent::TorrentMeta& meta, const torrent::FileInfo& file,
                                  const std::optional<LiveState>& state,
                                  std::string_view instance) {
  const auto hex = meta.hash().hex();
  std::string out(kHead);
  out +=
      "<meta http-equiv=\"refresh\" content=\"2\"><title>Waiting for the swarm</title></head>"
      "<body><h1>Waiting for the swarm</h1><p>" +
      html_escape(file.path) + " (" + format_size(file.size) + ")</p><p aria-live=\"polite\">" +
      html_escape(live_summary(meta, state)) +
      "</p><p>Its first bytes are being fetched. This page reloads itself and becomes the file "
      "once they are on disk.</p><p><a href=\"/" +
      hex + "/\">the torrent&rsquo;s page</a> &middot; <a href=\"/\">all torrents</a></p>" +
      render_footer(instance) + "</body></html>\n";
  return out;
}

std::string render_error_html(unsigned status, std::string_view message, std::string_view target,
                              std::string_view instance) {
  const auto reason =
      boost::beast::http::obsolete_reason(boost::beast::http::int_to_status(status));
  const auto title = std::to_string(status) + " " + std::string(reason.data(), reason.size());
  std::string out(kHead);
  out += "<title>" + html_escape(title) + "</title></head><body><h1>" + html_escape(title) +
         "</h1><p>" + html_escape(message) + "</p><p><a href=\"" + html_escape(retry_url(target)) +
         "\">Try again</a>";
  // "/<40 hex>/...": the torrent's page too.
  const auto hash = target.size() >= 41 && target[0] == '/' ? InfoHash::parse(target.substr(1, 40))
                                                            : std::nullopt;
  if (hash && (target.size() == 41 || target[41] == '/'))
    out += " &middot; <a href=\"/" + hash->hex() + "/\">the torrent's page</a>";
  out +=
      " &middot; <a href=\"/\">all torrents</a></p>" + render_footer(instance) + "</body></html>\n";
  return out;
}

std::string render_login_html(std::string_view next, std::string_view message,
                              std::string_view instance) {
  std::string out(kHead);
  out += "<title>Sign in</title></head><body><h1>Sign in</h1>";
  if (!message.empty()) out += "<p>" + html_escape(message) + "</p>";
  out +=
      "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"next\" value=\"" +
      html_escape(next) +
      "\"><label>Token <input type=\"password\" name=\"token\" autocomplete=\"current-password\" "
      "required autofocus></label> <button type=\"submit\">Sign in</button></form>" +
      render_footer(instance) + "</body></html>\n";
  return out;
}

std::string file_url(const torrent::TorrentMeta& meta, const torrent::FileInfo& file) {
  return "/" + meta.hash().hex() + "/" + percent_encode_path(file.path);
}

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
                             std::string_view instance, bool uploads, const LiveStateOf& state_of) {
  std::string out(kHead);
  out += "<title>seeder</title></head><body><h1>Torrents</h1>";
  if (uploads) out += kUploadForm;
  if (torrents.empty()) {
    out += "<p>No torrents loaded. Start seeder with <code>--input DIR</code>.</p>";
  } else {
    out +=
        "<table><tr><th>Name</th><th>Size</th><th>Files</th><th>State</th><th>Info-hash</th>"
        "</tr>";
    for (const auto& meta : torrents) {
      const auto hex = meta->hash().hex();
      const auto state = state_of ? state_of(meta->hash()) : std::nullopt;
      out += "<tr><td><a href=\"/" + hex + "/\">" + html_escape(meta->name()) + "</a></td>";
      out += "<td class=\"n\">" + format_size(meta->total_size()) + "</td>";
      out += "<td class=\"n\">" + std::to_string(meta->files().size()) + "</td>";
      out += "<td data-state=\"" + hex + "\">" + html_escape(live_summary(*meta, state)) + "</td>";
      out += "<td><code>" + hex + "</code></td></tr>";
    }
    out += "</table>";
    out += kLiveScript;
  }
  out += render_footer(instance) + "</body></html>\n";
  return out;
}

std::string render_root_json(const std::vector<torrent::MetaPtr>& torrents,
                             const LiveStateOf& state_of) {
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
        .value("/" + meta->hash().hex() + "/");
    write_state(json, *meta, state_of ? state_of(meta->hash()) : std::nullopt);
    json.end_object();
  }
  json.end_array().end_object();
  return json.take() + "\n";
}

std::string render_torrent_html(const torrent::TorrentMeta& meta, std::string_view instance,
                                const std::optional<LiveState>& state) {
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
  out += "</p><p aria-live=\"polite\" data-state=\"" + hex + "\">" +
         html_escape(live_summary(meta, state)) + "</p>";
  out += "<table><tr><th>File</th><th>Size</th></tr>";
  for (const auto& file : meta.files()) {
    const auto url = html_escape(file_url(meta, file));
    if (has_player(file.path)) {
      out += "<tr><td><a href=\"" + url + "?play\">" + html_escape(file.path) + "</a> <a href=\"" +
             url + "\">(file)</a><span class=\"verdict\" data-probe=\"" + url + "\"></span>";
    } else {
      out += "<tr><td><a href=\"" + url + "\">" + html_escape(file.path) + "</a>";
    }
    if (!playable(file.path)) out += " <a href=\"" + url + "?download\">(download)</a>";
    out += "</td><td class=\"n\">" + format_size(file.size) + "</td></tr>";
  }
  out += "</table>";
  out += kLiveScript;
  if (media::available()) {
    out += "<script>";
    out.append(kMediaJudgementScript);
    out.append(kPlayMarksScript);
    out += "</script>";
  }
  out += render_footer(instance) + "</body></html>\n";
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
                       std::string_view prefix, const FileQuery& query) {
  std::string out = "#EXTM3U\n";
  for (const auto& meta : torrents) {
    for (const auto& file : meta->files()) {
      if (!torrent::is_media_file(file.path) || !under(file.path, prefix)) continue;
      out += "#EXTINF:-1," + m3u_title(file.path) + "\n";
      out.append(base);
      out += file_url(*meta, file);
      if (const auto signed_query = query ? query(*meta, file) : std::string();
          !signed_query.empty())
        out += "?" + signed_query;
      out += "\n";
    }
  }
  return out;
}

std::string render_torrent_json(const torrent::TorrentMeta& meta,
                                const std::optional<LiveState>& state) {
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
  json.end_array();
  write_state(json, meta, state);
  json.end_object();
  return json.take() + "\n";
}

}  // namespace seeder::http
