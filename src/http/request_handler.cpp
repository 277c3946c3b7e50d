#include "seeder/http/request_handler.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>

#include "multipart_source.hpp"
#include "seeder/http/upload.hpp"
#include "seeder/http/webvtt.hpp"
#include "subtitle_cache.hpp"

#include <boost/asio/system_executor.hpp>

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

namespace {

const char* route_name(const ParsedRequest& request) {
  if (request.magnet) return "magnet";
  if (request.upload) return "upload";
  if (request.playlist) return "playlist";
  if (!request.hash) return "root";
  switch (request.mode) {
    case Mode::stats:
      return "stats";
    case Mode::warmup:
      return "warmup";
    case Mode::done:
      return "done";
    case Mode::bytes:
      break;
  }
  if (request.path.empty()) return "torrent";
  return request.path == "source.torrent" ? "source" : "file";
}

// Reads a whole source into memory, slice by slice (a subtitle file to convert: small, bounded
// by the router). Runs on the source's strand; `done` is called once.
struct WholeRead : std::enable_shared_from_this<WholeRead> {
  WholeRead(std::shared_ptr<ByteSource> source, std::function<bool()> gone,
            std::function<void(Result<std::string>)> done)
      : source(std::move(source)), gone(std::move(gone)), done(std::move(done)) {}

  void next() {
    if (bytes.size() >= source->size()) {
      done(std::move(bytes));
      return;
    }
    source->async_next(
        source->size() - bytes.size(),
        [self = shared_from_this()](Result<FileSlice> slice) { self->on_slice(std::move(slice)); });
  }
  void on_slice(Result<FileSlice> slice) {
    if (gone()) {  // the client hung up: let go of the read-ahead now, not after the whole file
      source->cancel();
      return;
    }
    if (!slice) {
      done(slice.error());
      return;
    }
    const auto at = bytes.size();
    bytes.resize(at + slice->length);
    for (std::uint64_t got = 0; got < slice->length;) {
      const auto n = ::pread(slice->fd, bytes.data() + at + got, slice->length - got,
                             static_cast<off_t>(slice->offset + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        source->bytes_missing();
        done(
            make_error(Errc::io, "reading the subtitle file: " +
                                     std::string(n < 0 ? std::strerror(errno) : "file too short")));
        return;
      }
      got += static_cast<std::uint64_t>(n);
    }
    if (!slice->vouched()) {  // as FileBody checks its copies
      source->bytes_missing();
      done(
          make_error(Errc::io, "the subtitle file changed behind seeder's back while it was read"));
      return;
    }
    next();
  }

  std::shared_ptr<ByteSource> source;
  std::function<bool()> gone;
  std::function<void(Result<std::string>)> done;
  std::string bytes;
};

// How long a browser's navigation to a file waits for its first bytes before it gets a page that
// shows the wait; and how much of the file that page keeps wanted.
constexpr std::chrono::milliseconds kNavigationPatience{1'000};
constexpr std::uint64_t kWaitWarmup = 4ull << 20;

// One of the handler's multipart slots, given back when the last holder lets go.
class MultipartSlot {
 public:
  static std::shared_ptr<MultipartSlot> take(const std::shared_ptr<std::atomic<int>>& free) {
    for (int left = free->load(); left > 0;) {
      if (free->compare_exchange_weak(left, left - 1)) return std::make_shared<MultipartSlot>(free);
    }
    return nullptr;
  }
  explicit MultipartSlot(std::shared_ptr<std::atomic<int>> free) : free_(std::move(free)) {}
  ~MultipartSlot() { ++*free_; }
  MultipartSlot(const MultipartSlot&) = delete;
  MultipartSlot& operator=(const MultipartSlot&) = delete;

 private:
  std::shared_ptr<std::atomic<int>> free_;
};

}  // namespace

// One request on its way to a response. Each step's continuation holds the exchange (a strong
// reference by design: it lives until it has answered or seen the cancellation).
struct RequestHandler::Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(const Router& router, Content& content, std::shared_ptr<std::atomic<int>> multipart_free,
           std::shared_ptr<SubtitleCache> subtitles, Executor executor, CancelFlag cancelled,
           Respond respond)
      : router(router),
        content(content),
        multipart_free(std::move(multipart_free)),
        subtitles(std::move(subtitles)),
        executor(std::move(executor)),
        cancelled(std::move(cancelled)),
        respond(std::move(respond)) {}

  [[nodiscard]] bool gone() const { return cancelled && *cancelled; }

  void start(RequestHead head);
  void answer_magnet(const std::string& uri, unsigned status);
  void answer_upload();
  void on_uploaded(Result<torrent::EntryPtr> added);
  void on_found(Result<torrent::EntryPtr> found);
  bool shows_metadata_wait();
  void start_patience(const torrent::FileInfo& file, std::uint64_t length);
  void show_file_wait(const torrent::FileInfo& file, std::uint64_t length);
  void route_known();
  void route_file();
  void check_vault_then_run(ModePlan plan);
  void run_mode(ModePlan plan);
  void on_events_open(Result<std::shared_ptr<EventStream>> events, Reply head);
  void open_multipart(FilePlan plan, std::shared_ptr<Reply> head,
                      std::shared_ptr<MultipartSlot> slot);
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
  const std::shared_ptr<std::atomic<int>> multipart_free;
  const std::shared_ptr<SubtitleCache> subtitles;
  const Executor executor;
  const CancelFlag cancelled;
  const Respond respond;
  ParsedRequest request;
  torrent::EntryPtr entry;
  const char* route = "invalid";
  // A browser's navigation to a file: after kNavigationPatience without its first bytes, the
  // wait page is the answer, and a source opened later is let go.
  std::unique_ptr<boost::asio::steady_timer> patience;
  bool showed_wait = false;
};

RequestHandler::RequestHandler(const Router& router, Content& content, int multipart_slots,
                               Executor convert_on)
    : router_(router),
      content_(content),
      multipart_free_(std::make_shared<std::atomic<int>>(multipart_slots)),
      subtitles_(std::make_shared<SubtitleCache>(
          convert_on ? std::move(convert_on) : Executor(boost::asio::system_executor()))) {}

RequestHandler::~RequestHandler() = default;

void RequestHandler::handle(RequestHead head, Executor executor, CancelFlag cancelled,
                            Respond respond) const {
  auto exchange =
      std::make_shared<Exchange>(router_, content_, multipart_free_, subtitles_,
                                 std::move(executor), std::move(cancelled), std::move(respond));
  exchange->start(std::move(head));
}

Response RequestHandler::reject(const Error& error) const {
  Response response;
  response.reply = router_.error_reply(error, RequestHead{});
  return response;
}

void RequestHandler::Exchange::start(RequestHead head) {
  // An upload's body (up to 16 MiB) is moved through, never copied with the head.
  auto body = std::move(head.body);
  auto parsed = router.parse(head);
  if (auto* early = std::get_if<Reply>(&parsed)) {
    request.head = std::move(head);
    reply(std::move(*early));
    return;
  }
  request = std::move(std::get<ParsedRequest>(parsed));
  request.head.body = std::move(body);
  route = route_name(request);
  if (request.magnet) {
    answer_magnet(request.magnet_uri, 302);
    return;
  }
  if (request.upload) {
    answer_upload();
    return;
  }
  if (!request.hash) {
    reply(router.root_index(request, content.list(),
                            [this](const InfoHash& hash) { return content.live_state(hash); }));
    return;
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
  const bool page = request.path.empty() && request.mode == Mode::bytes && !request.playlist &&
                    !request.wants_json && request.wants_html;
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
  route_known();
}

void RequestHandler::Exchange::route_known() {
  if (request.mode != Mode::bytes) {
    auto decision = router.route_mode(request, entry);
    if (auto* early = std::get_if<Reply>(&decision)) {
      reply(std::move(*early));
      return;
    }
    auto& plan = std::get<ModePlan>(decision);
    if (plan.mode != Mode::warmup && plan.selection.kind == torrent::Selection::Kind::file &&
        content.has_vault()) {
      check_vault_then_run(std::move(plan));
      return;
    }
    run_mode(std::move(plan));
    return;
  }
  // A file the vault may hold: ask it first (lookup order: vault, disk, swarm).
  // Not for a playlist, a player page, nor a .srt wanted as WebVTT: the vault has the file as
  // it is.
  if (content.has_vault() && !request.redirect_to_slash && !request.playlist && !request.webvtt &&
      !request.play && entry->meta->find_file(request.path)) {
    content.async_vault(entry, request.path, executor,
                        [self = shared_from_this()](std::optional<net::VaultRedirect> redirect) {
                          if (self->gone()) return;
                          if (redirect) {
                            self->reply(self->router.redirect_reply(
                                self->request, redirect->location, redirect->status));
                            return;
                          }
                          self->route_file();
                        });
    return;
  }
  route_file();
}

void RequestHandler::Exchange::route_file() {
  if (Router::asks_torrent_file(request)) {
    content.async_torrent_file(entry, executor,
                               [self = shared_from_this()](Result<std::string> bytes) {
                                 if (self->gone()) return;
                                 if (!bytes) {
                                   self->log_failure(bytes.error());
                                   self->fail(bytes.error());
                                   return;
                                 }
                                 self->reply(self->router.torrent_file_reply(
                                     self->request, *self->entry->meta, std::move(*bytes)));
                               });
    return;
  }
  // Several ranges: a multipart body if a slot is free (held by the body while it goes).
  std::shared_ptr<MultipartSlot> slot;
  if (request.head.range.find(',') != std::string::npos) slot = MultipartSlot::take(multipart_free);
  request.multipart_allowed = slot != nullptr;
  auto decision =
      router.route(request, entry,
                   request.path.empty() ? content.live_state(entry->meta->hash()) : std::nullopt);
  if (auto* early = std::get_if<Reply>(&decision)) {
    // An index page or a HEAD: a request for the file is likely to follow.
    const bool found = early->status < 300;  // not for a 404: that file is not coming
    if (found && (request.method == Method::head || request.path.empty() || request.play))
      content.warm(entry, entry->meta->find_file(request.path));
    reply(std::move(*early));
    return;
  }
  auto& plan = std::get<FilePlan>(decision);
  auto head = std::make_shared<Reply>(std::move(plan.head));
  if (plan.multipart) {
    open_multipart(std::move(plan), std::move(head), std::move(slot));
    return;
  }
  // A browser's navigation to the file: a page that shows the wait if the bytes take long. Not
  // for ?download: a browser would save the page as the file.
  if (request.method == Method::get && request.head.range.empty() && !plan.webvtt &&
      !request.target.has_query("download") && request.wants_html)
    start_patience(*plan.file, plan.length);
  content.async_open_file(entry, *plan.file, plan.first, plan.length, executor,
                          [self = shared_from_this(), head,
                           webvtt = plan.webvtt](Result<std::shared_ptr<ByteSource>> source) {
                            if (self->showed_wait) {  // answered already: the page reloads
                              if (source) (*source)->cancel();
                              return;
                            }
                            if (self->patience) self->patience->cancel();
                            if (webvtt)
                              self->convert_subtitle(std::move(source), std::move(*head));
                            else
                              self->on_file_open(std::move(source), std::move(*head));
                          });
}

void RequestHandler::Exchange::start_patience(const torrent::FileInfo& file, std::uint64_t length) {
  patience = std::make_unique<boost::asio::steady_timer>(executor, kNavigationPatience);
  patience->async_wait(
      [self = shared_from_this(), &file, length](const boost::system::error_code& ec) {
        if (ec || self->gone() || self->showed_wait) return;
        self->show_file_wait(file, length);
      });
}

// The bytes did not come within kNavigationPatience: a page with the torrent's live state that
// reloads itself. The first bytes stay wanted meanwhile (a warm-up outlives its stream), so
// the reload that finds them on disk gets the file.
void RequestHandler::Exchange::show_file_wait(const torrent::FileInfo& file, std::uint64_t length) {
  showed_wait = true;
  if (auto selection = torrent::select(*entry->meta, file.path); selection && length > 0) {
    content.async_open_warmup(entry, std::move(*selection), 0, std::min(length, kWaitWarmup),
                              executor, [](Result<std::shared_ptr<EventStream>> events) {
                                if (events) (*events)->cancel();
                              });
  }
  reply(
      router.file_wait_reply(request, *entry->meta, file, content.live_state(entry->meta->hash())));
}

// The first range is open before the status line; the others open as the body goes (after this
// exchange has answered: Content outlives every response, and the entry is held).
void RequestHandler::Exchange::open_multipart(FilePlan plan, std::shared_ptr<Reply> head,
                                              std::shared_ptr<MultipartSlot> slot) {
  auto layout = std::make_shared<MultipartLayout>(std::move(*plan.multipart));
  // The body keeps `open_range`, and with it the slot, until it is done.
  MultipartSource::OpenRange open_range = [&content = content, entry = entry, file = plan.file,
                                           executor = executor,
                                           slot = std::move(slot)](const ByteRange& range,
                                                                   MultipartSource::Opened opened) {
    content.async_open_file(entry, *file, range.first, range.length(), executor, std::move(opened));
  };
  content.async_open_file(
      entry, *plan.file, plan.first, plan.length, executor,
      [self = shared_from_this(), head, layout,
       open_range = std::move(open_range)](Result<std::shared_ptr<ByteSource>> first) mutable {
        if (!self->opened(first)) return;
        auto source =
            MultipartSource::make(std::move(*layout), std::move(*first), std::move(open_range));
        if (!source) {
          self->log_failure(source.error());
          self->fail(source.error());
          return;
        }
        self->on_file_open(std::shared_ptr<ByteSource>(std::move(*source)), std::move(*head));
      });
}

bool RequestHandler::Exchange::opened(const Result<std::shared_ptr<ByteSource>>& source) {
  if (gone()) {
    if (source) (*source)->cancel();
    return false;
  }
  if (!source) {
    log_failure(source.error());
    fail(source.error());
    return false;
  }
  return true;
}

// The whole .srt, then its WebVTT text as the body: nothing is sent before the conversion, so a
// failure still gets its own status.
void RequestHandler::Exchange::convert_subtitle(Result<std::shared_ptr<ByteSource>> source,
                                                Reply head) {
  if (!opened(source)) return;
  // Converted once per ETag (torrent, path, size): later clients read the kept text.
  const auto* etag = head.find_header("ETag");
  const std::string key = etag != nullptr ? *etag : request.path;
  auto shared_head = std::make_shared<Reply>(std::move(head));
  if (auto cached = subtitles->find(key, executor)) {
    (*source)->cancel();
    on_file_open(std::move(cached), std::move(*shared_head));
    return;
  }
  std::make_shared<WholeRead>(
      *source, [self = shared_from_this()] { return self->gone(); },
      [self = shared_from_this(), shared_head, key](Result<std::string> srt) {
        if (self->gone()) return;
        if (!srt) {
          self->log_failure(srt.error());
          self->fail(srt.error());
          return;
        }
        self->subtitles->async_convert(
            key, std::move(*srt), self->executor,
            [self, shared_head](Result<std::shared_ptr<ByteSource>> text) {
              if (!text) self->log_failure(text.error());
              self->on_file_open(std::move(text), std::move(*shared_head));
            });
      })
      ->next();
}

void RequestHandler::Exchange::on_file_open(Result<std::shared_ptr<ByteSource>> source,
                                            Reply head) {
  if (!opened(source)) return;
  Response response;
  response.reply = std::move(head);
  response.file = std::move(*source);
  send(std::move(response));
}

// A file in the vault is available without the torrent, as one complete on disk: ?done says
// 200 and ?stats 404, as the reference's web UI expects.
void RequestHandler::Exchange::check_vault_then_run(ModePlan plan) {
  auto shared_plan = std::make_shared<ModePlan>(std::move(plan));
  content.async_vault(
      entry, request.path, executor,
      [self = shared_from_this(), shared_plan](std::optional<net::VaultRedirect> in_vault) {
        if (self->gone()) return;
        if (!in_vault) {
          self->run_mode(std::move(*shared_plan));
        } else if (shared_plan->mode == Mode::done) {
          self->reply(self->router.done_reply(self->request, true));
        } else {
          self->fail(make_error(Errc::not_found, "available in the vault"));
        }
      });
}

void RequestHandler::Exchange::run_mode(ModePlan plan) {
  if (plan.mode == Mode::done) {
    content.async_done(entry, std::move(plan.selection), executor,
                       [self = shared_from_this()](Result<bool> complete) {
                         if (self->gone()) return;
                         if (!complete) {
                           self->log_failure(complete.error());
                           self->fail(complete.error());
                           return;
                         }
                         self->reply(self->router.done_reply(self->request, *complete));
                       });
    return;
  }
  auto head = std::make_shared<Reply>(std::move(plan.head));
  auto opened = [self = shared_from_this(), head](Result<std::shared_ptr<EventStream>> events) {
    self->on_events_open(std::move(events), std::move(*head));
  };
  if (plan.mode == Mode::stats) {
    content.async_open_stats(entry, std::move(plan.selection), executor, std::move(opened));
  } else {
    content.async_open_warmup(entry, std::move(plan.selection), plan.first, plan.length, executor,
                              std::move(opened));
  }
}

void RequestHandler::Exchange::on_events_open(Result<std::shared_ptr<EventStream>> events,
                                              Reply head) {
  if (gone()) {
    if (events) (*events)->cancel();
    return;
  }
  if (!events) {
    if (events.error().code != Errc::not_found) log_failure(events.error());
    fail(events.error());
    return;
  }
  Response response;
  response.reply = std::move(head);
  response.events = std::move(*events);
  send(std::move(response));
}

void RequestHandler::Exchange::log_failure(const Error& error) const {
  if (error.code == Errc::cancelled) return;
  if (request.upload) {
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
