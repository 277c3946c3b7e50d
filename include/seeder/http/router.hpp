#pragma once
// Router: turns a request into a decision without touching a socket. Two steps, because finding
// a torrent's metadata may take time: parse() reads the request (method, hash, path, mode), then
// route() decides with the torrent's metadata in hand. Typed errors become statuses here, and
// only here (error_reply).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "seeder/core/info_hash.hpp"
#include "seeder/core/result.hpp"
#include "seeder/http/access.hpp"
#include "seeder/http/byte_range.hpp"
#include "seeder/http/multipart.hpp"
#include "seeder/http/render.hpp"
#include "seeder/http/reply.hpp"
#include "seeder/http/signed_link.hpp"
#include "seeder/http/target.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/metadata_resolver.hpp"
#include "seeder/torrent/selection.hpp"

namespace seeder::http {

struct RouterOptions {
  // Access-Control-Allow-Origin: "*", a comma-separated list of origins, or "" for no CORS.
  std::string cors_origin = "*";
  // Shown in the pages' footer (which gateway rendered them); empty shows none.
  std::string instance_name;
  // POST / adds a torrent (.torrent bytes or a magnet link); the index page shows the form.
  bool allow_uploads = false;
  // Where content lives (absolute, and as configured): never shown to a client; error messages
  // name files there for the log.
  std::vector<std::string> hidden_paths;
  // "https://media.example.org" (a path prefix allowed, no trailing '/'): the scheme and host of
  // every absolute URL written (playlists), whatever the request's headers say; empty: taken
  // from the request (Host, or a trusted proxy's X-Forwarded-*).
  std::string public_url;
  // --auth-file: every request but the sign-in page needs a token of the route's scope; null:
  // everyone may ask everything.
  std::shared_ptr<Gatekeeper> gate;
  // --link-key-file (with gate): a link signed with it reads what it names, without a token.
  std::shared_ptr<const LinkKey> links;
  // How long the links that playlists and "Copy URL" hand out open.
  std::chrono::seconds link_lifetime{24 * 3600};
};

enum class Method { get, head, options, post };

// Query modes on a torrent path.
enum class Mode { bytes, stats, warmup, done };

// What a request asks for, decided once by parse(); RequestHandler has one step per route.
enum class Route {
  root,              // "/": the index of every torrent ("/?m3u": their playlist)
  magnet,            // "/magnet?uri=...": remembered, then 302 to the torrent's page
  upload,            // POST /: a torrent or magnet added
  torrent_mode,      // ?stats, ?warmup or ?done on a torrent path
  torrent_page,      // "/<hash>/": the torrent's page (or "/<hash>": 301 to it)
  torrent_playlist,  // "/<hash>/<dir>?m3u", "/<hash>.m3u": an M3U of its media files
  source,            // "/<hash>/source.torrent": the .torrent's bytes
  file,              // a file's bytes, its WebVTT (a .srt) or its player page (?play)
  probe,             // "/<hash>/<file>?probe": what the media file holds, as JSON
  hls,               // "/<hash>/<file>?hls[=...]": its HLS playlists and segments
  asset,             // "/assets/<name>": a file built into the binary (hls.js)
  login,             // GET|POST /login: a browser's sign-in (--auth-file)
};

struct ParsedRequest {
  Route route = Route::root;
  Method method = Method::get;
  RequestHead head;
  Target target;
  std::optional<InfoHash> hash;  // absent for "/" (the root index)
  std::string path;              // path inside the torrent, "" for the torrent's index
  Mode mode = Mode::bytes;
  bool wants_json = false;
  bool wants_html = false;           // Accept names text/html: a browser's navigation
  bool redirect_to_slash = false;    // "/<hash>" without the trailing slash
  bool magnet = false;               // "/magnet?uri=..."
  bool playlist = false;             // "?m3u" or "/<hash>.m3u": an M3U of the media files
  bool webvtt = false;               // ?format=vtt or Accept: text/vtt (applies to a .srt)
  bool play = false;                 // ?play: the player page of a video or audio file
  bool probe = false;                // ?probe: what a media file holds (JSON)
  std::optional<std::string> hls;    // ?hls's value: "" (the playlist), "init", a segment...
  bool asset = false;                // "/assets/<name>" (the name is `path`)
  bool login = false;                // "/login"
  std::optional<RangeSpecs> ranges;  // the Range header, read once (nullopt: none usable)
  // Several ranges may be answered as multipart/byteranges (the handler has a slot for one):
  // else the whole file.
  bool multipart_allowed = true;
  std::string magnet_uri;
};

// The route's label in metrics and logs.
const char* route_label(const ParsedRequest& request);

// Bytes of one file to stream after `head` (status and headers already decided).
struct FilePlan {
  torrent::EntryPtr entry;
  const torrent::FileInfo* file = nullptr;
  std::uint64_t first = 0;
  std::uint64_t length = 0;
  Reply head;
  // The body is the file converted to WebVTT (a .srt asked for with ?format=vtt or Accept:
  // text/vtt): the handler reads it whole, converts it and answers with the text (its length
  // only, for HEAD). At most kMaxSubtitleBytes.
  bool webvtt = false;
  // Several ranges: the body is multipart/byteranges laid out so (first and length are its
  // first range, opened before the status line).
  std::optional<MultipartLayout> multipart;
};

inline constexpr std::uint64_t kMaxSubtitleBytes = 16ull << 20;

// A query mode (?stats, ?warmup, ?done) to run on a selection of a torrent.
struct ModePlan {
  torrent::EntryPtr entry;
  Mode mode = Mode::done;
  torrent::Selection selection;
  std::uint64_t first = 0;  // ?warmup: the selection's bytes to fetch
  std::uint64_t length = 0;
  Reply head;  // status and headers of the event stream (or of ?done's answer)
};

class Router {
 public:
  explicit Router(RouterOptions options);

  // The request's shape, or the reply that ends it here (bad target, method, hash; preflight;
  // no token, or one of too small a scope, with --auth-file; the sign-in page and its answer).
  [[nodiscard]] std::variant<Reply, ParsedRequest> parse(const RequestHead& head) const;
  // The reply for "/" given every known torrent.
  [[nodiscard]] Reply root_index(const ParsedRequest& request,
                                 const std::vector<torrent::MetaPtr>& torrents,
                                 const LiveStateOf& state_of = {}) const;
  // The decision for a torrent_page, torrent_playlist or file route on a known torrent. A
  // FilePlan for bytes to stream; pages, HEAD and conditional answers come back as a Reply.
  // `file`: request.path looked up in the torrent (by the caller, once; null when it has none).
  // `state`: the torrent's live state, for its page.
  [[nodiscard]] std::variant<Reply, FilePlan> route(
      const ParsedRequest& request, const torrent::EntryPtr& entry, const torrent::FileInfo* file,
      const std::optional<LiveState>& state = std::nullopt) const;
  // The decision for a query mode on a known torrent: a plan, or the reply that ends it here
  // (unknown path, bad warm-up range, HEAD).
  [[nodiscard]] std::variant<Reply, ModePlan> route_mode(const ParsedRequest& request,
                                                         const torrent::EntryPtr& entry) const;
  // GET /<hash>/source.torrent: the .torrent's bytes (read by the caller: they are on disk).
  [[nodiscard]] Reply torrent_file_reply(const ParsedRequest& request,
                                         const torrent::TorrentMeta& meta, std::string bytes) const;
  // A redirect (302 unless told) to `location`.
  [[nodiscard]] Reply redirect_reply(const ParsedRequest& request, std::string location,
                                     unsigned status = 302) const;
  // 202 and a page that shows the wait for a torrent's metadata and reloads itself.
  [[nodiscard]] Reply metadata_wait_reply(
      const ParsedRequest& request, const torrent::MetadataResolver::Progress& progress) const;
  // 202 and a page that shows the wait for a file's first bytes (the torrent's live state) and
  // reloads itself.
  [[nodiscard]] Reply file_wait_reply(const ParsedRequest& request,
                                      const torrent::TorrentMeta& meta,
                                      const torrent::FileInfo& file,
                                      const std::optional<LiveState>& state) const;
  // ?probe's answer: the JSON of media::to_json.
  [[nodiscard]] Reply probe_reply(const ParsedRequest& request, std::string json) const;
  // ?hls's answer: a playlist or a segment (made from the bytes under the info-hash).
  [[nodiscard]] Reply hls_reply(const ParsedRequest& request, std::string body,
                                std::string content_type) const;
  // "/assets/<name>": a file built into the binary, cached for good (its name has a version).
  [[nodiscard]] Reply asset_reply(const ParsedRequest& request) const;
  // ?done's answer once it is known.
  [[nodiscard]] Reply done_reply(const ParsedRequest& request, bool complete) const;
  // The one place typed errors become HTTP statuses; short text, JSON when asked. Paths in the
  // data dir are not shown.
  [[nodiscard]] Reply error_reply(const Error& error, const RequestHead& head) const;
  [[nodiscard]] Reply error_reply(const Error& error, const ParsedRequest& request) const {
    return error_reply(error, request.head);
  }
  // CORS headers for a response to `head`.
  void add_cors(Reply& reply, const RequestHead& head) const;

 private:
  [[nodiscard]] std::string client_message(const Error& error) const;
  [[nodiscard]] std::variant<Reply, ParsedRequest> read_request(const RequestHead& head) const;
  // router_access.cpp: nullopt when the request may go on.
  [[nodiscard]] std::optional<Reply> admit(const ParsedRequest& request) const;
  [[nodiscard]] std::optional<Reply> admit_signed(const ParsedRequest& request) const;
  [[nodiscard]] Reply login_reply(const ParsedRequest& request) const;
  // A signed link's query for `file` (empty without --link-key-file and --auth-file).
  [[nodiscard]] std::string share_query(const torrent::TorrentMeta& meta,
                                        const torrent::FileInfo& file) const;
  [[nodiscard]] Reply unauthorized_reply(const ParsedRequest& request, std::string_view why) const;
  [[nodiscard]] std::variant<Reply, FilePlan> route_file(const ParsedRequest& request,
                                                         const torrent::EntryPtr& entry,
                                                         const torrent::FileInfo& file) const;
  [[nodiscard]] std::variant<Reply, FilePlan> route_webvtt(const ParsedRequest& request,
                                                           const torrent::EntryPtr& entry,
                                                           const torrent::FileInfo& file) const;
  [[nodiscard]] Reply player_reply(const ParsedRequest& request, const torrent::TorrentMeta& meta,
                                   const torrent::FileInfo& file) const;
  [[nodiscard]] std::variant<Reply, ParsedRequest> parse_upload_request(
      const RequestHead& head) const;
  [[nodiscard]] Reply preflight(const RequestHead& head) const;
  // The M3U of the media files of `torrents` under `prefix` (a directory or a file path).
  [[nodiscard]] Reply playlist_reply(const ParsedRequest& request,
                                     const std::vector<torrent::MetaPtr>& torrents,
                                     std::string_view prefix, std::string_view name) const;
  [[nodiscard]] Reply ok_reply(const ParsedRequest& request, std::string content_type,
                               std::string body) const;

  RouterOptions options_;
};

unsigned status_for(Errc code);

}  // namespace seeder::http
