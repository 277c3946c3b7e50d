#include "seeder/http/router.hpp"

#include "seeder/core/json.hpp"
#include "seeder/core/text.hpp"
#include "seeder/http/content_type.hpp"
#include "seeder/http/player_page.hpp"
#include "seeder/http/render.hpp"
#include "seeder/http/request_fields.hpp"
#include "seeder/http/validators.hpp"

namespace seeder::http {
namespace {

constexpr std::string_view kAllow = "GET, HEAD, OPTIONS";
constexpr std::string_view kExposed =
    "Content-Length, Content-Range, Accept-Ranges, Content-Type, Content-Disposition, ETag";

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

// Types a browser may run script from when it opens them.
bool runs_script(std::string_view type) {
  for (const auto* active : {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml",
                             "application/xml", "text/javascript", "application/javascript"}) {
    if (type.starts_with(active)) return true;
  }
  return false;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// A browser's navigation: it gets pages (errors, waits) rather than a line of text.
bool wants_html(const RequestHead& head) {
  return contains(head.accept, "text/html");
}

std::string_view first_segment(std::string_view path) {
  return path.substr(0, path.find('/'));
}

std::string_view base_name(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// The first of a comma-separated header's values (proxies append theirs).
std::string_view first_value(std::string_view value) {
  return trim_ows(value.substr(0, value.find(',')));
}

// A host[:port] (names, IPv4, bracketed IPv6) and nothing else: it goes into a body verbatim.
bool plausible_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == ':' ||
           c == '[' || c == ']' || c == '_';
  });
}

// "proto://host" as the client reached us, behind a reverse proxy too; "" (relative URLs) when
// the request names no usable host.
std::string public_base(const RequestHead& head) {
  auto host = first_value(head.forwarded_host);
  if (!plausible_host(host)) host = first_value(head.host);
  if (!plausible_host(host)) return {};
  const auto proto = to_lower(first_value(head.forwarded_proto));
  return (proto == "https" ? "https://" : "http://") + std::string(host);
}

bool is_subrip(std::string_view path) {
  return to_lower(path).ends_with(".srt");
}

// A .srt the client wants as WebVTT: ?format=vtt, or Accept naming text/vtt (a <track>).
bool wants_webvtt(const Target& target, const RequestHead& head) {
  for (const auto& [key, value] : target.query)
    if (key == "format" && to_lower(value) == "vtt") return true;
  return contains(head.accept, "text/vtt");
}

Mode mode_of(const Target& target) {
  if (target.has_query("stats")) return Mode::stats;
  if (target.has_query("warmup")) return Mode::warmup;
  if (target.has_query("done")) return Mode::done;
  return Mode::bytes;
}

}  // namespace

unsigned status_for(Errc code) {
  switch (code) {
    case Errc::bad_request:
      return 400;
    case Errc::header_too_large:
      return 431;
    case Errc::payload_too_large:
      return 413;
    case Errc::not_found:
      return 404;
    case Errc::method_not_allowed:
      return 405;
    case Errc::forbidden:
      return 403;
    case Errc::precondition_failed:
      return 412;
    case Errc::range_not_satisfiable:
      return 416;
    case Errc::unavailable:
      return 503;
    case Errc::too_many_requests:
      return 429;
    case Errc::upstream:
      return 502;
    case Errc::timeout:
      return 504;
    case Errc::not_implemented:
      return 501;
    case Errc::cancelled:
    case Errc::io:
    case Errc::corrupt:
    case Errc::internal:
      return 500;
  }
  return 500;
}

Router::Router(RouterOptions options) : options_(std::move(options)) {}

void Router::add_cors(Reply& reply, const RequestHead& head) const {
  if (options_.cors_origin.empty()) return;
  if (options_.cors_origin == "*") {
    reply.set_header("Access-Control-Allow-Origin", "*");
  } else {
    // An explicit list: echo the request's origin when it is on it (Fetch standard §3.2.3).
    std::string_view list = options_.cors_origin;
    bool allowed = false;
    while (!list.empty() && !head.origin.empty()) {
      const auto comma = list.find(',');
      auto item = list.substr(0, comma);
      while (!item.empty() && item.front() == ' ')
        item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ')
        item.remove_suffix(1);
      allowed = allowed || item == head.origin;
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
    reply.add_vary("Origin");
    if (!allowed) return;
    reply.set_header("Access-Control-Allow-Origin", head.origin);
  }
  reply.set_header("Access-Control-Expose-Headers", std::string(kExposed));
}

Reply Router::preflight(const RequestHead& head) const {
  Reply reply;
  reply.status = 204;
  reply.headers.push_back({"Allow", std::string(kAllow)});
  add_cors(reply, head);
  if (reply.find_header("Access-Control-Allow-Origin") != nullptr) {
    reply.set_header("Access-Control-Allow-Methods", std::string(kAllow));
    reply.set_header("Access-Control-Allow-Headers",
                     "Range, If-Range, If-None-Match, If-Match, X-Info-Hash, Accept");
    reply.set_header("Access-Control-Max-Age", "86400");
  }
  return reply;
}

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
  if (path == "magnet") {
    request.magnet = true;
    for (const auto& [key, value] : target.query) {
      if (key == "uri") request.magnet_uri = value;
    }
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
  request.wants_json = contains(head.accept, "application/json");
  request.wants_html = wants_html(head);
  std::string_view path = target->path;
  const Status located = !head.x_info_hash.empty() ? hash_from_header(head, path, request)
                         : path.empty()            ? Status{}
                                                   : hash_from_path(*target, path, request);
  if (!located) return error_reply(located.error(), head);
  if (!request.magnet) request.path = std::string(path);
  request.target = std::move(*target);
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
  ParsedRequest request;
  request.method = Method::post;
  request.head = head;
  request.upload = true;
  return request;
}

Reply Router::ok_reply(const ParsedRequest& request, std::string content_type,
                       std::string body) const {
  Reply reply;
  reply.headers.push_back({"Content-Type", std::move(content_type)});
  if (request.method == Method::head)
    reply.content_length = body.size();
  else
    reply.body = std::move(body);
  add_cors(reply, request.head);
  return reply;
}

Reply Router::playlist_reply(const ParsedRequest& request,
                             const std::vector<torrent::MetaPtr>& torrents, std::string_view prefix,
                             std::string_view name) const {
  const bool fixed = !options_.public_url.empty();
  auto reply = ok_reply(
      request, "audio/x-mpegurl; charset=utf-8",
      render_m3u(torrents, fixed ? options_.public_url : public_base(request.head), prefix));
  reply.headers.push_back(
      {"Content-Disposition", content_disposition(std::string(name) + ".m3u", false)});
  reply.headers.push_back({"Cache-Control", "no-cache"});
  // Without --public-url its URLs follow the Host the client used.
  if (!fixed) reply.add_vary("Host, X-Forwarded-Host, X-Forwarded-Proto");
  return reply;
}

Reply Router::root_index(const ParsedRequest& request,
                         const std::vector<torrent::MetaPtr>& torrents,
                         const LiveStateOf& state_of) const {
  if (request.playlist) return playlist_reply(request, torrents, {}, "seeder");
  auto reply = request.wants_json
                   ? ok_reply(request, "application/json", render_root_json(torrents, state_of))
                   : ok_reply(request, "text/html; charset=utf-8",
                              render_root_html(torrents, options_.instance_name,
                                               options_.allow_uploads, state_of));
  reply.headers.push_back({"Cache-Control", "no-cache"});  // live figures
  reply.add_vary("Accept");
  return reply;
}

Reply Router::metadata_wait_reply(const ParsedRequest& request,
                                  const torrent::MetadataResolver::Progress& progress) const {
  auto reply = ok_reply(request, "text/html; charset=utf-8",
                        render_metadata_wait_html(*request.hash, progress, options_.instance_name));
  reply.status = 202;
  reply.headers.push_back({"Cache-Control", "no-store"});
  return reply;
}

Reply Router::file_wait_reply(const ParsedRequest& request, const torrent::TorrentMeta& meta,
                              const torrent::FileInfo& file,
                              const std::optional<LiveState>& state) const {
  auto reply = ok_reply(request, "text/html; charset=utf-8",
                        render_file_wait_html(meta, file, state, options_.instance_name));
  reply.status = 202;
  reply.headers.push_back({"Cache-Control", "no-store"});
  return reply;
}

Reply Router::torrent_file_reply(const ParsedRequest& request, const torrent::TorrentMeta& meta,
                                 std::string bytes) const {
  auto reply = ok_reply(request, "application/x-bittorrent", std::move(bytes));
  reply.headers.push_back(
      {"Content-Disposition", content_disposition(meta.name() + ".torrent", true)});
  return reply;
}

Reply Router::redirect_reply(const ParsedRequest& request, std::string location,
                             unsigned status) const {
  Reply reply;
  reply.status = status;
  reply.headers.push_back({"Location", std::move(location)});
  reply.headers.push_back({"Cache-Control", "no-store"});
  add_cors(reply, request.head);
  return reply;
}

std::variant<Reply, FilePlan> Router::route(const ParsedRequest& request,
                                            const torrent::EntryPtr& entry,
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
  const auto* file = meta.find_file(request.path);
  if (file == nullptr) {
    return error_reply(make_error(Errc::not_found,
                                  "no file '" + request.path + "' in torrent " + meta.hash().hex()),
                       request.head);
  }
  if (request.play) return player_reply(request, meta, *file);
  return route_file(request, entry, *file);
}

Reply Router::player_reply(const ParsedRequest& request, const torrent::TorrentMeta& meta,
                           const torrent::FileInfo& file) const {
  if (!has_player(file.path)) {
    return error_reply(
        make_error(Errc::bad_request, "?play is for video and audio files; '" + file.path +
                                          "' is " + std::string(content_type_for(file.path))),
        request);
  }
  auto reply = ok_reply(request, "text/html; charset=utf-8",
                        render_player_html(meta, file, options_.instance_name));
  reply.headers.push_back({"Cache-Control", "no-cache"});
  return reply;
}

std::variant<Reply, FilePlan> Router::route_file(const ParsedRequest& request,
                                                 const torrent::EntryPtr& entry,
                                                 const torrent::FileInfo& file) const {
  if (request.webvtt && is_subrip(file.path)) return route_webvtt(request, entry, file);
  const auto& head = request.head;
  const auto etag = make_etag(entry->meta->hash().hex(), file.path, file.size);
  Reply reply;
  reply.headers.push_back({"ETag", etag});
  reply.headers.push_back({"Accept-Ranges", "bytes"});
  // The bytes under an info-hash never change: a cache may keep them for good (a year is the
  // longest max-age caches honour) and need not revalidate while it does.
  reply.headers.push_back({"Cache-Control", "public, max-age=31536000, immutable"});
  // A .srt has a second representation (WebVTT) chosen by Accept: a cache must not hand this
  // one to a <track>.
  if (is_subrip(file.path)) reply.add_vary("Accept");
  add_cors(reply, head);

  if (!head.if_match.empty() && !etag_list_matches(head.if_match, etag, false)) {
    return error_reply(make_error(Errc::precondition_failed, "If-Match does not match"), head);
  }
  if (!head.if_none_match.empty() && etag_list_matches(head.if_none_match, etag, true)) {
    reply.status = 304;  // RFC 9110 §13.1.2: GET and HEAD get 304
    return reply;
  }

  const bool download = request.target.has_query("download");
  const std::string type =
      download ? "application/octet-stream" : std::string(content_type_for(file.path));
  // Bytes from a torrent are whatever its author put there: never sniffed into something
  // else, and a page or image that could run script runs it without the gateway's origin.
  reply.headers.push_back({"X-Content-Type-Options", "nosniff"});
  if (runs_script(type)) reply.headers.push_back({"Content-Security-Policy", "sandbox"});
  reply.headers.push_back(
      {"Content-Disposition", content_disposition(base_name(file.path), download)});

  RangeRequest range;
  if (head.if_range.empty() || if_range_allows(head.if_range, etag)) {
    range = parse_range(head.range, file.size);
  }
  if (range.kind == RangeRequest::Kind::multiple && range.ranges.size() <= kMaxMultipartParts &&
      request.multipart_allowed) {
    auto boundary = multipart_boundary();
    auto layout = multipart_layout(std::move(range.ranges), type, file.size, std::move(boundary));
    reply.status = 206;
    reply.headers.push_back({"Content-Type", layout.content_type()});
    reply.content_length = layout.body_length();
    if (request.method == Method::head) return reply;
    const auto& opening = layout.ranges.front();
    return FilePlan{
        entry, &file, opening.first, opening.length(), std::move(reply), false, std::move(layout)};
  }
  reply.headers.push_back({"Content-Type", type});
  std::uint64_t first = 0;
  std::uint64_t length = file.size;
  switch (range.kind) {
    case RangeRequest::Kind::unsatisfiable: {
      auto error = error_reply(
          make_error(Errc::range_not_satisfiable,
                     "range not satisfiable for a file of " + std::to_string(file.size) + " bytes"),
          head);
      error.headers.push_back({"Content-Range", "bytes */" + std::to_string(file.size)});
      return error;
    }
    case RangeRequest::Kind::single:
      reply.status = 206;
      first = range.range.first;
      length = range.range.length();
      reply.headers.push_back({"Content-Range", "bytes " + std::to_string(range.range.first) + "-" +
                                                    std::to_string(range.range.last) + "/" +
                                                    std::to_string(file.size)});
      break;
    case RangeRequest::Kind::none:
    case RangeRequest::Kind::multiple:  // over kMaxMultipartParts: the whole, RFC 9110 §14.2
      reply.status = 200;
      break;
  }
  reply.content_length = length;
  if (request.method == Method::head) return reply;
  return FilePlan{entry, &file, first, length, std::move(reply), false, std::nullopt};
}

// The converted text has its own validator and no byte ranges; HEAD is a FilePlan too, since
// only the conversion knows the length.
std::variant<Reply, FilePlan> Router::route_webvtt(const ParsedRequest& request,
                                                   const torrent::EntryPtr& entry,
                                                   const torrent::FileInfo& file) const {
  const auto& head = request.head;
  if (file.size > kMaxSubtitleBytes) {
    return error_reply(make_error(Errc::not_implemented,
                                  "subtitle files over " + std::to_string(kMaxSubtitleBytes >> 20) +
                                      " MiB are not converted to WebVTT"),
                       head);
  }
  const auto etag = make_etag(entry->meta->hash().hex(), file.path + "#webvtt", file.size);
  Reply reply;
  reply.headers.push_back({"ETag", etag});
  reply.headers.push_back({"Accept-Ranges", "none"});
  reply.headers.push_back({"Cache-Control", "public, max-age=31536000, immutable"});
  reply.add_vary("Accept");
  add_cors(reply, head);
  if (!head.if_match.empty() && !etag_list_matches(head.if_match, etag, false))
    return error_reply(make_error(Errc::precondition_failed, "If-Match does not match"), head);
  if (!head.if_none_match.empty() && etag_list_matches(head.if_none_match, etag, true)) {
    reply.status = 304;
    return reply;
  }
  auto name = std::string(base_name(file.path));
  name.replace(name.size() - 4, 4, ".vtt");
  reply.headers.push_back({"Content-Type", "text/vtt; charset=utf-8"});
  reply.headers.push_back({"Content-Disposition", content_disposition(name, false)});
  FilePlan plan{entry, &file, 0, file.size, std::move(reply), true, std::nullopt};
  return plan;
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

Reply Router::done_reply(const ParsedRequest& request, bool complete) const {
  if (!complete) return error_reply(make_error(Errc::not_found, "not complete on disk"), request);
  Reply reply;
  reply.headers.push_back({"Cache-Control", "no-store"});
  add_cors(reply, request.head);
  return reply;
}

// The message as a client may see it: paths in the data dir (named for the log) are not its
// business.
std::string Router::client_message(const Error& error) const {
  std::string message = error.message;
  for (const auto& hidden : options_.hidden_paths) {
    if (hidden.empty()) continue;
    for (auto at = message.find(hidden); at != std::string::npos; at = message.find(hidden, at))
      message.replace(at, hidden.size(), "<data dir>");
  }
  return message;
}

Reply Router::error_reply(const Error& raw, const RequestHead& head) const {
  const Error error{raw.code, client_message(raw)};
  const unsigned status = status_for(error.code);
  Reply reply;
  if (contains(head.accept, "application/json")) {
    JsonWriter json;
    json.begin_object()
        .key("status")
        .value(static_cast<int>(status))
        .key("error")
        .value(error.message)
        .end_object();
    reply = Reply{status, {{"Content-Type", "application/json"}}, json.take() + "\n", std::nullopt};
  } else if (wants_html(head)) {
    reply = Reply{status,
                  {{"Content-Type", "text/html; charset=utf-8"}},
                  render_error_html(status, error.message, head.target, options_.instance_name),
                  std::nullopt};
  } else {
    reply = text_reply(status, error.message + "\n");
  }
  reply.headers.push_back({"Cache-Control", "no-store"});
  if (status == 429) reply.headers.push_back({"Retry-After", "1"});
  add_cors(reply, head);
  return reply;
}

}  // namespace seeder::http
