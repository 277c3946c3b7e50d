#pragma once
// RequestHandler::Exchange: one request on its way to a response (internal to the http module).
// Parsed once by the Router into a ParsedRequest whose route picks one step per route:
//
//   start ─┬─ magnet, upload, root ......................... answered here (request_handler.cpp)
//          └─ a torrent: found (catalog, store, swarm), its file looked up once, then
//               torrent_mode ──── mode_exchange.cpp   (?stats, ?warmup, ?done; the vault first)
//               torrent_page, torrent_playlist, source,
//               file ──────────── file_exchange.cpp   (the vault first; bytes, WebVTT, player)
//               probe ─────────── probe_exchange.cpp  (what a media file holds)
//               hls ───────────── hls_exchange.cpp    (its HLS playlist and segments)
//
// Each step's continuation holds the exchange (a strong reference by design: it lives until it
// has answered or seen the cancellation). Every step runs on the connection's strand.

#include <atomic>
#include <functional>
#include <memory>

#include <boost/asio/steady_timer.hpp>

#include "seeder/http/request_handler.hpp"
#include "seeder/media/probe.hpp"

namespace seeder::http {

class CountedSlot;
class MediaCache;
class MediaReader;

struct RequestHandler::Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(const Router& router, Content& content, const Shared& shared, Executor executor,
           CancelFlag cancelled, Respond respond)
      : router(router),
        content(content),
        shared(shared),
        executor(std::move(executor)),
        cancelled(std::move(cancelled)),
        respond(std::move(respond)) {}

  [[nodiscard]] bool gone() const { return cancelled && *cancelled; }

  // request_handler.cpp
  void start(RequestHead head);
  void answer_magnet(const std::string& uri, unsigned status);
  void answer_upload();
  void on_uploaded(Result<torrent::EntryPtr> added);
  bool shows_metadata_wait();
  void on_found(Result<torrent::EntryPtr> found);
  void route_known();

  // mode_exchange.cpp
  void answer_mode();
  void check_vault_then_run(ModePlan plan);
  void run_mode(ModePlan plan);
  void on_events_open(Result<std::shared_ptr<EventStream>> events, Reply head);

  // probe_exchange.cpp
  void answer_probe();
  void on_probed(Result<media::MediaInfo> info, const std::string& key);
  // Whether the request names a media file this build can read; answered (400, 404, 501)
  // when not. `what`: the query, for the message ("?probe").
  bool is_media_request(std::string_view what);
  // A RandomAccess over the file's bytes through Content, for a job on the media pool that
  // may take `time` in all; it stops reading once the client has left.
  std::shared_ptr<MediaReader> media_reader(std::chrono::seconds time);
  // Answers from `cache` when it holds `key` (`made` makes the reply of what was made; an error
  // kept is failed with): whether it did.
  bool answered_from(MediaCache& cache, const std::string& key,
                     const std::function<Reply(std::string)>& made);

  // hls_exchange.cpp
  void answer_hls();
  void on_hls_made(Result<std::string> made, const std::string& content_type,
                   const std::string& cache_key, bool playlist);

  // file_exchange.cpp
  void answer_torrent_file();
  void answer_page();
  void answer_file();
  void serve_file();
  // An answer before any byte (a page, a HEAD): the GET that usually follows finds the swarm
  // joined.
  void warm_if_followed(const Reply& early);
  void start_patience(std::uint64_t length);
  void show_file_wait(std::uint64_t length);
  void open_multipart(FilePlan plan, std::shared_ptr<Reply> head,
                      std::shared_ptr<CountedSlot> slot);
  void on_file_open(Result<std::shared_ptr<ByteSource>> source, Reply head);
  void convert_subtitle(Result<std::shared_ptr<ByteSource>> source, Reply head);
  // Whether an opened source is still wanted and there: lets go of it when the client left,
  // answers with the open's failure otherwise.
  bool opened(const Result<std::shared_ptr<ByteSource>>& source);

  void reply(Reply reply) {
    Response response;
    response.reply = std::move(reply);
    send(std::move(response));
  }
  void fail(const Error& error) { reply(router.error_reply(error, request)); }
  void send(Response response) {
    response.route = route;
    // From the method as sent: an early answer (a bad hash, say) to a HEAD has no body either.
    response.head_only = request.head.method == "HEAD";
    respond(std::move(response));
  }
  void log_failure(const Error& error) const;

  const Router& router;
  Content& content;
  const Shared shared;
  const Executor executor;
  const CancelFlag cancelled;
  const Respond respond;
  ParsedRequest request;
  torrent::EntryPtr entry;
  const torrent::FileInfo* file = nullptr;  // request.path in entry's meta, when it names one
  const char* route = "invalid";
  // A browser's navigation to a file: after kNavigationPatience without its first bytes, the
  // wait page is the answer, and a source opened later is let go.
  std::unique_ptr<boost::asio::steady_timer> patience;
  // This body's place among its client's (ClientStreams), held by the body once it is sent.
  std::shared_ptr<void> stream_lease;
  bool showed_wait = false;
};

}  // namespace seeder::http
