#include "http_client.hpp"

#include <cctype>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace seeder::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::string HttpResponse::header(const std::string& lowercase_name) const {
  const auto it = headers.find(lowercase_name);
  return it == headers.end() ? std::string() : it->second;
}

struct HttpConnection::Impl {
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;

  // Runs the io_context until the started operation completes; throws on its error.
  void run(beast::error_code& ec) {
    io.restart();
    io.run();
    if (ec) throw std::runtime_error("http client: " + ec.message());
  }
};

HttpConnection::HttpConnection(std::uint16_t port, const std::string& from)
    : impl_(std::make_unique<Impl>()) {
  impl_->stream.expires_after(std::chrono::seconds(10));
  beast::error_code ec;
  if (!from.empty()) {
    auto& socket = impl_->stream.socket();
    socket.open(asio::ip::tcp::v4());
    socket.bind(asio::ip::tcp::endpoint(asio::ip::make_address(from), 0));
  }
  impl_->stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                              [&ec](beast::error_code e) { ec = e; });
  impl_->run(ec);
}

HttpConnection::~HttpConnection() = default;

HttpResponse HttpConnection::request(const std::string& method, const std::string& target,
                                     const Headers& headers, std::chrono::milliseconds timeout,
                                     const std::string& body) {
  bhttp::request<bhttp::string_body> request(bhttp::string_to_verb(method), target, 11);
  request.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers)
    request.set(name, value);
  if (!body.empty()) {
    request.body() = body;
    request.prepare_payload();
  }
  beast::error_code ec;
  impl_->stream.expires_after(timeout);
  bhttp::async_write(impl_->stream, request, [&ec](beast::error_code e, std::size_t) { ec = e; });
  impl_->run(ec);

  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1ull << 31);
  if (method == "HEAD") parser.skip(true);
  impl_->stream.expires_after(timeout);
  bhttp::async_read(impl_->stream, impl_->buffer, parser,
                    [&ec](beast::error_code e, std::size_t) { ec = e; });
  impl_->run(ec);

  HttpResponse response;
  auto message = parser.release();
  response.status = message.result_int();
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    response.headers[name] = std::string(field.value());
  }
  response.body = std::move(message.body());
  return response;
}

void HttpConnection::send_raw(const std::string& bytes) {
  beast::error_code ec;
  impl_->stream.expires_after(std::chrono::seconds(10));
  asio::async_write(impl_->stream, asio::buffer(bytes),
                    [&ec](beast::error_code e, std::size_t) { ec = e; });
  impl_->run(ec);
}

std::string HttpConnection::read_some(std::size_t max, std::chrono::milliseconds timeout) {
  std::string out(max, '\0');
  beast::error_code ec;
  std::size_t got = 0;
  impl_->stream.expires_after(timeout);
  impl_->stream.async_read_some(asio::buffer(out), [&](beast::error_code e, std::size_t n) {
    ec = e;
    got = n;
  });
  impl_->io.restart();
  impl_->io.run();
  if (ec == asio::error::eof) return {};
  if (ec) throw std::runtime_error("http client: " + ec.message());
  out.resize(got);
  return out;
}

bool HttpConnection::closed_by_peer(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char scratch[65536];
  while (std::chrono::steady_clock::now() < deadline) {
    beast::error_code ec;
    impl_->stream.expires_at(deadline);
    impl_->stream.async_read_some(asio::buffer(scratch),
                                  [&](beast::error_code e, std::size_t) { ec = e; });
    impl_->io.restart();
    impl_->io.run();
    if (ec == beast::error::timeout) return false;
    if (ec) return true;  // eof or reset
  }
  return false;
}

void HttpConnection::close() {
  beast::error_code ec;
  impl_->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  impl_->stream.close();
}

HttpResponse http_request(std::uint16_t port, const std::string& method, const std::string& target,
                          const Headers& headers, std::chrono::milliseconds timeout) {
  HttpConnection connection(port);
  return connection.request(method, target, headers, timeout);
}

}  // namespace seeder::test
