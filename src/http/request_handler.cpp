#include "seeder/http/request_handler.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/system_executor.hpp>

#include "client_streams.hpp"
#include "exchange.hpp"
#include "media_cache.hpp"
#include "seeder/http/request_fields.hpp"
#include "seeder/http/upload.hpp"
#include "subtitle_cache.hpp"

namespace seeder::http {

std::uint64_t Response::content_length() const {
  if (file) return file->size();
  return reply.content_length.value_or(reply.body.size());
}

bool Response::announces_length() const {
  return !events && reply.status != 304 && reply.status != 204;
}

bool Response::sends_body() const {
  if (head_only || reply.status == 304 || reply.status == 204) return false;
  // An in-memory reply that only announces a length (a HEAD's) has no body to send.
  return file || events || !reply.content_length.has_value();
}

RequestHandler::RequestHandler(const Router& router, Content& content, int multipart_slots,
                               Executor convert_on, Executor probe_on, int streams_per_client,
                               bool convert_video)
    : router_(router),
      content_(content),
      shared_{std::make_shared<std::atomic<int>>(multipart_slots),
              std::make_shared<SubtitleCache>(
                  convert_on ? std::move(convert_on) : Executor(boost::asio::system_executor())),
              std::make_shared<std::atomic<int>>(kProbeSlots),
              std::make_shared<MediaCache>(),
              std::make_shared<MediaCache>(4096, kSegmentCacheBytes),
              probe_on ? std::move(probe_on) : Executor(boost::asio::system_executor()),
              std::make_shared<std::atomic<std::uint64_t>>(0),
              std::make_shared<std::atomic<std::uint64_t>>(0),
              std::make_shared<ClientStreams>(streams_per_client),
              convert_video} {}

double RequestHandler::probe_cpu_seconds() const {
  return static_cast<double>(shared_.probe_cpu_us->load()) / 1e6;
}

double RequestHandler::hls_cpu_seconds() const {
  return static_cast<double>(shared_.hls_cpu_us->load()) / 1e6;
}

RequestHandler::~RequestHandler() = default;

void RequestHandler::handle(RequestHead head, Executor executor, CancelFlag cancelled,
                            Respond respond) const {
  auto exchange = std::make_shared<Exchange>(router_, content_, shared_, std::move(executor),
                                             std::move(cancelled), std::move(respond));
  exchange->start(std::move(head));
}

Response RequestHandler::reject(const Error& error) const {
  Response response;
  response.reply = router_.error_reply(error, RequestHead{});
  return response;
}

void RequestHandler::Exchange::start(RequestHead head) {
  // An upload's body (up to 16 MiB) is moved through, never copied with the head; any other
  // POST's (a sign-in form: 64 KiB at most) is read by the router.
  std::string body;
  if (is_upload_target(head.target)) body = std::move(head.body);
  auto parsed = router.parse(head);
  if (auto* early = std::get_if<Reply>(&parsed)) {
    // Answered by the router: refused before routing, or the sign-in.
    if (is_login_target(head.target)) route = "login";
    request.head = std::move(head);
    reply(std::move(*early));
    return;
  }
  request = std::move(std::get<ParsedRequest>(parsed));
  if (!body.empty()) request.head.body = std::move(body);
  route = route_label(request);
  switch (request.route) {
    case Route::magnet:
      answer_magnet(request.magnet_uri, 302);
      return;
    case Route::upload:
      answer_upload();
      return;
    case Route::root:
      reply(router.root_index(request, content.list(),
                              [this](const InfoHash& hash) { return content.live_state(hash); }));
      return;
    case Route::asset:
      reply(router.asset_reply(request));
      return;
    case Route::login:  // the router answers the sign-in itself
      fail(make_error(Errc::internal, "a sign-in reached the handler"));
      return;
    case Route::torrent_mode:
    case Route::torrent_page:
    case Route::torrent_playlist:
    case Route::source:
    case Route::file:
    case Route::probe:
    case Route::hls:
      break;  // a torrent's: found first
  }
  if (shows_metadata_wait()) return;
  content.async_find(*request.hash, request.head.client, executor,
                     [self = shared_from_this()](Result<torrent::EntryPtr> found) {
                       self->on_found(std::move(found));
                     });
}

// A browser asking for the page of a torrent whose metadata the swarm must send first gets a
// page that shows the wait and reloads itself, not a blank screen for up to a minute.
bool RequestHandler::Exchange::shows_metadata_wait() {
  const bool page =
      request.route == Route::torrent_page && !request.wants_json && request.wants_html;
  if (!page) return false;
  auto wait = content.metadata_wait(*request.hash, request.target.has_query("retry"));
  if (wait.state == MetadataWait::State::none) return false;
  if (wait.state == MetadataWait::State::failed) {
    fail(*wait.failure);
    return true;
  }
  // Starts the fetch unless one is under way (a reload adds no waiter); the reloaded page comes
  // back for the result, or for the failure noted here.
  if (!wait.started) {
    content.async_find(*request.hash, request.head.client, executor,
                       [&content = content, hash = *request.hash](Result<torrent::EntryPtr> found) {
                         if (!found) content.note_metadata_failure(hash, found.error());
                       });
  }
  reply(router.metadata_wait_reply(request, wait.progress));
  return true;
}

// GET /magnet?uri=... (302) and a magnet uploaded (303): remembers the link's trackers and
// peers, then sends the client to the torrent's page, where its metadata is resolved if needed.
void RequestHandler::Exchange::answer_magnet(const std::string& uri, unsigned status) {
  auto magnet = torrent::parse_magnet(uri);
  if (!magnet) {
    fail(magnet.error());
    return;
  }
  if (auto remembered = content.remember(*magnet); !remembered) {
    fail(remembered.error());
    return;
  }
  reply(router.redirect_reply(request, "/" + magnet->hash.hex() + "/", status));
}

// POST / (--allow-uploads): a .torrent is added (and kept), a magnet link remembered; either
// way 303 to the torrent's page.
void RequestHandler::Exchange::answer_upload() {
  auto upload = parse_upload(request.head.content_type, std::move(request.head.body));
  if (!upload) {
    log_failure(upload.error());
    fail(upload.error());
    return;
  }
  if (upload->kind == Upload::Kind::magnet) {
    answer_magnet(upload->content, 303);
    return;
  }
  content.async_add_torrent(std::move(upload->content), request.head.client, executor,
                            [self = shared_from_this()](Result<torrent::EntryPtr> added) {
                              self->on_uploaded(std::move(added));
                            });
}

void RequestHandler::Exchange::on_uploaded(Result<torrent::EntryPtr> added) {
  if (gone()) return;
  if (!added) {
    log_failure(added.error());
    fail(added.error());
    return;
  }
  const auto& meta = *(*added)->meta;
  spdlog::info("upload: torrent '{}' ({}) is known now", meta.name(), meta.hash().hex());
  reply(router.redirect_reply(request, "/" + meta.hash().hex() + "/", 303));
}

void RequestHandler::Exchange::on_found(Result<torrent::EntryPtr> found) {
  if (gone()) return;
  if (!found) {
    fail(found.error());
    return;
  }
  entry = std::move(*found);
  file = entry->meta->find_file(request.path);
  route_known();
}

// One step per route of a known torrent.
void RequestHandler::Exchange::route_known() {
  switch (request.route) {
    case Route::torrent_mode:
      answer_mode();
      return;
    case Route::source:
      answer_torrent_file();
      return;
    case Route::torrent_page:
    case Route::torrent_playlist:
      answer_page();
      return;
    case Route::file:
      answer_file();
      return;
    case Route::probe:
      answer_probe();
      return;
    case Route::hls:
      answer_hls();
      return;
    case Route::root:
    case Route::magnet:
    case Route::upload:
    case Route::asset:
    case Route::login:
      break;
  }
  fail(make_error(Errc::internal, "a request without a torrent reached the torrent's routes"));
}

void RequestHandler::Exchange::log_failure(const Error& error) const {
  if (error.code == Errc::cancelled) return;
  if (request.route == Route::upload) {
    spdlog::warn("POST / (upload): {}", error.message);
    return;
  }
  const auto hash = entry ? entry->meta->hash().hex() : std::string();
  const auto status = status_for(error.code);
  if (status >= 500 && status != 503 && status != 504) {
    spdlog::error("{} torrent {} path '{}': {}", request.head.method, hash, request.path,
                  error.message);
  } else {
    spdlog::warn("{} torrent {} path '{}': {}", request.head.method, hash, request.path,
                 error.message);
  }
}

}  // namespace seeder::http
