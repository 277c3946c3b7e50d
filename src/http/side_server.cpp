#include "seeder/http/side_server.hpp"

#include "listener.hpp"
#include "response_head.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace seeder::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

struct SideServer::Impl : std::enable_shared_from_this<SideServer::Impl> {
  explicit Impl(std::map<std::string, Handler> routes) : routes(std::move(routes)) {}

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

  const std::map<std::string, Handler> routes;
  std::shared_ptr<AcceptLoop> accepts;  // set once before accepting starts
};

Result<std::unique_ptr<SideServer>> SideServer::start(asio::io_context& io, const std::string& host,
                                                      std::uint16_t port,
                                                      std::map<std::string, Handler> routes) {
  auto impl = std::make_shared<Impl>(std::move(routes));
  auto accepts = AcceptLoop::open(io, host, port, "side server");
  if (!accepts) return accepts.error();
  impl->accepts = std::move(*accepts);
  impl->accepts->start([weak = std::weak_ptr<Impl>(impl)](tcp::socket socket) {
    if (auto self = weak.lock()) Impl::serve(self, std::move(socket));
  });
  return std::unique_ptr<SideServer>(new SideServer(std::move(impl)));
}

SideServer::SideServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

SideServer::~SideServer() {
  stop();
}

std::uint16_t SideServer::port() const {
  return impl_->accepts->port();
}

void SideServer::stop() {
  impl_->accepts->stop();
}

}  // namespace seeder::http
