#include "connection.hpp"

#include "event_body.hpp"
#include "file_body.hpp"
#include "request_record.hpp"
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

// What a request other than an upload may carry: read (so that keep-alive works) and dropped.
constexpr std::uint64_t kIgnoredBodyLimit = 64 * 1024;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<ConnectionHost> host)
      : host_(std::move(host)), stream_(std::move(socket)) {}

  ~Connection() {
    LockGuard lock(host_->mutex);
    host_->connections.erase(this);
  }

  void start() {
    boost::system::error_code ec;
    const auto peer = stream_.socket().remote_endpoint(ec);
    if (!ec) client_ = peer.address().to_string();
    stream_.socket().set_option(tcp::no_delay(true), ec);
    // send must return EAGAIN rather than block the strand's thread.
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

  // The head first: its method and target decide how large a body may be (an upload to
  // POST /, or the small one any other request may carry and nobody reads).
  void do_read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(options().header_limit));
    // Beast checks a Content-Length against the limit as the head ends: the largest any request
    // may have there, read_body holds each to its own. (Not boost::none: Beast 1.74 compares
    // the length with the optional itself, and every length is then over it.)
    parser_->body_limit(std::max(options().upload_limit, kIgnoredBodyLimit));
    stream_.expires_after(options().read_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) {
                               if (ec) {
                                 self->on_read(ec);
                                 return;
                               }
                               self->read_body();
                             });
  }

  // Whether the request whose head was read is an upload (a body of up to upload_limit).
  [[nodiscard]] bool upload_head() const {
    const auto& request = parser_->get();
    return options().upload_limit > 0 && request.method() == bhttp::verb::post &&
           is_upload_target({request.target().data(), request.target().size()});
  }

  void read_body() {
    const auto& request = parser_->get();
    const bool upload = upload_head();
    body_limit_ = upload ? options().upload_limit : kIgnoredBodyLimit;
    if (const auto length = parser_->content_length(); length && *length > body_limit_) {
      on_read(bhttp::error::body_limit);  // refused before the body is read
      return;
    }
    parser_->body_limit(body_limit_);
    const auto read = [self = shared_from_this()] {
      self->stream_.expires_after(self->options().read_timeout);
      bhttp::async_read(self->stream_, self->buffer_, *self->parser_,
                        [self](beast::error_code ec, std::size_t) { self->on_read(ec); });
    };
    // curl and others wait (a second, by default) for this before a large body.
    // RFC 9110 §10.1.1: an HTTP/1.0 client's expectation is ignored.
    if (upload && request.version() >= 11 &&
        bhttp::token_list(request[bhttp::field::expect]).exists("100-continue")) {
      continue_.emplace(bhttp::status::continue_, request.version());
      bhttp::async_write(stream_, *continue_,
                         [self = shared_from_this(), read](beast::error_code ec, std::size_t) {
                           if (ec) {
                             self->close();
                             return;
                           }
                           read();
                         });
      return;
    }
    read();
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::eof ||
        ec == asio::error::connection_reset) {
      close();
      return;
    }
    request_.started = std::chrono::steady_clock::now();
    keep_alive_ = false;  // an unreadable request closes the connection after its answer
    if (ec == bhttp::error::header_limit) {
      respond(
          host_->handler.reject(make_error(Errc::header_too_large, "request header too large")));
      return;
    }
    if (ec == bhttp::error::body_limit) {
      // Beast may refuse a Content-Length as the head ends, before read_body has run.
      body_limit_ = upload_head() ? options().upload_limit : kIgnoredBodyLimit;
      respond(host_->handler.reject(
          make_error(Errc::payload_too_large,
                     "request body over " + std::to_string(body_limit_ >> 10) + " KiB")));
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
    request_.head = head_of(request);
    request_.head.client = client_;
    believe_proxies(request_.head, options().trusted_proxies);
    in_request_ = true;
    waiting_ = true;
    watch_for_hangup();
    // The handler gets the head with an upload's body moved in; the log line keeps the head.
    auto handed = request_.head;
    if (request.method() == bhttp::verb::post) handed.body = std::move(parser_->get().body());
    host_->handler.handle(
        std::move(handed), stream_.get_executor(), closed_,
        [self = shared_from_this()](Response response) { self->respond(std::move(response)); });
  }

  // ---- writing the response ----

  void respond(Response response) {
    if (closed()) {
      if (response.file) response.file->cancel();
      if (response.events) response.events->cancel();
      return;
    }
    request_.route = response.route;
    request_.status = response.reply.status;
    request_.answered_after = std::chrono::steady_clock::now() - request_.started;
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
        metrics->on_first_byte(std::chrono::steady_clock::now() - request_.started);
      file_body_ = std::make_shared<FileBody>(stream_.socket(), response_body_,
                                              options().slice_bytes, options().send_timeout);
      file_body_->cork();  // the head leaves in the same segment as the first bytes
      write_head([self = shared_from_this()] { self->send_file_body(); });
    } else if (events_ && sends_body) {
      response_.chunked(true);
      event_body_ =
          std::make_shared<EventBody>(stream_, weak_from_this(), events_, options().send_timeout);
      write_head([self = shared_from_this()] { self->send_event_body(); });
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
    file_body_->start([self = shared_from_this()](Status sent) { self->on_body_sent(sent); });
  }

  void send_event_body() {
    event_body_->start([self = shared_from_this()](Status sent) { self->on_body_sent(sent); });
  }

  // A streamed body ended. After a failure the status line is gone: all that is left is to cut
  // the body short, which tells the client (Content-Length unmet, or no last chunk) that it did
  // not get everything.
  void on_body_sent(const Status& sent) {
    if (closed()) return;
    if (sent) {
      finish();
      return;
    }
    if (sent.error().code == Errc::timeout) {
      spdlog::debug("{} {}: client stopped reading, closing", request_.head.method,
                    request_.head.target);
    } else {
      request_.log_failure(sent.error(), body_bytes());
    }
    close();
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
      spdlog::debug("{} {}: client hung up after {} bytes", request_.head.method,
                    request_.head.target, body_bytes());
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
    event_body_.reset();
    events_.reset();
    serializer_.reset();
    if (!keep_alive_) {
      linger_close();
      return;
    }
    request_ = {};
    body_bytes_ = 0;
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
    if (event_body_) {
      event_body_->cancel();  // cancels its stream too
    } else if (events_) {
      events_->cancel();
    }
    event_body_.reset();
    events_.reset();
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  void log_request() const { request_.log(host_->metrics, body_bytes(), in_request_); }

  // In-memory bodies count here; file and event bodies count their own.
  [[nodiscard]] std::uint64_t body_bytes() const {
    return body_bytes_ + (file_body_ ? file_body_->sent() : 0) +
           (event_body_ ? event_body_->sent() : 0);
  }

  std::shared_ptr<ConnectionHost> host_;
  beast::tcp_stream stream_;
  std::string client_;  // the peer's address, for RequestHead::client
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;  // "100 Continue", while sent
  std::uint64_t body_limit_ = kIgnoredBodyLimit;
  bhttp::response<bhttp::string_body> response_;
  std::optional<bhttp::response_serializer<bhttp::string_body>> serializer_;
  // Shared with the handler's continuations: set once the client is gone.
  std::shared_ptr<bool> closed_ = std::make_shared<bool>(false);

  // The request in progress.
  RequestRecord request_;
  bool keep_alive_ = false;
  bool in_request_ = false;       // from its head read until its response is sent
  bool waiting_ = false;          // on the handler, or on a streamed body: a hang-up ends it
  std::uint64_t body_bytes_ = 0;  // of an in-memory body

  // The streamed body in progress.
  std::shared_ptr<ByteSource> response_body_;
  std::shared_ptr<FileBody> file_body_;
  std::shared_ptr<EventStream> events_;
  std::shared_ptr<EventBody> event_body_;

  bool watching_ = false;
  std::unique_ptr<std::array<char, 16 * 1024>> drain_;  // only while lingering
};

void serve_connection(tcp::socket socket, const std::shared_ptr<ConnectionHost>& host) {
  bool full = false;
  {
    LockGuard lock(host->mutex);
    if (host->stopped) return;  // the accept loop is being closed
    full = host->options.max_connections > 0 &&
           host->connections.size() >= host->options.max_connections;
  }
  if (full) {
    refuse_connection(std::move(socket), *host);
    return;
  }
  auto connection = std::make_shared<Connection>(std::move(socket), host);
  {
    LockGuard lock(host->mutex);
    if (host->stopped) return;  // dies with `connection`, outside the lock its destructor takes
    host->connections.emplace(connection.get(), connection);
  }
  connection->start();
}

void close_connections(ConnectionHost& host) {
  std::vector<std::shared_ptr<Connection>> open;
  {
    LockGuard lock(host.mutex);
    if (host.stopped) return;
    host.stopped = true;
    for (auto& [raw, weak] : host.connections) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
  }
  for (auto& connection : open)
    connection->close_from_outside();
}

}  // namespace seeder::http
