#include "seeder/http/player_page.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "seeder/core/text.hpp"
#include "seeder/core/units.hpp"
#include "seeder/http/assets.hpp"
#include "seeder/http/content_type.hpp"
#include "seeder/http/render.hpp"

#include "media_judgement.hpp"

namespace seeder::http {
namespace {

struct PathParts {
  std::string_view dir;   // "" at the top
  std::string_view stem;  // the name without its last extension
  std::string extension;  // lower case, without the dot
};

PathParts split(std::string_view path) {
  const auto slash = path.rfind('/');
  PathParts parts;
  parts.dir = slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
  const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind('.');
  parts.stem = dot == std::string_view::npos ? name : name.substr(0, dot);
  if (dot != std::string_view::npos) parts.extension = to_lower(name.substr(dot + 1));
  return parts;
}

bool is_subtitle_folder(std::string_view name) {
  const auto lower = to_lower(name);
  return lower == "subs" || lower == "sub" || lower == "subtitles" || lower == "subtitle";
}

bool is_language_code(std::string_view text) {
  return (text.size() == 2 || text.size() == 3) &&
         std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; });
}

// "Movie.forced.en" for the stem "Movie": matches, with the label "forced.en" and language "en".
bool stem_matches(std::string_view candidate, std::string_view stem, SubtitleTrack& track) {
  if (candidate == stem) return true;
  if (candidate.size() <= stem.size() + 1 || !candidate.starts_with(stem) ||
      candidate[stem.size()] != '.')
    return false;
  track.label = std::string(candidate.substr(stem.size() + 1));
  const auto dot = track.label.rfind('.');
  const auto last = dot == std::string::npos ? std::string_view(track.label)
                                             : std::string_view(track.label).substr(dot + 1);
  if (is_language_code(last)) track.language = to_lower(last);
  return true;
}

// "2_English" (the name of a file in Subs/<stem>/) reads as "English".
std::string label_from_name(std::string_view stem) {
  const auto underscore = stem.find('_');
  if (underscore != std::string_view::npos && underscore > 0 &&
      std::all_of(stem.begin(), stem.begin() + static_cast<std::ptrdiff_t>(underscore),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }))
    stem.remove_prefix(underscore + 1);
  return std::string(stem);
}

// The path below `dir` (the media's folder), or nullopt when `path_dir` is not inside it.
std::optional<std::string_view> below(std::string_view path_dir, std::string_view dir) {
  if (dir.empty()) return path_dir;
  if (path_dir.size() <= dir.size() || !path_dir.starts_with(dir) || path_dir[dir.size()] != '/')
    return std::nullopt;
  return path_dir.substr(dir.size() + 1);
}

bool matches(const PathParts& media, const PathParts& sub, bool only_video, SubtitleTrack& track) {
  if (sub.dir == media.dir) return stem_matches(sub.stem, media.stem, track);
  const auto inner = below(sub.dir, media.dir);
  if (!inner) return false;
  const auto slash = inner->find('/');
  if (!is_subtitle_folder(inner->substr(0, slash))) return false;
  if (stem_matches(sub.stem, media.stem, track)) return true;
  // Subs/<stem>/<language>.srt, or any file of the folder when there is one video.
  const bool own_folder = slash != std::string_view::npos && inner->substr(slash + 1) == media.stem;
  if (!own_folder && !only_video) return false;
  track.label = label_from_name(sub.stem);
  return true;
}

bool is_video(std::string_view path) {
  return content_type_for(path).starts_with("video/");
}

constexpr std::string_view kStyle = R"css(
:root{color-scheme:light dark;--fg:#222;--bg:#fafafa;--muted:#666;--done:#3a7d44;--want:#d08c1f;
--missing:#d5d5d5;--line:#ddd}
@media (prefers-color-scheme:dark){:root{--fg:#ddd;--bg:#181818;--muted:#999;--done:#5fae6b;
--want:#e0a84a;--missing:#3a3a3a;--line:#333}}
body{font:15px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:1.5em auto;
max-width:64em;padding:0 1em}
h1{font-size:1.3em;margin:.3em 0 .6em;word-break:break-word}
a{color:inherit}video,audio{display:block;width:100%;max-height:62vh;background:#000}
audio{background:none}
.bar{display:block;width:100%;height:14px;margin:.8em 0 .3em;border-radius:3px;background:var(--missing)}
.notice{border-left:4px solid var(--want);padding:.4em .7em;margin:.6em 0}
.legend,.figures,footer{color:var(--muted);font-size:.9em;margin:.2em 0}
.legend span{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin:0 .3em 0 .8em;
vertical-align:-.05em}.legend span:first-child{margin-left:0}
.actions{display:flex;flex-wrap:wrap;gap:.6em;margin:1em 0}
.actions a,.actions button{font:inherit;padding:.35em .9em;border:1px solid var(--line);
border-radius:4px;background:transparent;color:inherit;text-decoration:none;cursor:pointer}
.actions a:focus-visible,.actions button:focus-visible,video:focus-visible{outline:2px solid var(--want);
outline-offset:2px}
)css";

// Reads the file's ?stats stream (statupdate frames: totals, swarm figures, changed pieces) and
// draws the pieces; ?done first, since a file complete on disk has no stream (404).
constexpr std::string_view kScript = R"js(
(function () {
  "use strict";
  var page = document.getElementById("player");
  var url = page.dataset.file;
  var bar = document.getElementById("pieces");
  var figures = document.getElementById("figures");
  var pieces = [];
  var opened = Date.now();
  var colors = {};
  function color(name) {
    if (!colors[name]) colors[name] = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return colors[name];
  }
  function size(bytes) {
    var units = ["B", "KiB", "MiB", "GiB", "TiB"], i = 0;
    while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i++; }
    return (i ? bytes.toFixed(1) : bytes) + " " + units[i];
  }
  function draw() {
    var width = Math.max(1, bar.clientWidth | 0), n = pieces.length;
    bar.width = width;
    var ctx = bar.getContext("2d");
    if (!n) return;
    var names = ["--missing", "--want", "--done"];
    for (var x = 0; x < width; x++) {
      var a = Math.floor(x * n / width), b = Math.max(a + 1, Math.floor((x + 1) * n / width)), worst = 2;
      for (var i = a; i < b && i < n; i++) worst = Math.min(worst, pieces[i] || 0);
      ctx.fillStyle = color(names[worst]);
      ctx.fillRect(x, 0, 1, bar.height);
    }
  }
  function show(fraction, text) {
    bar.dataset.onDisk = fraction.toFixed(4);
    bar.setAttribute("aria-valuenow", Math.round(fraction * 100));
    figures.textContent = text;
  }
  var last = null;
  function apply(frame) {
    last = frame;
    (frame.pieces || []).forEach(function (p) {
      pieces[p.position] = p.complete ? 2 : (p.priority === 2 ? 1 : 0);
    });
    var fraction = frame.total ? frame.completed / frame.total : 1;
    var swarm;
    if (frame.peers > 0) {
      swarm = frame.peers + " peer" + (frame.peers === 1 ? "" : "s") + ", " + frame.seeders +
          " seed" + (frame.seeders === 1 ? "" : "s") + ", " + size(frame.download_rate) + "/s";
    } else {
      swarm = Date.now() - opened > 4000 ? "no peers yet" : "looking for peers\u2026";
    }
    show(fraction, size(frame.completed) + " of " + size(frame.total) + " on disk (" +
        Math.floor(fraction * 100) + "%) \u00b7 " + swarm);
    draw();
  }
  function complete() {
    last = null;
    for (var i = 0; i < pieces.length; i++) pieces[i] = 2;
    if (!pieces.length) pieces = [2];
    show(1, "complete on disk");
    draw();
  }
  function connect() {
    fetch(url + "?done", {cache: "no-store"}).then(function (r) {
      if (r.status === 200) { complete(); return; }
      var stream = new EventSource(url + "?stats");
      stream.addEventListener("statupdate", function (e) { apply(JSON.parse(e.data)); });
      stream.onerror = function () {
        stream.close();  // the stream ends when the file is complete; ask again
        setTimeout(connect, 1000);
      };
    }, function () { figures.textContent = "gateway unreachable; retrying"; setTimeout(connect, 3000); });
  }
  document.getElementById("copy").addEventListener("click", function () {
    var absolute = new URL(page.dataset.share || url, location.href).href, button = this;
    var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy URL"; }, 1500); };
    if (navigator.clipboard) navigator.clipboard.writeText(absolute).then(done, function () { prompt("URL", absolute); });
    else prompt("URL", absolute);
  });
  // What the file holds (?probe) against what this browser says it decodes: a film it cannot
  // show or hear gets a sentence, never a black or silent player.
  var notice = document.getElementById("notice"), media = document.getElementById("media");
  var status = document.getElementById("status");
  function say(text) { notice.textContent = text; notice.hidden = false; }
  var name = seederMedia.name, decodes = seederMedia.decodes;
  // One caption at a time: a subtitle file beside the film (a default track element) and the track
  // inside it that the conversion offers would both show. The one shown last stays.
  var shown = [];
  media.textTracks.addEventListener("change", function () {
    var now = Array.prototype.filter.call(media.textTracks, function (t) { return t.mode === "showing"; });
    if (now.length > 1) {
      var keep = now.filter(function (t) { return shown.indexOf(t) < 0; })[0] || now[now.length - 1];
      now.forEach(function (t) { if (t !== keep) t.mode = "disabled"; });
      now = [keep];
    }
    shown = now;
  });
  var elsewhere = " VLC and mpv play it: use Download or Open in VLC below.";
  // A film whose picture this browser decodes but whose container or sound it does not plays
  // through the gateway's HLS remux (?hls): the picture copied, the sound made AAC. hls.js
  // (built into the gateway) where Media Source is, the browser's own HLS elsewhere (Safari).
  var converting = false;
  function linkQuery() {  // a signed link's parameters, for the segments it covers
    return location.search.replace(/^\?/, "").split("&").filter(function (p) {
      return /^(exp|scope|sig)=/.test(p); }).join("&");
  }
  // `direct`: the browser plays the file itself too: it goes on doing so until the conversion's
  // playlist is read, and again if the conversion fails. Called again (another sound track), it
  // starts over where the film was.
  // convertVideo: the gateway converts the picture to H.264 (&video=h264), for video this
  // browser cannot decode, where it runs with --transcode-video.
  var hls = null, own = media.getAttribute("src"), chosenSound = null, convertVideo = false;
  function viaHls(why, direct) {
    converting = true;
    var query = linkQuery(), src = url + "?hls" + (chosenSound !== null ? "&audio=" + chosenSound : "") +
        (convertVideo ? "&video=h264" : "") + (query ? "&" + query : "");
    var at = media.currentTime, playing = !media.paused;
    status.textContent = why + " It plays here through the gateway's conversion.";
    status.hidden = false;
    function resume(from, play) {  // a new source pauses the player and starts it at 0
      media.addEventListener("loadedmetadata", function () { if (from > 0) media.currentTime = from; }, {once: true});
      if (play) media.addEventListener("canplay", function () { media.play().catch(function () {}); }, {once: true});
    }
    // The file as it is: where the conversion left it, playing if it was; untouched if the
    // conversion never took the player over.
    var attached = false;
    function back(from, play) {
      converting = false;
      status.textContent = "The conversion failed: the film plays as it is, without what it added.";
      if (!attached) return;
      resume(from, play);
      media.src = own;
    }
    function start() {
      if (hls) { hls.destroy(); hls = null; }
      if (window.Hls && Hls.isSupported()) {
        // Segments are made when asked, from a swarm: a first byte may take the gateway's
        // whole 60 s, and a 429 (every media slot busy) is asked again, not fatal.
        var wait = {maxTimeToFirstByteMs: 65000, maxLoadTimeMs: 120000,
            timeoutRetry: {maxNumRetry: 2, retryDelayMs: 0, maxRetryDelayMs: 0},
            errorRetry: {maxNumRetry: 8, retryDelayMs: 1000, maxRetryDelayMs: 8000,
                shouldRetry: function (retry, count, timeout, response, usual) {
                  return response && response.code === 429 ? count < retry.maxNumRetry : usual;
                }}};
        var h = new Hls({maxBufferLength: 30, fragLoadPolicy: {default: wait},
            playlistLoadPolicy: {default: wait}, autoStartLoad: false});
        hls = h;
        h.on(Hls.Events.ERROR, function (event, data) {
          if (!data.fatal) return;
          var code = data.response && data.response.code;
          var from = media.currentTime, play = !media.paused;
          h.destroy();
          if (hls === h) hls = null;
          if (direct && own) { back(from, play); return; }
          say("The converted stream stopped" + (code ? " (HTTP " + code + ")" : "") + ": " +
              data.details + "." + elsewhere);
        });
        h.on(Hls.Events.MANIFEST_PARSED, function () {
          at = media.currentTime > 0 ? media.currentTime : at;  // the file played on meanwhile
          resume(0, playing || !media.paused);
          attached = true;
          h.attachMedia(media);
          h.startLoad(at > 0 ? at : -1);
        });
        h.loadSource(src);
      } else if (media.canPlayType("application/vnd.apple.mpegurl")) {
        if (direct && own) media.addEventListener("error", function () { back(at, playing); }, {once: true});
        resume(at, playing);
        attached = true;
        media.src = src;
      } else if (direct) {
        status.hidden = true;  // it plays as it is
      } else {
        say(why + elsewhere);
      }
    }
    if (window.Hls) { start(); return; }
    var script = document.createElement("script");
    script.src = page.dataset.hlsJs;
    script.onload = start;
    script.onerror = start;  // the browser's own HLS may still play it
    document.head.appendChild(script);
  }
  // A film with several sound tracks (dubs, a commentary) offers them; another than the one
  // playing comes through the conversion, which carries the track chosen (?audio=<stream>).
  function offerSound(sounds, playing) {
    var choice = document.getElementById("audio");
    sounds.forEach(function (s, i) {
      var option = document.createElement("option");
      option.value = s.index;
      option.textContent = (s.title || s.language_name || s.language || "Track " + (i + 1)) + " (" + name(s.codec) +
          ({1: ", mono", 2: ", stereo", 6: ", 5.1", 8: ", 7.1"}[s.channels] ||
           (s.channels ? ", " + s.channels + " channels" : "")) + ")";
      option.selected = s === playing;
      choice.appendChild(option);
    });
    choice.addEventListener("change", function () {
      chosenSound = choice.value;
      viaHls("Sound: " + choice.selectedOptions[0].textContent + ".", false);
    });
    document.getElementById("sound").hidden = false;
  }
  function judge(info) {
    var video = seederMedia.video(info), foreign = seederMedia.foreign(info);
    var texts = seederMedia.texts(info), sounds = seederMedia.sounds(info);
    var sound = seederMedia.sound(info);
    var pictured = seederMedia.picturedNote(info);
    if (video && pictured) {
      var note = document.getElementById("pictured");
      note.textContent = pictured;
      note.hidden = false;
    }
    convertVideo = !!(video && !decodes(video) && info.converts_video && seederMedia.remuxable(info));
    if (video && sounds.length > 1 && (decodes(video) || convertVideo)) offerSound(sounds, sound);
    if (convertVideo)
      viaHls("This browser cannot decode this file's " + name(video.codec) +
          " video: the gateway converts it to H.264.");
    else if (video && !decodes(video))
      say("This browser cannot decode this file's " + name(video.codec) + " video." + elsewhere);
    else if (video && foreign)
      viaHls("Browsers do not open " + seederMedia.containerName(info) + " files.");
    else if (video && sound && !decodes(sound))
      viaHls("This browser cannot decode this file's " + name(sound.codec) +
          (sound.channels > 2 ? " " + sound.channels + "-channel" : "") + " audio: it is converted to AAC.");
    else if (video && texts.length)
      viaHls("This file carries its subtitles inside it (" + texts.map(function (s) {
          return s.title || s.language || "untitled"; }).join(", ") + ").", true);
    else if (foreign)
      say("Browsers do not open " + seederMedia.containerName(info) + " files." + elsewhere);
    else if (sound && !decodes(sound))
      say("No sound here: this browser cannot decode this file's " + name(sound.codec) + " audio." + elsewhere);
  }
  // Busy (429): asked again a few times; no media (502): said.
  // A player error before the probe's answer waits for it: an AVI fails at once, and then
  // plays through the conversion; only an error nothing explains is said.
  var probed = false, failed = 0;
  function sayFailure(code) {
    say(code === 4 ? "This browser cannot play this file's format. Download it, or open it in VLC or mpv."
                   : "The browser stopped playing this file (error " + code + "). Reload the page to try again.");
  }
  function settled() {
    probed = true;
    if (failed && !converting && notice.hidden) sayFailure(failed);
  }
  function probe(tries) {
    fetch(url + "?probe").then(function (r) {
      if (r.status === 429 && tries > 0) { setTimeout(function () { probe(tries - 1); }, 3000); return; }
      if (r.status === 502) {
        r.text().then(function (t) { say("Players cannot read this file: " + t); settled(); }, settled);
        return;
      }
      if (r.ok) r.json().then(function (info) { judge(info); settled(); }, settled);
      else settled();
    }, settled);
  }
  probe(10);
  media.addEventListener("error", function () {
    if (!notice.hidden || converting) return;
    var code = media.error ? media.error.code : 0;
    if (!probed) { failed = code; return; }
    sayFailure(code);
  });
  window.addEventListener("resize", draw);
  // Frames come only when something changed: "no peers yet" has to come from here.
  setInterval(function () { if (last && !last.peers) apply({total: last.total,
      completed: last.completed, peers: 0, seeders: 0, download_rate: 0}); }, 1000);
  connect();
})();
)js";

std::string render_tracks(const torrent::TorrentMeta& meta,
                          const std::vector<SubtitleTrack>& tracks) {
  std::string out;
  bool first = true;
  for (const auto& track : tracks) {
    const auto src = file_url(meta, *track.file) + (track.webvtt ? "" : "?format=vtt");
    out += "<track kind=\"subtitles\" src=\"" + html_escape(src) + "\" label=\"" +
           html_escape(track.label) + "\"";
    if (!track.language.empty()) out += " srclang=\"" + html_escape(track.language) + "\"";
    if (first) out += " default";
    out += ">";
    first = false;
  }
  return out;
}

}  // namespace

bool has_player(std::string_view path) {
  const auto type = content_type_for(path);
  return type.starts_with("video/") || type.starts_with("audio/");
}

std::vector<SubtitleTrack> subtitle_tracks(const torrent::TorrentMeta& meta,
                                           const torrent::FileInfo& media) {
  const auto& files = meta.files();
  const bool only_video = std::count_if(files.begin(), files.end(),
                                        [](const auto& f) { return is_video(f.path); }) == 1;
  const auto media_parts = split(media.path);
  std::vector<SubtitleTrack> tracks;
  for (const auto& file : files) {
    const auto parts = split(file.path);
    if (parts.extension != "srt" && parts.extension != "vtt") continue;
    SubtitleTrack track;
    track.file = &file;
    track.webvtt = parts.extension == "vtt";
    if (!matches(media_parts, parts, only_video, track)) continue;
    if (track.label.empty()) track.label = "Subtitles";
    const auto same = std::count_if(tracks.begin(), tracks.end(),
                                    [&](const auto& t) { return t.label == track.label; });
    if (same > 0) track.label += " (" + std::to_string(same + 1) + ")";
    tracks.push_back(std::move(track));
  }
  return tracks;
}

std::string render_player_html(const torrent::TorrentMeta& meta, const torrent::FileInfo& media,
                               std::string_view instance, std::string_view share_query) {
  const auto url = file_url(meta, media);
  const auto title = media.path.substr(media.path.rfind('/') + 1);
  const bool audio = content_type_for(media.path).starts_with("audio/");
  const auto tag = audio ? std::string("audio") : std::string("video");
  std::string out = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">";
  out += "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">";
  out += "<title>" + html_escape(title) + "</title><style>";
  out.append(kStyle);
  const auto share = share_query.empty() ? url : url + "?" + std::string(share_query);
  out += "</style></head><body><main id=\"player\" data-file=\"" + html_escape(url) +
         "\" data-share=\"" + html_escape(share) + "\" data-hls-js=\"" + html_escape(hls_js_url()) +
         "\">";
  out +=
      "<p><a href=\"/" + meta.hash().hex() + "/\">&larr; " + html_escape(meta.name()) + "</a></p>";
  out += "<h1>" + html_escape(title) + "</h1>";
  out += "<" + tag + " id=\"media\" controls preload=\"metadata\" src=\"" + html_escape(url) +
         "\" aria-label=\"" + html_escape(title) + "\">";
  if (!audio) out += render_tracks(meta, subtitle_tracks(meta, media));
  out += "Your browser cannot play this file here: <a href=\"" + html_escape(url) +
         "?download\">download it</a>.</" + tag + ">";
  out +=
      "<p id=\"notice\" class=\"notice\" role=\"status\" hidden></p>"
      "<p id=\"status\" class=\"figures\" role=\"status\" hidden></p>"
      "<p id=\"pictured\" class=\"figures\" hidden></p>"
      "<p id=\"sound\" class=\"figures\" hidden><label>Sound <select id=\"audio\">"
      "</select></label></p>"
      "<canvas id=\"pieces\" class=\"bar\" height=\"14\" role=\"progressbar\" "
      "aria-label=\"Pieces of the file on disk\" aria-valuemin=\"0\" aria-valuemax=\"100\" "
      "aria-valuenow=\"0\" data-on-disk=\"0\"></canvas>";
  out +=
      "<p class=\"legend\"><span style=\"background:var(--done)\"></span>on disk"
      "<span style=\"background:var(--want)\"></span>being fetched for a reader"
      "<span style=\"background:var(--missing)\"></span>not yet</p>";
  out += "<p id=\"figures\" class=\"figures\" aria-live=\"polite\">" + format_size(media.size) +
         " &middot; connecting&hellip;</p>";
  out += "<p class=\"actions\"><a href=\"" + html_escape(url) + "?download\" download>Download</a>";
  out += "<button id=\"copy\" type=\"button\">Copy URL</button>";
  out +=
      "<a href=\"" + html_escape(url) + "?m3u\" type=\"audio/x-mpegurl\">Open in VLC (M3U)</a></p>";
  out += "</main>" + render_footer(instance) + "<script>";
  out.append(kMediaJudgementScript);
  out.append(kScript);
  out += "</script></body></html>\n";
  return out;
}

}  // namespace seeder::http
