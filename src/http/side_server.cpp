#include "seeder/http/side_server.hpp"

#include "listener.hpp"
#include "response_head.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace seeder::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct SideServer::Impl : std::enable_shared_from_this<SideServer::Impl> {
  Impl(asio::io_context& io, std::map<std::string, Handler> routes)
      : io(io), routes(std::move(routes)), acceptor(asio::make_strand(io)) {}

  void do_accept() {
    acceptor.async_accept(
        asio::make_strand(io),
        [self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
          if (ec == asio::error::operation_aborted) return;
          if (!ec) serve(self, std::move(socket));
          self->do_accept();
        });
  }

  Reply answer(const bhttp::request<bhttp::empty_body>& request) const {
    const auto path = std::string(request.target().substr(0, request.target().find('?')));
    const auto route = routes.find(path);
    if (route == routes.end()) return text_reply(404, "not found\n");
    if (request.method() != bhttp::verb::get && request.method() != bhttp::verb::head) {
      auto reply = text_reply(405, "only GET and HEAD\n");
      reply.headers.push_back({"Allow", "GET, HEAD"});
      return reply;
    }
    return route->second();
  }

  // Reads one request, answers it, closes.
  static void serve(const std::shared_ptr<Impl>& self, tcp::socket socket) {
    struct Exchange {
      beast::tcp_stream stream;
      beast::flat_buffer buffer;
      bhttp::request<bhttp::empty_body> request;
      bhttp::response<bhttp::string_body> response;
    };
    auto exchange =
        std::make_shared<Exchange>(Exchange{beast::tcp_stream(std::move(socket)), {}, {}, {}});
    exchange->stream.expires_after(std::chrono::seconds(10));
    bhttp::async_read(exchange->stream, exchange->buffer, exchange->request,
                      [self, exchange](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        auto reply = self->answer(exchange->request);
                        auto& response = exchange->response;
                        set_response_head(response, reply, false);
                        if (exchange->request.method() != bhttp::verb::head)
                          response.body() = std::move(reply.body);
                        response.content_length(response.body().size());
                        bhttp::async_write(exchange->stream, response,
                                           [exchange](beast::error_code, std::size_t) {
                                             beast::error_code ignored;
                                             exchange->stream.socket().shutdown(
                                                 tcp::socket::shutdown_send, ignored);
                                           });
                      });
  }

  asio::io_context& io;
  const std::map<std::string, Handler> routes;
  tcp::acceptor acceptor;
  std::uint16_t bound_port = 0;
};

Result<std::unique_ptr<SideServer>> SideServer::start(asio::io_context& io, const std::string& host,
                                                      std::uint16_t port,
                                                      std::map<std::string, Handler> routes) {
  auto impl = std::make_shared<Impl>(io, std::move(routes));
  auto bound = open_listener(impl->acceptor, host, port);
  if (!bound) return bound.error();
  impl->bound_port = *bound;
  asio::dispatch(impl->acceptor.get_executor(), [impl] { impl->do_accept(); });
  return std::unique_ptr<SideServer>(new SideServer(std::move(impl)));
}

SideServer::SideServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

SideServer::~SideServer() {
  stop();
}

std::uint16_t SideServer::port() const {
  return impl_->bound_port;
}

void SideServer::stop() {
  asio::dispatch(impl_->acceptor.get_executor(), [impl = impl_] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
  });
}

}  // namespace seeder::http
