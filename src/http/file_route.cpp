// Router's file route: a file's response head (validators, ranges, types) and its plan; a .srt
// as WebVTT (see router.hpp).
#include "seeder/core/text.hpp"
#include "seeder/http/content_type.hpp"
#include "seeder/http/router.hpp"
#include "seeder/http/validators.hpp"

namespace seeder::http {
namespace {

// Types a browser may run script from when it opens them.
bool runs_script(std::string_view type) {
  for (const auto* active : {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml",
                             "application/xml", "text/javascript", "application/javascript"}) {
    if (type.starts_with(active)) return true;
  }
  return false;
}

std::string_view base_name(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool is_subrip(std::string_view path) {
  return to_lower(path).ends_with(".srt");
}

}  // namespace

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
    range = resolve_ranges(request.ranges, file.size);
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

}  // namespace seeder::http
