// The routes of a torrent's files and pages: source, torrent_page, torrent_playlist and file
// (see exchange.hpp).
#include "exchange.hpp"

#include "client_streams.hpp"
#include "counted_slot.hpp"
#include "multipart_source.hpp"
#include "subtitle_cache.hpp"
#include "whole_read.hpp"

namespace seeder::http {
namespace {

// How long a browser's navigation to a file waits for its first bytes before it gets a page that
// shows the wait; and how much of the file that page keeps wanted.
constexpr std::chrono::milliseconds kNavigationPatience{1'000};
constexpr std::uint64_t kWaitWarmup = 4ull << 20;

}  // namespace

void RequestHandler::Exchange::answer_torrent_file() {
  content.async_torrent_file(
      entry, executor, [self = shared_from_this()](Result<std::string> bytes) {
        if (self->gone()) return;
        if (!bytes) {
          self->log_failure(bytes.error());
          self->fail(bytes.error());
          return;
        }
        self->reply(
            self->router.torrent_file_reply(self->request, *self->entry->meta, std::move(*bytes)));
      });
}

void RequestHandler::Exchange::answer_page() {
  const auto state = request.path.empty() ? content.live_state(entry->meta->hash()) : std::nullopt;
  auto decision = router.route(request, entry, file, state);
  auto* page = std::get_if<Reply>(&decision);
  if (page == nullptr) {
    fail(make_error(Errc::internal, "a page route was planned as a file"));
    return;
  }
  warm_if_followed(*page);
  reply(std::move(*page));
}

void RequestHandler::Exchange::warm_if_followed(const Reply& early) {
  const bool found = early.status < 300;  // not for a 404: that file is not coming
  if (found && (request.method == Method::head || request.path.empty() || request.play))
    content.warm(entry, file);
}

// A file the vault may hold: ask it first (lookup order: vault, disk, swarm). Not for a player
// page, nor a .srt wanted as WebVTT: the vault has the file as it is.
void RequestHandler::Exchange::answer_file() {
  if (!content.has_vault() || request.webvtt || request.play || file == nullptr) {
    serve_file();
    return;
  }
  content.async_vault(entry, request.path, executor,
                      [self = shared_from_this()](std::optional<net::VaultRedirect> redirect) {
                        if (self->gone()) return;
                        if (redirect) {
                          self->reply(self->router.redirect_reply(self->request, redirect->location,
                                                                  redirect->status));
                          return;
                        }
                        self->serve_file();
                      });
}

void RequestHandler::Exchange::serve_file() {
  // Several ranges: a multipart body if a slot is free (held by the body while it goes).
  std::shared_ptr<CountedSlot> slot;
  if (request.ranges && request.ranges->size() > 1) slot = CountedSlot::take(shared.multipart_free);
  request.multipart_allowed = slot != nullptr;
  auto decision = router.route(request, entry, file);
  if (auto* early = std::get_if<Reply>(&decision)) {
    warm_if_followed(*early);
    reply(std::move(*early));
    return;
  }
  auto& plan = std::get<FilePlan>(decision);
  auto admission = shared.streams->take(request.head.client);
  stream_lease = std::move(admission.lease);
  if (!admission.admitted) {
    fail(make_error(Errc::too_many_requests,
                    "this client has " + std::to_string(shared.streams->limit()) +
                        " files open at once already: let one finish first"));
    return;
  }
  auto head = std::make_shared<Reply>(std::move(plan.head));
  if (plan.multipart) {
    open_multipart(std::move(plan), std::move(head), std::move(slot));
    return;
  }
  // A browser's navigation to the file: a page that shows the wait if the bytes take long. Not
  // for ?download: a browser would save the page as the file.
  if (request.method == Method::get && request.head.range.empty() && !plan.webvtt &&
      !request.target.has_query("download") && request.wants_html)
    start_patience(plan.length);
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

void RequestHandler::Exchange::start_patience(std::uint64_t length) {
  patience = std::make_unique<boost::asio::steady_timer>(executor, kNavigationPatience);
  patience->async_wait([self = shared_from_this(), length](const boost::system::error_code& ec) {
    if (ec || self->gone() || self->showed_wait) return;
    self->show_file_wait(length);
  });
}

// The bytes did not come within kNavigationPatience: a page with the torrent's live state that
// reloads itself. The first bytes stay wanted meanwhile (a warm-up outlives its stream), so
// the reload that finds them on disk gets the file.
void RequestHandler::Exchange::show_file_wait(std::uint64_t length) {
  showed_wait = true;
  if (auto selection = torrent::select(*entry->meta, file->path); selection && length > 0) {
    content.async_open_warmup(entry, std::move(*selection), 0, std::min(length, kWaitWarmup),
                              executor, [](Result<std::shared_ptr<EventStream>> events) {
                                if (events) (*events)->cancel();
                              });
  }
  reply(router.file_wait_reply(request, *entry->meta, *file,
                               content.live_state(entry->meta->hash())));
}

// The first range is open before the status line; the others open as the body goes (after this
// exchange has answered: Content outlives every response, and the entry is held).
void RequestHandler::Exchange::open_multipart(FilePlan plan, std::shared_ptr<Reply> head,
                                              std::shared_ptr<CountedSlot> slot) {
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
  if (auto cached = shared.subtitles->find(key, executor)) {
    (*source)->cancel();
    on_file_open(std::move(cached), std::move(*shared_head));
    return;
  }
  WholeRead::start(
      *source, [self = shared_from_this()] { return self->gone(); },
      [self = shared_from_this(), shared_head, key](Result<std::string> srt) {
        if (self->gone()) return;
        if (!srt) {
          self->log_failure(srt.error());
          self->fail(srt.error());
          return;
        }
        self->shared.subtitles->async_convert(
            key, std::move(*srt), self->executor,
            [self, shared_head](Result<std::shared_ptr<ByteSource>> text) {
              if (!text) self->log_failure(text.error());
              self->on_file_open(std::move(text), std::move(*shared_head));
            });
      });
}

void RequestHandler::Exchange::on_file_open(Result<std::shared_ptr<ByteSource>> source,
                                            Reply head) {
  if (!opened(source)) return;
  Response response;
  response.reply = std::move(head);
  response.file = stream_lease ? std::make_shared<HeldSource>(std::move(*source), stream_lease)
                               : std::move(*source);
  send(std::move(response));
}

}  // namespace seeder::http
