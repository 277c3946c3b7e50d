#include "session.hpp"

#include "file_body.hpp"
#include "response_head.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "seeder/http/request_fields.hpp"

namespace seeder::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, std::shared_ptr<SessionHost> host)
      : host_(std::move(host)), stream_(std::move(socket)) {}

  ~Session() {
    LockGuard lock(host_->mutex);
    host_->sessions.erase(this);
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

 private:
  const ServerOptions& options() const { return host_->options; }
  [[nodiscard]] bool closed() const { return *closed_; }

  // ---- reading a request ----

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
    keep_alive_ = false;  // an unreadable request closes the connection after its answer
    if (ec == bhttp::error::header_limit) {
      respond(
          host_->handler.reject(make_error(Errc::header_too_large, "request header too large")));
      return;
    }
    if (ec) {
      respond(host_->handler.reject(
          make_error(Errc::bad_request, "malformed request: " + ec.message())));
      return;
    }
    const auto& request = parser_->get();
    if (request.count(bhttp::field::transfer_encoding) != 0 && !parser_->chunked()) {
      // RFC 9112 §6.1: a coding seeder cannot undo leaves the body's framing unknown.
      respond(host_->handler.reject(
          make_error(Errc::not_implemented, "unsupported Transfer-Encoding")));
      return;
    }
    keep_alive_ = request.keep_alive();
    head_ = head_of(request);
    in_request_ = true;
    waiting_ = true;
    watch_for_hangup();
    host_->handler.handle(
        head_, stream_.get_executor(), closed_,
        [self = shared_from_this()](Response response) { self->respond(std::move(response)); });
  }

  // ---- writing the response ----

  void respond(Response response) {
    if (closed()) {
      if (response.file) response.file->cancel();
      if (response.events) response.events->cancel();
      return;
    }
    route_ = response.route;
    status_ = response.reply.status;
    answered_after_ = std::chrono::steady_clock::now() - started_;
    set_response_head(response_, response.reply, keep_alive_, options().instance_name);
    if (response.announces_length()) response_.content_length(response.content_length());
    const bool sends_body = response.sends_body();
    response_body_ = std::move(response.file);
    events_ = std::move(response.events);
    // Still waiting (for pieces, for frames) only while a streamed body is on its way: a client
    // that half-closes after its request still gets a whole in-memory body.
    waiting_ = sends_body && (response_body_ || events_);
    if (response_body_ && sends_body) {
      if (auto* metrics = host_->metrics)
        metrics->on_first_byte(std::chrono::steady_clock::now() - started_);
      file_body_ = std::make_shared<FileBody>(stream_.socket(), response_body_,
                                              options().slice_bytes, options().send_timeout);
      file_body_->cork();  // the head leaves in the same segment as the first bytes
      write_head([self = shared_from_this()] { self->send_file_body(); });
    } else if (events_ && sends_body) {
      response_.chunked(true);
      write_head([self = shared_from_this()] { self->next_event(); });
    } else if (sends_body) {
      response_.body() = std::move(response.reply.body);
      body_bytes_ = response_.body().size();
      stream_.expires_after(options().send_timeout);
      bhttp::async_write(
          stream_, response_,
          [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_sent(ec); });
    } else {
      write_head([self = shared_from_this()] { self->finish(); });
    }
  }

  // Writes the status line and headers, then runs `next` (or closes on failure).
  template <class Next>
  void write_head(Next next) {
    serializer_.emplace(response_);
    stream_.expires_after(options().send_timeout);
    bhttp::async_write_header(
        stream_, *serializer_,
        [self = shared_from_this(), next = std::move(next)](beast::error_code ec, std::size_t) {
          self->on_head_sent(ec, next);
        });
  }

  template <class Next>
  void on_head_sent(beast::error_code ec, const Next& next) {
    if (ec || closed()) {
      close();
      return;
    }
    next();
  }

  void on_sent(beast::error_code ec) {
    if (ec) {
      close();
      return;
    }
    finish();
  }

  void send_file_body() {
    file_body_->start([self = shared_from_this()](Status sent) {
      if (self->closed()) return;
      if (sent) {
        self->finish();
        return;
      }
      // The status line is gone: all that is left is to cut the body short, which tells the
      // client (Content-Length unmet) that it did not get everything.
      if (sent.error().code == Errc::timeout) {
        spdlog::debug("{} {}: client stopped reading, closing", self->head_.method,
                      self->head_.target);
      } else {
        self->log_failure(sent.error());
      }
      self->close();
    });
  }

  // ---- event streams: each frame one chunk; the last chunk ends the response ----

  void next_event() {
    if (closed()) return;
    events_->async_next([self = shared_from_this()](Result<std::optional<std::string>> frame) {
      self->on_event(std::move(frame));
    });
  }

  void on_event(Result<std::optional<std::string>> frame) {
    if (closed()) return;
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
                        if (ec || self->closed()) {
                          self->close();
                          return;
                        }
                        self->stream_.expires_never();  // the next frame may take a while
                        if (last) {
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

  // While a request waits (for a torrent, a vault, pieces), a client that hangs up must release
  // what it holds at once rather than when the next write fails (the reference's bug B13).
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
    if (ec || closed() || !waiting_) return;
    char byte = 0;
    const ssize_t n = ::recv(stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      spdlog::debug("{} {}: client hung up after {} bytes", head_.method, head_.target,
                    body_bytes());
      close();
      return;
    }
    if (n < 0) watch_for_hangup();
    // n > 0: a pipelined request; it is read once this response is done.
  }

  // ---- end of a request ----

  void finish() {
    in_request_ = false;
    waiting_ = false;
    log_request();
    file_body_.reset();
    response_body_.reset();
    events_.reset();
    serializer_.reset();
    if (!keep_alive_) {
      linger_close();
      return;
    }
    head_ = {};
    body_bytes_ = 0;
    status_ = 0;
    answered_after_ = {};
    route_ = "invalid";
    do_read();
  }

  // Closing a socket with unread input makes the kernel answer with RST, which can destroy the
  // response before the client reads it (a 431 sent while the client is still sending its huge
  // header). So: half-close, drain what the client still sends, then close (RFC 9112 §9.6).
  void linger_close() {
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

  void close() {
    if (closed()) return;
    *closed_ = true;
    if (waiting_) log_request();  // cut short while its torrent, vault or body was on the way
    if (file_body_) {
      file_body_->cancel();  // cancels its source too
    } else if (response_body_) {
      response_body_->cancel();
    }
    file_body_.reset();
    response_body_.reset();
    if (events_) events_->cancel();
    events_.reset();
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  void log_request() const {
    if (auto* metrics = host_->metrics; metrics && status_ != 0)
      metrics->on_response(route_, status_, body_bytes());
    if (head_.method.empty()) return;
    const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started_);
    const auto answered =
        std::chrono::duration_cast<std::chrono::microseconds>(answered_after_).count();
    spdlog::debug("{} {}{}{} {} {} bytes, head after {:.1f} ms, {:.1f} ms{}", head_.method,
                  head_.target, head_.range.empty() ? "" : " ", head_.range, status_, body_bytes(),
                  static_cast<double>(answered) / 1000.0,
                  static_cast<double>(elapsed.count()) / 1000.0,
                  in_request_ ? " (incomplete)" : "");
  }

  // In-memory and event bodies count as they go; a file body counts its own.
  [[nodiscard]] std::uint64_t body_bytes() const {
    return body_bytes_ + (file_body_ ? file_body_->sent() : 0);
  }

  // A failure after the status line left: the body is cut short; said here, once.
  void log_failure(const Error& error) const {
    if (error.code == Errc::cancelled) return;
    const auto status = status_for(error.code);
    const auto level =
        status >= 500 && status != 503 && status != 504 ? spdlog::level::err : spdlog::level::warn;
    spdlog::log(level, "{} {}: response cut short after {} bytes: {}", head_.method, head_.target,
                body_bytes(), error.message);
  }

  std::shared_ptr<SessionHost> host_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  std::optional<bhttp::response_serializer<bhttp::string_body>> serializer_;
  // Shared with the handler's continuations: set once the client is gone.
  std::shared_ptr<bool> closed_ = std::make_shared<bool>(false);

  // The request in progress.
  RequestHead head_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::duration answered_after_{};  // read → response head decided
  bool keep_alive_ = false;
  bool in_request_ = false;  // from its head read until its response is sent
  bool waiting_ = false;     // on the handler, or on a streamed body: a hang-up ends it
  unsigned status_ = 0;
  const char* route_ = "invalid";  // metrics label
  std::uint64_t body_bytes_ = 0;

  // The streamed body in progress.
  std::shared_ptr<ByteSource> response_body_;
  std::shared_ptr<FileBody> file_body_;
  std::shared_ptr<EventStream> events_;
  std::string chunk_;  // the event chunk being written

  bool watching_ = false;
  std::unique_ptr<std::array<char, 16 * 1024>> drain_;  // only while lingering
};

namespace {

// Over max_connections: a 503 the client can act on, written without waiting (a fresh socket's
// send buffer takes it whole), and the socket closed on return.
void refuse(tcp::socket socket, SessionHost& host) {
  static constexpr std::string_view kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nContent-Length: 21\r\n\r\n"
      "too many connections\n";
  const int fd = socket.native_handle();
  [[maybe_unused]] const auto sent =
      ::send(fd, kBusy.data(), kBusy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  // Read what the client already sent, so that the close is a FIN and not a reset that could
  // discard the 503 before the client reads it.
  std::array<char, 4096> request{};
  [[maybe_unused]] const auto read = ::recv(fd, request.data(), request.size(), MSG_DONTWAIT);
  ::shutdown(fd, SHUT_WR);
  if (const auto held_back = host.refuse_log.admit()) {
    spdlog::warn(
        "HTTP: refused a connection over --max-connections {} ({} more since the last "
        "report)",
        host.options.max_connections, *held_back);
  }
}

}  // namespace

void serve_connection(tcp::socket socket, const std::shared_ptr<SessionHost>& host) {
  bool full = false;
  {
    LockGuard lock(host->mutex);
    if (host->stopped) return;  // the accept loop is being closed
    full =
        host->options.max_connections > 0 && host->sessions.size() >= host->options.max_connections;
  }
  if (full) {
    refuse(std::move(socket), *host);
    return;
  }
  auto session = std::make_shared<Session>(std::move(socket), host);
  {
    LockGuard lock(host->mutex);
    if (host->stopped) return;  // dies with `session`, outside the lock its destructor takes
    host->sessions.emplace(session.get(), session);
  }
  session->start();
}

void close_sessions(SessionHost& host) {
  std::vector<std::shared_ptr<Session>> open;
  {
    LockGuard lock(host.mutex);
    if (host.stopped) return;
    host.stopped = true;
    for (auto& [raw, weak] : host.sessions) {
      if (auto session = weak.lock()) open.push_back(std::move(session));
    }
  }
  for (auto& session : open)
    session->close_from_outside();
}

}  // namespace seeder::http
