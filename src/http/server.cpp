#include "seeder/http/server.hpp"

#include "connection.hpp"
#include "listener.hpp"

#include <csignal>

namespace seeder::http {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Server::Impl {
  std::shared_ptr<ConnectionHost> host;
  std::shared_ptr<AcceptLoop> accepts;
};

Result<std::unique_ptr<Server>> Server::start(asio::io_context& io, ServerOptions options,
                                              const RequestHandler& handler,
                                              metrics::HttpMetrics* metrics) {
  // Not every write takes MSG_NOSIGNAL (Beast's): a client that hangs up mid-body would otherwise
  // kill the whole process with SIGPIPE. Left alone if the host program installed its own handler.
  if (struct sigaction current{};
      ::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
    std::signal(SIGPIPE, SIG_IGN);
  }
  auto impl = std::make_unique<Impl>();
  impl->host = std::make_shared<ConnectionHost>(std::move(options), handler, metrics);
  auto accepts = AcceptLoop::open(io, impl->host->options.host, impl->host->options.port, "HTTP");
  if (!accepts) {
    auto error = accepts.error();
    if (error.code == Errc::bad_request) error.message = "--host: " + error.message;
    return error;
  }
  impl->accepts = std::move(*accepts);
  // The loop holds the connections' host only weakly: stop() ends both, in either order.
  impl->accepts->start([weak = std::weak_ptr<ConnectionHost>(impl->host)](tcp::socket socket) {
    if (auto host = weak.lock()) serve_connection(std::move(socket), host);
  });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  stop();
}

std::uint16_t Server::port() const {
  return impl_->accepts->port();
}

void Server::stop() {
  impl_->accepts->stop();
  close_connections(*impl_->host);
}

}  // namespace seeder::http
