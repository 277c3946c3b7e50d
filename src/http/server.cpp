#include "seeder/http/server.hpp"

#include "listener.hpp"
#include "response_head.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <unordered_map>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "seeder/core/log_limiter.hpp"
#include "seeder/core/mutex.hpp"
#include "seeder/http/request_fields.hpp"

namespace seeder::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

class Connection;

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(ServerOptions options, Backend backend) : options(std::move(options)), backend(backend) {}

  // On the accept loop's strand.
  void on_accept(tcp::socket socket);

  const ServerOptions options;
  const Backend backend;
  std::shared_ptr<AcceptLoop> accepts;  // set once before accepting starts
  LogLimiter refuse_log;

  Mutex mutex;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> connections GUARDED_BY(mutex);
  bool stopped GUARDED_BY(mutex) = false;
};

namespace {

// One client connection. Kept alive by the handler in flight; owned by no registry.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<Server::Impl> server)
      : server_(std::move(server)),
        stream_(std::move(socket)),
        send_timer_(stream_.get_executor()) {}

  ~Connection() {
    LockGuard lock(server_->mutex);
    server_->connections.erase(this);
  }

  void start() {
    boost::system::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);
    // sendfile must return EAGAIN rather than block the strand's thread.
    stream_.socket().native_non_blocking(true, ec);
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

  void close_from_outside() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

  // Over --max-connections: a 503 the client can act on, written without waiting (a fresh
  // socket's send buffer takes it whole), and the socket closed with the connection.
  void refuse() {
    static constexpr std::string_view kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 21\r\n\r\n"
        "too many connections\n";
    const int fd = stream_.socket().native_handle();
    [[maybe_unused]] const auto sent =
        ::send(fd, kBusy.data(), kBusy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    // Read what the client already sent, so that the close is a FIN and not a reset that could
    // discard the 503 before the client reads it.
    std::array<char, 4096> request{};
    [[maybe_unused]] const auto read = ::recv(fd, request.data(), request.size(), MSG_DONTWAIT);
    ::shutdown(fd, SHUT_WR);
    if (const auto held_back = server_->refuse_log.admit()) {
      spdlog::warn(
          "HTTP: refused a connection over --max-connections {} ({} more since the last "
          "report)",
          options().max_connections, *held_back);
    }
  }

 private:
  const ServerOptions& options() const { return server_->options; }
  const Router& router() const { return server_->backend.router; }

  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options().header_limit));
    parser_->body_limit(64 * 1024);
    stream_.expires_after(options().read_timeout);
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::eof ||
        ec == asio::error::connection_reset) {
      close();
      return;
    }
    started_ = std::chrono::steady_clock::now();
    keep_alive_ = false;
    if (ec == bhttp::error::header_limit) {
      send_reply(router().error_reply(make_error(Errc::bad_request, "request header too large"),
                                      RequestHead{}),
                 431);
      return;
    }
    if (ec) {
      send_reply(router().error_reply(
          make_error(Errc::bad_request, "malformed request: " + ec.message()), RequestHead{}));
      return;
    }
    const auto& request = parser_->get();
    if (request.count(bhttp::field::transfer_encoding) != 0 && !parser_->chunked()) {
      // RFC 9112 §6.1: a coding seeder cannot undo leaves the body's framing unknown, so the
      // connection closes after the answer (keep_alive_ stays false).
      send_reply(router().error_reply(
          make_error(Errc::not_implemented, "unsupported Transfer-Encoding"), RequestHead{}));
      return;
    }
    keep_alive_ = request.keep_alive();
    head_ = head_of(request);
    handle_request();
  }

  void handle_request() {
    auto parsed = router().parse(head_);
    if (auto* reply = std::get_if<Reply>(&parsed)) {
      send_reply(std::move(*reply));
      return;
    }
    auto& request = std::get<ParsedRequest>(parsed);
    head_only_ = request.method == Method::head;
    route_ = route_name(request);
    if (request.magnet) {
      answer_magnet(request);
      return;
    }
    if (!request.hash) {
      send_reply(router().root_index(request, server_->backend.catalog.list()));
      return;
    }
    auto entry = server_->backend.catalog.find(*request.hash);
    if (entry) {
      route_known(std::move(request), std::move(entry));
      return;
    }
    auto* sources = server_->backend.sources;
    if (sources == nullptr) {
      send_reply(router().error_reply(
          make_error(Errc::not_found, "unknown torrent " + request.hash->hex()), request));
      return;
    }
    // A hash not in the catalog: the torrent store, then the swarm, when configured.
    const auto hash = *request.hash;
    sources->async_find(hash, stream_.get_executor(),
                        [self = shared_from_this(),
                         request = std::move(request)](Result<torrent::EntryPtr> resolved) mutable {
                          if (self->closed_) return;
                          if (!resolved) {
                            self->send_reply(self->router().error_reply(resolved.error(), request));
                            return;
                          }
                          self->route_known(std::move(request), std::move(*resolved));
                        });
  }

  // GET /magnet?uri=...: remembers the link's trackers and peers, then sends the client to the
  // torrent's page, where its metadata is resolved if needed.
  void answer_magnet(const ParsedRequest& request) {
    auto magnet = torrent::parse_magnet(request.magnet_uri);
    if (!magnet) {
      send_reply(router().error_reply(magnet.error(), request));
      return;
    }
    auto* sources = server_->backend.sources;
    auto* resolver = sources != nullptr ? sources->resolver() : nullptr;
    if (resolver == nullptr && !server_->backend.catalog.find(magnet->hash)) {
      send_reply(router().error_reply(
          make_error(Errc::not_found, "unknown torrent " + magnet->hash.hex() +
                                          " (magnet links are off: start with --allow-magnets)"),
          request));
      return;
    }
    if (resolver != nullptr) resolver->remember(*magnet);
    send_reply(router().redirect_reply(request, "/" + magnet->hash.hex() + "/"));
  }

  void route_known(ParsedRequest request, torrent::EntryPtr entry) {
    if (request.mode != Mode::bytes) {
      auto decision = router().route_mode(request, entry);
      if (auto* reply = std::get_if<Reply>(&decision)) {
        send_reply(std::move(*reply));
        return;
      }
      auto& plan = std::get<ModePlan>(decision);
      if (plan.mode != Mode::warmup && plan.selection.kind == torrent::Selection::Kind::file &&
          server_->backend.vault != nullptr) {
        check_vault_then_run(std::move(request), std::move(plan));
        return;
      }
      run_mode(std::move(request), std::move(plan));
      return;
    }
    // A file the vault may hold: ask it first (lookup order: vault, disk, swarm).
    if (auto* vault = server_->backend.vault;
        vault != nullptr && !request.redirect_to_slash && entry->meta->find_file(request.path)) {
      // Named first: argument order is unspecified, and the handler takes request and entry.
      auto hash = entry->meta->hash().hex();
      auto path = percent_encode_path(request.path);
      vault->async_lookup(
          hash, path, stream_.get_executor(),
          [self = shared_from_this(), request = std::move(request),
           entry = std::move(entry)](std::optional<net::VaultRedirect> redirect) mutable {
            if (self->closed_) return;
            if (redirect) {
              self->send_reply(
                  self->router().redirect_reply(request, redirect->location, redirect->status));
              return;
            }
            self->route_file(std::move(request), std::move(entry));
          });
      return;
    }
    route_file(std::move(request), std::move(entry));
  }

  void route_file(ParsedRequest request, torrent::EntryPtr entry) {
    auto decision = router().route(request, entry);
    if (auto* reply = std::get_if<Reply>(&decision)) {
      // An index page or a HEAD: a request for the file is likely to follow.
      if (request.method == Method::head || request.path.empty())
        server_->backend.streamer.warm(entry);
      send_reply(std::move(*reply));
      return;
    }
    open_stream(std::move(std::get<FilePlan>(decision)));
  }

  static const char* route_name(const ParsedRequest& request) {
    if (request.magnet) return "magnet";
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

  // ---- in-memory replies ----

  // The status line and headers of the response to come (its status is what gets logged).
  void start_response(const Reply& head) {
    status_ = head.status;
    set_response_head(response_, head, keep_alive_);
  }

  void send_reply(Reply reply, unsigned status_override = 0) {
    if (status_override != 0) reply.status = status_override;
    start_response(reply);
    const bool body_omitted = head_only_ || reply.content_length.has_value() ||
                              reply.status == 304 || reply.status == 204;
    const auto length = reply.content_length.value_or(reply.body.size());
    if (reply.status != 304 && reply.status != 204) response_.content_length(length);
    if (body_omitted) {
      write_head_only([self = shared_from_this()](beast::error_code ec) { self->on_sent(ec); });
      return;
    }
    response_.body() = std::move(reply.body);
    body_bytes_ = response_.body().size();
    stream_.expires_after(options().send_timeout);
    bhttp::async_write(
        stream_, response_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_sent(ec); });
  }

  template <class Handler>
  void write_head_only(Handler handler) {
    serializer_.emplace(response_);
    stream_.expires_after(options().send_timeout);
    bhttp::async_write_header(
        stream_, *serializer_,
        [handler = std::move(handler)](beast::error_code ec, std::size_t) { handler(ec); });
  }

  void on_sent(beast::error_code ec) {
    if (ec) {
      close();
      return;
    }
    finish();
  }

  // ---- query modes ----

  // A file in the vault is available without the torrent, as one complete on disk: ?done says
  // 200 and ?stats 404, as the reference's web UI expects.
  void check_vault_then_run(ParsedRequest request, ModePlan plan) {
    auto hash = plan.entry->meta->hash().hex();
    auto path = percent_encode_path(request.path);
    server_->backend.vault->async_lookup(
        hash, path, stream_.get_executor(),
        [self = shared_from_this(), request = std::move(request),
         plan = std::move(plan)](std::optional<net::VaultRedirect> in_vault) mutable {
          if (self->closed_) return;
          if (!in_vault) {
            self->run_mode(std::move(request), std::move(plan));
          } else if (plan.mode == Mode::done) {
            self->send_reply(self->router().done_reply(request, true));
          } else {
            self->send_reply(self->router().error_reply(
                make_error(Errc::not_found, "available in the vault"), request));
          }
        });
  }

  void run_mode(ParsedRequest request, ModePlan plan) {
    plan_hash_ = plan.entry->meta->hash().hex();
    plan_path_ = request.path;
    auto& progress = server_->backend.progress;
    const auto executor = stream_.get_executor();
    if (plan.mode == Mode::done) {
      progress.async_done(
          plan.entry, std::move(plan.selection), executor,
          [self = shared_from_this(), request](Result<bool> complete) {
            if (self->closed_) return;
            if (!complete) {
              self->log_failure(complete.error());
              self->send_reply(self->router().error_reply(complete.error(), request));
              return;
            }
            self->send_reply(self->router().done_reply(request, *complete));
          });
      return;
    }
    streaming_ = true;
    watch_for_hangup();
    auto head = std::make_shared<Reply>(std::move(plan.head));
    auto opened = [self = shared_from_this(), head](Result<std::shared_ptr<EventStream>> events) {
      self->on_events_open(std::move(events), std::move(*head));
    };
    if (plan.mode == Mode::stats) {
      progress.async_open_stats(plan.entry, std::move(plan.selection), executor, std::move(opened));
    } else {
      progress.async_open_warmup(plan.entry, std::move(plan.selection), plan.first, plan.length,
                                 executor, std::move(opened));
    }
  }

  void on_events_open(Result<std::shared_ptr<EventStream>> events, Reply head) {
    if (closed_) {
      if (events) (*events)->cancel();
      return;
    }
    if (!events) {
      if (events.error().code != Errc::not_found) log_failure(events.error());
      streaming_ = false;
      send_reply(router().error_reply(events.error(), head_));
      return;
    }
    events_ = std::move(*events);
    start_response(head);
    response_.chunked(true);
    write_head_only([self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        self->close();
        return;
      }
      self->next_event();
    });
  }

  void next_event() {
    if (closed_) return;
    events_->async_next([self = shared_from_this()](Result<std::optional<std::string>> frame) {
      self->on_event(std::move(frame));
    });
  }

  // Each frame is one chunk of a chunked body; the last chunk ends the response and the
  // connection stays open for the next request.
  void on_event(Result<std::optional<std::string>> frame) {
    if (closed_) return;
    if (!frame) {
      log_failure(frame.error());
      close();
      return;
    }
    const bool last = !frame->has_value();
    chunk_.clear();
    if (!last) {
      chunk_ = to_hex((*frame)->size()) + "\r\n";
      chunk_ += **frame;
      chunk_ += "\r\n";
      body_bytes_ += (*frame)->size();
    } else {
      chunk_ = "0\r\n\r\n";
    }
    stream_.expires_after(options().send_timeout);
    asio::async_write(stream_, asio::buffer(chunk_),
                      [self = shared_from_this(), last](beast::error_code ec, std::size_t) {
                        if (ec || self->closed_) {
                          self->close();
                          return;
                        }
                        stream_never_expires(self->stream_);
                        if (last) {
                          self->events_.reset();
                          self->finish();
                          return;
                        }
                        self->next_event();
                      });
  }

  static std::string to_hex(std::size_t value) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    do {
      out.insert(out.begin(), kDigits[value % 16]);
      value /= 16;
    } while (value != 0);
    return out;
  }

  static void stream_never_expires(beast::tcp_stream& stream) { stream.expires_never(); }

  // ---- streamed file bodies ----

  void open_stream(FilePlan plan) {
    plan_path_ = plan.file->path;
    plan_hash_ = plan.entry->meta->hash().hex();
    streaming_ = true;
    watch_for_hangup();
    auto head = std::make_shared<Reply>(std::move(plan.head));
    server_->backend.streamer.async_open(
        plan.entry, *plan.file, plan.first, plan.length, stream_.get_executor(),
        [self = shared_from_this(), head](Result<std::shared_ptr<ByteSource>> source) {
          self->on_open(std::move(source), std::move(*head));
        });
  }

  void on_open(Result<std::shared_ptr<ByteSource>> source, Reply head) {
    if (closed_) {
      if (source) (*source)->cancel();
      return;
    }
    if (!source) {
      log_failure(source.error());
      streaming_ = false;
      send_reply(router().error_reply(source.error(), head_));
      return;
    }
    source_ = std::move(*source);
    remaining_ = source_->size();
    if (auto* metrics = server_->backend.metrics)
      metrics->on_first_byte(std::chrono::steady_clock::now() - started_);
    start_response(head);
    response_.content_length(remaining_);
    set_cork(true);  // the header leaves in the same segment as the first bytes of the body
    write_head_only([self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        self->close();
        return;
      }
      self->pump();
    });
  }

  // TCP_CORK while a slice is sent: full-sized segments instead of one push per page that
  // TCP_NODELAY would cause (nginx's tcp_nopush). Uncorking flushes the tail, so a reader that
  // then waits for the next piece leaves nothing behind in the socket.
  void set_cork(bool on) {
    const int value = on ? 1 : 0;
    ::setsockopt(stream_.socket().native_handle(), IPPROTO_TCP, TCP_CORK, &value, sizeof value);
  }

  void pump() {
    if (closed_) return;
    if (remaining_ == 0) {
      finish();
      return;
    }
    source_->async_next(
        std::min(remaining_, options().slice_bytes),
        [self = shared_from_this()](Result<FileSlice> slice) { self->on_slice(std::move(slice)); });
  }

  void on_slice(Result<FileSlice> slice) {
    if (!closed_ && slice) set_cork(true);
    if (closed_) return;
    if (!slice) {
      // The status line is gone: all that is left is to cut the body short, which tells the
      // client (Content-Length unmet) that it did not get everything.
      log_failure(slice.error());
      close();
      return;
    }
    slice_ = *slice;
    do_sendfile();
  }

  void do_sendfile() {
    const int socket = stream_.socket().native_handle();
    while (slice_.length > 0) {
      auto offset = static_cast<off_t>(slice_.offset);
      const auto chunk =
          static_cast<std::size_t>(std::min<std::uint64_t>(slice_.length, 1ull << 30));
      const ssize_t sent = ::sendfile(socket, slice_.fd, &offset, chunk);
      if (sent > 0) {
        const auto n = static_cast<std::uint64_t>(sent);
        slice_.offset += n;
        slice_.length -= n;
        remaining_ -= n;
        body_bytes_ += n;
        continue;
      }
      if (sent < 0 && errno == EINTR) continue;
      if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        wait_writable();
        return;
      }
      if (sent == 0) {
        log_failure(make_error(Errc::io, "content file is shorter than its verified pieces"));
        if (source_) source_->bytes_missing();
      } else if (errno != EPIPE && errno != ECONNRESET) {
        log_failure(make_error(Errc::io, std::string("sendfile: ") + std::strerror(errno)));
      }
      close();
      return;
    }
    set_cork(false);
    pump();
  }

  void wait_writable() {
    send_timer_.expires_after(options().send_timeout);
    send_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      spdlog::debug("{} /{}/{}: client stopped reading, closing", self->head_.method,
                    self->plan_hash_, self->plan_path_);
      self->close();
    });
    stream_.socket().async_wait(tcp::socket::wait_write,
                                [self = shared_from_this()](const boost::system::error_code& ec) {
                                  self->send_timer_.cancel();
                                  if (ec || self->closed_) {
                                    self->close();
                                    return;
                                  }
                                  self->do_sendfile();
                                });
  }

  // While a response waits for pieces, a client that hangs up must release them at once rather
  // than when the next write fails (the reference gateway's bug B13).
  void watch_for_hangup() {
    if (watching_) return;
    watching_ = true;
    stream_.socket().async_wait(tcp::socket::wait_read,
                                [self = shared_from_this()](const boost::system::error_code& ec) {
                                  self->on_readable(ec);
                                });
  }

  void on_readable(const boost::system::error_code& ec) {
    watching_ = false;
    if (ec || closed_ || !streaming_) return;
    char byte = 0;
    const ssize_t n = ::recv(stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      spdlog::debug("{} /{}/{}: client hung up after {} bytes", head_.method, plan_hash_,
                    plan_path_, body_bytes_);
      close();
      return;
    }
    if (n < 0) watch_for_hangup();
    // n > 0: a pipelined request; it is read once this response is done.
  }

  // ---- end of a request ----

  void finish() {
    log_request();
    streaming_ = false;
    source_.reset();
    serializer_.reset();
    if (!keep_alive_) {
      linger_close();
      return;
    }
    reset_request();
    do_read();
  }

  // Closing a socket with unread input makes the kernel answer with RST, which can destroy the
  // response before the client reads it (a 431 sent while the client is still sending its huge
  // header). So: half-close, drain what the client still sends, then close (RFC 9112 §9.6).
  void linger_close() {
    streaming_ = false;
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(std::chrono::seconds(2));
    drain_ = std::make_unique<std::array<char, 16 * 1024>>();
    do_drain();
  }

  void do_drain() {
    stream_.async_read_some(asio::buffer(*drain_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) {
                                self->close();
                                return;
                              }
                              self->do_drain();
                            });
  }

  void reset_request() {
    head_ = {};
    head_only_ = false;
    body_bytes_ = 0;
    remaining_ = 0;
    status_ = 0;
    route_ = "invalid";
    plan_path_.clear();
    plan_hash_.clear();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    if (streaming_) log_request();
    if (source_) source_->cancel();
    source_.reset();
    if (events_) events_->cancel();
    events_.reset();
    send_timer_.cancel();
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  void log_request() const {
    if (auto* metrics = server_->backend.metrics; metrics && status_ != 0)
      metrics->on_response(route_, status_, body_bytes_);
    if (head_.method.empty()) return;
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started_);
    spdlog::debug("{} {} {} {} bytes {:.1f} ms{}", head_.method, head_.target, status_, body_bytes_,
                  static_cast<double>(elapsed.count()) / 1000.0,
                  remaining_ > 0 && streaming_ ? " (incomplete)" : "");
  }

  void log_failure(const Error& error) const {
    if (error.code == Errc::cancelled) return;
    const auto status = status_for(error.code);
    if (status >= 500 && status != 503 && status != 504) {
      spdlog::error("{} torrent {} path '{}': {}", head_.method, plan_hash_, plan_path_,
                    error.message);
    } else {
      spdlog::warn("{} torrent {} path '{}': {}", head_.method, plan_hash_, plan_path_,
                   error.message);
    }
  }

  std::shared_ptr<Server::Impl> server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  asio::steady_timer send_timer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  std::optional<bhttp::response_serializer<bhttp::string_body>> serializer_;

  // The request in progress.
  RequestHead head_;
  std::chrono::steady_clock::time_point started_;
  bool keep_alive_ = false;
  bool head_only_ = false;
  unsigned status_ = 0;
  std::string route_ = "invalid";  // metrics label
  std::uint64_t body_bytes_ = 0;
  std::string plan_hash_;
  std::string plan_path_;

  // The streamed body in progress.
  bool streaming_ = false;
  std::shared_ptr<ByteSource> source_;
  std::shared_ptr<EventStream> events_;
  std::string chunk_;  // the event chunk being written
  FileSlice slice_;
  std::uint64_t remaining_ = 0;

  bool watching_ = false;
  bool closed_ = false;
  std::unique_ptr<std::array<char, 16 * 1024>> drain_;  // only while lingering
};

}  // namespace

void Server::Impl::on_accept(tcp::socket socket) {
  auto connection = std::make_shared<Connection>(std::move(socket), shared_from_this());
  bool stopping = false;
  bool full = false;
  {
    LockGuard lock(mutex);
    stopping = stopped;
    full = options.max_connections > 0 && connections.size() >= options.max_connections;
    if (!stopping && !full) connections.emplace(connection.get(), connection);
  }
  // A connection not taken dies with `connection`, outside the lock its destructor takes.
  if (stopping) return;  // the accept loop is being closed
  if (full) {
    connection->refuse();
  } else {
    connection->start();
  }
}

Result<std::unique_ptr<Server>> Server::start(asio::io_context& io, ServerOptions options,
                                              Backend backend) {
  // sendfile(2) cannot take MSG_NOSIGNAL: a client that hangs up mid-body would otherwise kill
  // the whole process with SIGPIPE. Left alone if the host program installed its own handler.
  if (struct sigaction current{};
      ::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    std::signal(SIGPIPE, SIG_IGN);
  }
  auto impl = std::make_shared<Impl>(std::move(options), backend);
  auto accepts = AcceptLoop::open(io, impl->options.host, impl->options.port, "HTTP");
  if (!accepts) {
    auto error = accepts.error();
    if (error.code == Errc::bad_request) error.message = "--host: " + error.message;
    return error;
  }
  impl->accepts = std::move(*accepts);
  // The loop holds the server's state only weakly: stop() ends both, in either order.
  impl->accepts->start([weak = std::weak_ptr<Impl>(impl)](tcp::socket socket) {
    if (auto self = weak.lock()) self->on_accept(std::move(socket));
  });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  stop();
}

std::uint16_t Server::port() const {
  return impl_->accepts->port();
}

void Server::stop() {
  std::vector<std::shared_ptr<Connection>> open;
  {
    LockGuard lock(impl_->mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
    for (auto& [raw, weak] : impl_->connections) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
  }
  impl_->accepts->stop();
  for (auto& connection : open)
    connection->close_from_outside();
}

}  // namespace seeder::http
