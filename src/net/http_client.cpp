#include "seeder/net/http_client.hpp"

#include <cctype>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace seeder::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string ClientResponse::header(const std::string& lowercase_name) const {
  const auto it = headers.find(lowercase_name);
  return it == headers.end() ? std::string() : it->second;
}

Result<Url> parse_http_url(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0)
    return make_error(Errc::bad_request, "'" + url + "' is not an http:// URL");
  const auto rest = std::string_view(url).substr(kScheme.size());
  const auto slash = rest.find_first_of("/?");
  const auto authority = rest.substr(0, slash);
  Url out;
  if (slash != std::string_view::npos) {
    out.target = std::string(rest.substr(slash));
    if (out.target.front() == '?') out.target.insert(out.target.begin(), '/');
  }
  const auto colon = authority.rfind(':');
  const bool bracketed = !authority.empty() && authority.front() == '[';
  if (colon != std::string_view::npos && (!bracketed || authority[colon - 1] == ']')) {
    const auto port = authority.substr(colon + 1);
    unsigned value = 0;
    for (const char c : port) {
      if (std::isdigit(static_cast<unsigned char>(c)) == 0 || value > 65535)
        return make_error(Errc::bad_request, "bad port in '" + url + "'");
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    if (port.empty() || value == 0 || value > 65535)
      return make_error(Errc::bad_request, "bad port in '" + url + "'");
    out.port = static_cast<std::uint16_t>(value);
    out.host = std::string(authority.substr(0, colon));
  } else {
    out.host = std::string(authority);
  }
  if (out.host.size() > 2 && out.host.front() == '[')
    out.host = out.host.substr(1, out.host.size() - 2);
  if (out.host.empty()) return make_error(Errc::bad_request, "no host in '" + url + "'");
  return out;
}

namespace {

// The exchange's state, alive until its last handler ran.
struct Exchange : std::enable_shared_from_this<Exchange> {
  Exchange(asio::any_io_executor executor, std::function<void(Result<ClientResponse>)> handler)
      : resolver(executor), stream(executor), handler(std::move(handler)) {}

  void fail(Errc code, const std::string& message) { complete(make_error(code, message)); }
  void fail(const beast::error_code& ec, const char* step) {
    // Past the deadline, a cancelled operation is the timeout too (the stream's timer may
    // cancel it between two steps).
    if (ec == beast::error::timeout || std::chrono::steady_clock::now() >= deadline) {
      fail(Errc::timeout, std::string("no answer in time (") + step + ")");
    } else {
      fail(Errc::unavailable, std::string(step) + ": " + ec.message());
    }
  }
  void complete(Result<ClientResponse> result) {
    if (!handler) return;
    auto done = std::move(handler);
    handler = nullptr;
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    done(std::move(result));
  }

  void start(const std::string& host, std::uint16_t port) {
    resolver.async_resolve(host, std::to_string(port),
                           [self = shared_from_this()](const beast::error_code& ec,
                                                       const tcp::resolver::results_type& found) {
                             if (ec) return self->fail(ec, "resolve");
                             self->connect(found);
                           });
  }
  void connect(const tcp::resolver::results_type& endpoints) {
    stream.expires_at(deadline);
    stream.async_connect(
        endpoints, [self = shared_from_this()](const beast::error_code& ec, const tcp::endpoint&) {
          if (ec) return self->fail(ec, "connect");
          bhttp::async_write(self->stream, self->request,
                             [self](const beast::error_code& ec, std::size_t) {
                               if (ec) return self->fail(ec, "send");
                               self->read();
                             });
        });
  }
  // The head first: Boost 1.74's parser does not hold a Content-Length body to its body_limit
  // (basic_parser::finish_header compares against the optional and lets any length through), so
  // a declared length over the limit is refused here, before its bytes are read. Bodies without
  // a length (chunked, to the end) are held to it by the parser.
  void read() {
    bhttp::async_read_header(
        stream, buffer, *parser,
        [self = shared_from_this()](const beast::error_code& ec, std::size_t) {
          if (ec) return self->fail(ec, "read");
          const auto length = self->parser->content_length();
          // Done already: a HEAD, or a status that has no body (1xx, 204, 304) whatever its
          // Content-Length says.
          if (!self->parser->is_done() && length && *length > self->body_limit) {
            return self->fail(Errc::unavailable, "a body of " + std::to_string(*length) +
                                                     " bytes, over the limit of " +
                                                     std::to_string(self->body_limit));
          }
          bhttp::async_read(self->stream, self->buffer, *self->parser,
                            [self](const beast::error_code& ec, std::size_t) {
                              if (ec) return self->fail(ec, "read");
                              self->complete(self->response());
                            });
        });
  }
  ClientResponse response() {
    auto message = parser->release();
    ClientResponse out;
    out.status = message.result_int();
    for (const auto& field : message) {
      std::string name(field.name_string());
      for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(field.value());
    }
    out.body = std::move(message.body());
    return out;
  }

  tcp::resolver resolver;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bhttp::request<bhttp::empty_body> request;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser;
  std::function<void(Result<ClientResponse>)> handler;
  std::chrono::steady_clock::time_point deadline;
  std::uint64_t body_limit = 0;
};

}  // namespace

void async_http_request(asio::any_io_executor executor, const std::string& method,
                        const std::string& url, std::chrono::milliseconds timeout,
                        std::function<void(Result<ClientResponse>)> handler,
                        std::uint64_t body_limit) {
  auto parsed = parse_http_url(url);
  if (!parsed) {
    asio::post(executor,
               [handler = std::move(handler), error = parsed.error()] { handler(error); });
    return;
  }
  // A strand of its own: the stream's timeout handler and its reads must never run at once on
  // a multi-threaded io_context.
  auto exchange = std::make_shared<Exchange>(asio::make_strand(executor), std::move(handler));
  exchange->deadline = std::chrono::steady_clock::now() + timeout;
  auto& request = exchange->request;
  request.method_string(method);
  request.target(parsed->target);
  request.version(11);
  request.set(bhttp::field::host, parsed->host + ":" + std::to_string(parsed->port));
  request.set(bhttp::field::user_agent, "seeder");
  request.keep_alive(false);
  exchange->parser.emplace();
  exchange->parser->body_limit(body_limit);
  exchange->body_limit = body_limit;
  if (method == "HEAD") exchange->parser->skip(true);

  exchange->start(parsed->host, parsed->port);
}

}  // namespace seeder::net
