// Router: parse() and the routes' decisions; its replies are in router_replies.cpp, the file
// route in file_route.cpp.
#include "seeder/http/router.hpp"

#include "request_traits.hpp"
#include "seeder/core/text.hpp"
#include "seeder/http/render.hpp"
#include "seeder/http/request_fields.hpp"

namespace seeder::http {
namespace {

std::optional<Method> method_of(std::string_view name) {
  if (name == "GET") return Method::get;
  if (name == "HEAD") return Method::head;
  if (name == "OPTIONS") return Method::options;
  return std::nullopt;
}

// Whether the Origin of `head` ("http://host:port") is the host the client asked (Host, or what
// a reverse proxy forwarded).
bool same_origin(const RequestHead& head) {
  const auto scheme_end = head.origin.find("://");
  if (scheme_end == std::string::npos) return false;  // "null": a sandboxed or file page
  const auto host = std::string_view(head.origin).substr(scheme_end + 3);
  return (!head.host.empty() && host == head.host) ||
         (!head.forwarded_host.empty() && host == head.forwarded_host);
}

std::string_view first_segment(std::string_view path) {
  return path.substr(0, path.find('/'));
}

// A .srt the client wants as WebVTT: ?format=vtt, or Accept naming text/vtt (a <track>).
bool wants_webvtt(const Target& target, const RequestHead& head) {
  for (const auto& [key, value] : target.query)
    if (key == "format" && to_lower(value) == "vtt") return true;
  return contains(head.accept, "text/vtt");
}

// A POST (an upload or a sign-in): its body is all there is to read.
ParsedRequest post_request(const RequestHead& head, Route route) {
  ParsedRequest request;
  request.method = Method::post;
  request.head = head;
  request.route = route;
  return request;
}

// In the order the handler used to test them: a mode wins over a playlist, and a torrent's
// page ("/<hash>/") over a file.
Route route_of(const ParsedRequest& request) {
  if (request.magnet) return Route::magnet;
  if (request.login) return Route::login;
  if (request.asset) return Route::asset;
  if (!request.hash) return Route::root;
  if (request.mode != Mode::bytes) return Route::torrent_mode;
  if (request.probe) return Route::probe;
  if (request.hls) return Route::hls;
  if (request.playlist) return Route::torrent_playlist;
  if (request.path.empty()) return Route::torrent_page;
  if (request.path == "source.torrent") return Route::source;
  return Route::file;
}

Mode mode_of(const Target& target) {
  if (target.has_query("stats")) return Mode::stats;
  if (target.has_query("warmup")) return Mode::warmup;
  if (target.has_query("done")) return Mode::done;
  return Mode::bytes;
}

}  // namespace

const char* route_label(const ParsedRequest& request) {
  switch (request.route) {
    case Route::root:
      return request.playlist ? "playlist" : "root";
    case Route::magnet:
      return "magnet";
    case Route::upload:
      return "upload";
    case Route::torrent_mode:
      return request.mode == Mode::stats    ? "stats"
             : request.mode == Mode::warmup ? "warmup"
                                            : "done";
    case Route::torrent_page:
      return "torrent";
    case Route::torrent_playlist:
      return "playlist";
    case Route::source:
      return "source";
    case Route::file:
      return "file";
    case Route::probe:
      return "probe";
    case Route::login:
      return "login";
    case Route::hls:
      return "hls";
    case Route::asset:
      return "asset";
  }
  return "invalid";
}

Router::Router(RouterOptions options) : options_(std::move(options)) {}

namespace {

// The header names the torrent, so the whole path is the file path, unless the client
// repeated the hash as the first segment.
Status hash_from_header(const RequestHead& head, std::string_view& path, ParsedRequest& request) {
  request.hash = InfoHash::parse(head.x_info_hash);
  if (!request.hash) return make_error(Errc::bad_request, "malformed X-Info-Hash header");
  const auto segment = first_segment(path);
  if (InfoHash::parse(segment) == request.hash) {
    path.remove_prefix(segment.size());
    if (!path.empty()) path.remove_prefix(1);
  }
  return {};
}

// The first segment names the torrent; `path` is left with the file path. /magnet?uri=... is a
// magnet link instead; /favicon.ico and /robots.txt are not torrents.
Status hash_from_path(const Target& target, std::string_view& path, ParsedRequest& request) {
  const auto segment = first_segment(path);
  if (segment == "favicon.ico" || segment == "robots.txt")
    return make_error(Errc::not_found, "not found");
  if (path == "login") {
    request.login = true;
    return {};
  }
  if (segment == "assets" && path.size() > segment.size()) {
    request.asset = true;
    path.remove_prefix(segment.size() + 1);
    return {};
  }
  if (path == "magnet") {
    request.magnet = true;
    request.magnet_uri = target.query_value("uri").value_or("");
    if (request.magnet_uri.empty())
      return make_error(Errc::bad_request, "expected /magnet?uri=<magnet link>");
    return {};
  }
  // "/<hash>.m3u": the torrent's playlist.
  if (segment == path && segment.ends_with(".m3u")) {
    request.hash = InfoHash::parse(segment.substr(0, segment.size() - 4));
    request.playlist = request.hash.has_value();
    if (request.playlist) {
      path = {};
      return {};
    }
  }
  request.hash = InfoHash::parse(segment);
  if (!request.hash) {
    return make_error(Errc::bad_request,
                      "malformed info-hash '" + std::string(segment) + "': expected 40 hex digits");
  }
  path.remove_prefix(segment.size());
  if (path.empty()) {
    request.redirect_to_slash = true;
  } else {
    path.remove_prefix(1);
  }
  return {};
}

}  // namespace

std::variant<Reply, ParsedRequest> Router::parse(const RequestHead& head) const {
  auto parsed = read_request(head);
  auto* request = std::get_if<ParsedRequest>(&parsed);
  if (request == nullptr) return parsed;
  if (!options_.gate && request->route == Route::login) {
    return error_reply(
        make_error(Errc::not_found, "no sign-in: this gateway was started without --auth-file"),
        head);
  }
  if (!options_.gate) return parsed;
  if (auto refused = admit(*request)) return std::move(*refused);
  return parsed;
}

std::variant<Reply, ParsedRequest> Router::read_request(const RequestHead& head) const {
  if (head.method == "POST" && is_login_target(head.target))
    return post_request(head, Route::login);
  if (head.method == "POST") return parse_upload_request(head);
  const auto method = method_of(head.method);
  if (!method) {
    auto reply =
        error_reply(make_error(Errc::method_not_allowed, head.method + " is not served"), head);
    reply.headers.push_back({"Allow", std::string(kAllow)});
    return reply;
  }
  if (*method == Method::options) return preflight(head);

  auto target = parse_target(head.target);
  if (!target) return error_reply(make_error(Errc::bad_request, "malformed request target"), head);

  ParsedRequest request;
  request.method = *method;
  request.head = head;
  request.mode = mode_of(*target);
  request.playlist = target->has_query("m3u");
  request.webvtt = wants_webvtt(*target, head);
  request.play = target->has_query("play");
  request.probe = target->has_query("probe");
  if (auto hls = target->query_value("hls")) request.hls = std::string(*hls);
  request.wants_json = contains(head.accept, "application/json");
  request.wants_html = wants_html(head);
  request.ranges = parse_range_specs(head.range);
  std::string_view path = target->path;
  const Status located = !head.x_info_hash.empty() ? hash_from_header(head, path, request)
                         : path.empty()            ? Status{}
                                                   : hash_from_path(*target, path, request);
  if (!located) return error_reply(located.error(), head);
  if (!request.magnet) request.path = std::string(path);
  request.target = std::move(*target);
  request.route = route_of(request);
  return request;
}

// POST is for uploads only, to the root, and only when they are on.
std::variant<Reply, ParsedRequest> Router::parse_upload_request(const RequestHead& head) const {
  const char* refused = !options_.allow_uploads ? "POST is not served (uploads are off: start "
                                                  "with --allow-uploads)"
                        : !is_upload_target(head.target) ? "POST is only for / (uploads)"
                                                         : nullptr;
  if (refused != nullptr) {
    auto reply = error_reply(make_error(Errc::method_not_allowed, refused), head);
    reply.headers.push_back({"Allow", options_.allow_uploads && is_upload_target(head.target)
                                          ? std::string(kAllow) + ", POST"
                                          : std::string(kAllow)});
    return reply;
  }
  // A form on another site can post here (no preflight for forms): a browser says where a
  // request comes from, and only the gateway's own pages may add torrents.
  if (!head.origin.empty() && !same_origin(head)) {
    return error_reply(make_error(Errc::forbidden,
                                  "uploads come from this gateway's own page, "
                                  "not from " +
                                      head.origin),
                       head);
  }
  return post_request(head, Route::upload);
}

std::variant<Reply, FilePlan> Router::route(const ParsedRequest& request,
                                            const torrent::EntryPtr& entry,
                                            const torrent::FileInfo* file,
                                            const std::optional<LiveState>& state) const {
  const auto& meta = *entry->meta;
  if (request.redirect_to_slash) {
    Reply reply;
    reply.status = 301;
    auto location = "/" + meta.hash().hex() + "/";
    if (!request.target.raw_query.empty()) location += "?" + request.target.raw_query;
    reply.headers.push_back({"Location", std::move(location)});
    add_cors(reply, request.head);
    return reply;
  }
  if (request.playlist) {
    if (auto selected = torrent::select(meta, request.path); !selected)
      return error_reply(selected.error(), request);
    std::string_view prefix = request.path;
    while (prefix.ends_with('/'))
      prefix.remove_suffix(1);
    return playlist_reply(request, {entry->meta}, prefix, meta.name());
  }
  if (request.path.empty()) {
    auto reply = request.wants_json
                     ? ok_reply(request, "application/json", render_torrent_json(meta, state))
                     : ok_reply(request, "text/html; charset=utf-8",
                                render_torrent_html(meta, options_.instance_name, state));
    reply.headers.push_back({"Cache-Control", "no-cache"});  // live figures
    reply.add_vary("Accept");
    return reply;
  }
  if (file == nullptr) {
    return error_reply(make_error(Errc::not_found,
                                  "no file '" + request.path + "' in torrent " + meta.hash().hex()),
                       request.head);
  }
  if (request.play) return player_reply(request, meta, *file);
  return route_file(request, entry, *file);
}

std::variant<Reply, ModePlan> Router::route_mode(const ParsedRequest& request,
                                                 const torrent::EntryPtr& entry) const {
  const auto& meta = *entry->meta;
  auto selection = torrent::select(meta, request.path);
  if (!selection) return error_reply(selection.error(), request);
  ModePlan plan{entry, request.mode, std::move(*selection), 0, 0, {}};
  if (plan.mode == Mode::done) return plan;

  auto& head = plan.head;
  head.headers = {{"Content-Type", "text/event-stream"},
                  {"Cache-Control", "no-cache"},
                  {"X-Accel-Buffering", "no"}};  // nginx must not hold frames back
  add_cors(head, request.head);
  if (plan.mode == Mode::warmup) {
    const auto size = plan.selection.size();
    const auto range = parse_first_range(request.head.range, size);
    if (size == 0 || range.kind == RangeRequest::Kind::unsatisfiable) {
      auto error = error_reply(make_error(Errc::range_not_satisfiable, "invalid range"), request);
      error.headers.push_back({"Content-Range", "bytes */" + std::to_string(size)});
      return error;
    }
    plan.first = range.kind == RangeRequest::Kind::single ? range.range.first : 0;
    plan.length = range.kind == RangeRequest::Kind::single ? range.range.length() : size;
  }
  if (request.method == Method::head) {
    head.content_length = 0;
    return head;
  }
  return plan;
}

}  // namespace seeder::http
