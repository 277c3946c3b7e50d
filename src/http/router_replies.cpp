// Router's replies: statuses for typed errors, CORS, pages and redirects (see router.hpp).
#include <algorithm>

#include "request_traits.hpp"
#include "seeder/core/json.hpp"
#include "seeder/core/text.hpp"
#include "seeder/core/utf8.hpp"
#include "seeder/http/assets.hpp"
#include "seeder/http/content_type.hpp"
#include "seeder/http/player_page.hpp"
#include "seeder/http/render.hpp"
#include "seeder/http/router.hpp"

namespace seeder::http {
namespace {

constexpr std::string_view kExposed =
    "Content-Length, Content-Range, Accept-Ranges, Content-Type, Content-Disposition, ETag";

// The first of a comma-separated header's values (proxies append theirs).
std::string_view first_value(std::string_view value) {
  return trim_ows(value.substr(0, value.find(',')));
}

// A host[:port] (a name, IPv4, or bracketed IPv6) and nothing else: it goes into a body
// verbatim, so "[::1]:80:evil" or "a:b:c" is no host.
bool plausible_host(std::string_view host) {
  if (host.empty() || host.size() > 255) return false;
  std::string_view name = host;
  std::string_view port;
  bool has_port = false;
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return false;
    name = host.substr(1, close - 1);
    const auto rest = host.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return false;
    has_port = !rest.empty();
    if (has_port) port = rest.substr(1);
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
        }))
      return false;
  } else {
    const auto colon = host.find(':');
    has_port = colon != std::string_view::npos;
    if (has_port) {
      name = host.substr(0, colon);
      port = host.substr(colon + 1);
    }
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' ||
                 c == '_';
        }))
      return false;
  }
  return !has_port ||
         (!port.empty() && port.size() <= 5 && std::all_of(port.begin(), port.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) != 0;
         }));
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
    case Errc::unauthenticated:
      return 401;
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
  auto reply =
      ok_reply(request, "audio/x-mpegurl; charset=utf-8",
               render_m3u(torrents, fixed ? options_.public_url : public_base(request.head), prefix,
                          [this](const torrent::TorrentMeta& meta, const torrent::FileInfo& file) {
                            return share_query(meta, file);
                          }));
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

Reply Router::player_reply(const ParsedRequest& request, const torrent::TorrentMeta& meta,
                           const torrent::FileInfo& file) const {
  if (!has_player(file.path)) {
    return error_reply(
        make_error(Errc::bad_request, "?play is for video and audio files; '" + file.path +
                                          "' is " + std::string(content_type_for(file.path))),
        request);
  }
  auto reply =
      ok_reply(request, "text/html; charset=utf-8",
               render_player_html(meta, file, options_.instance_name, share_query(meta, file)));
  reply.headers.push_back({"Cache-Control", "no-cache"});
  return reply;
}

Reply Router::probe_reply(const ParsedRequest& request, std::string json) const {
  auto reply = ok_reply(request, "application/json", std::move(json));
  // What the bytes under an info-hash hold does not change; what this build says of them may.
  reply.headers.push_back({"Cache-Control", "public, max-age=3600"});
  return reply;
}

Reply Router::hls_reply(const ParsedRequest& request, std::string body,
                        std::string content_type) const {
  auto reply = ok_reply(request, std::move(content_type), std::move(body));
  // Made from bytes that do not change under an info-hash; a newer build may cut them anew.
  reply.headers.push_back({"Cache-Control", "public, max-age=3600"});
  return reply;
}

Reply Router::asset_reply(const ParsedRequest& request) const {
  const auto asset = find_asset(request.path);
  if (!asset) return error_reply(make_error(Errc::not_found, "no such asset"), request);
  auto reply = ok_reply(request, std::string(asset->content_type), std::string(asset->bytes));
  reply.headers.push_back({"Cache-Control", "public, max-age=31536000, immutable"});
  return reply;
}

Reply Router::done_reply(const ParsedRequest& request, bool complete) const {
  if (!complete) return error_reply(make_error(Errc::not_found, "not complete on disk"), request);
  Reply reply;
  reply.headers.push_back({"Cache-Control", "no-store"});
  add_cors(reply, request.head);
  return reply;
}

// The message as a client may see it: paths in the data dir (named for the log) are not its
// business, and a path it sent comes back as valid UTF-8 and at most 1 KiB (a 16 KB target was
// echoed whole, invalid bytes raw in a UTF-8 body).
std::string Router::client_message(const Error& error) const {
  constexpr std::size_t kMaxMessage = 1024;
  std::string message = error.message;
  for (const auto& hidden : options_.hidden_paths) {
    if (hidden.empty()) continue;
    for (auto at = message.find(hidden); at != std::string::npos; at = message.find(hidden, at))
      message.replace(at, hidden.size(), "<data dir>");
  }
  return utf8_for_display(message, kMaxMessage);
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
