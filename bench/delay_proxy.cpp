#include "delay_proxy.hpp"

#include <array>
#include <atomic>
#include <deque>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace seeder::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

// Bytes held per direction before the relay stops reading: back-pressure only, far above what
// 60 ms at the fastest seed's rate holds (12 MiB/s x 30 ms = 0.4 MiB).
constexpr std::size_t kMaxHeld = 8u << 20;
constexpr std::size_t kReadSize = 64u << 10;

struct Link {
  tcp::socket client;
  tcp::socket target;
  explicit Link(asio::io_context& io) : client(io), target(io) {}
  void close() {
    error_code ignored;
    client.close(ignored);
    target.close(ignored);
  }
};

// One direction of a relayed connection: what is read from `from` is written to `to` once it
// is `delay` old. Keeps itself (and the link) alive through its pending operations.
class Pipe : public std::enable_shared_from_this<Pipe> {
 public:
  Pipe(std::shared_ptr<Link> link, bool upstream, Clock::duration delay)
      : link_(std::move(link)),
        from_(upstream ? link_->client : link_->target),
        to_(upstream ? link_->target : link_->client),
        delay_(delay),
        timer_(from_.get_executor()) {}

  void start() { read(); }

 private:
  struct Chunk {
    Clock::time_point due;
    std::vector<char> bytes;
  };

  void read() {
    if (held_ >= kMaxHeld) return;  // resumed once a write has made room
    reading_ = true;
    from_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](error_code error, std::size_t size) {
                            self->reading_ = false;
                            if (error) {
                              self->ended_ = true;
                              if (!self->writing_) self->finish();
                              return;
                            }
                            // An exact copy: the read buffer kept per small message would hold far
                            // more than held_.
                            const auto* bytes = self->read_buffer_.data();
                            self->held_ += size;
                            self->chunks_.push_back({Clock::now() + self->delay_,
                                                     std::vector<char>(bytes, bytes + size)});
                            if (!self->writing_) self->write_next();
                            self->read();
                          });
  }

  void write_next() {
    if (chunks_.empty()) {
      writing_ = false;
      if (ended_) finish();
      return;
    }
    writing_ = true;
    timer_.expires_at(chunks_.front().due);
    timer_.async_wait([self = shared_from_this()](error_code) {
      asio::async_write(self->to_, asio::buffer(self->chunks_.front().bytes),
                        [self](error_code error, std::size_t size) {
                          if (error) {
                            self->link_->close();
                            return;
                          }
                          self->held_ -= size;
                          self->chunks_.pop_front();
                          if (!self->reading_ && !self->ended_) self->read();
                          self->write_next();
                        });
    });
  }

  // The source closed and everything it sent is delivered: pass the close on.
  void finish() {
    error_code ignored;
    to_.shutdown(tcp::socket::shutdown_send, ignored);
  }

  std::shared_ptr<Link> link_;
  tcp::socket& from_;
  tcp::socket& to_;
  Clock::duration delay_;
  asio::steady_timer timer_;
  std::array<char, kReadSize> read_buffer_{};  // one read at a time
  std::deque<Chunk> chunks_;
  std::size_t held_ = 0;
  bool reading_ = false;
  bool writing_ = false;
  bool ended_ = false;
};

}  // namespace

struct DelayProxy::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  tcp::endpoint target;
  asio::ip::address source;
  Clock::duration one_way;
  std::atomic<std::uint64_t> connections{0};
  std::uint16_t port = 0;  // read from any thread: set before the io thread starts
  std::thread thread;

  void accept() {
    auto link = std::make_shared<Link>(io);
    acceptor.async_accept(link->client, [this, link](error_code error) {
      if (error == asio::error::operation_aborted) return;  // the proxy is going away
      if (error) {
        // Out of descriptors or an aborted handshake: the next connection may do better.
        retry_accept();
        return;
      }
      ++connections;
      relay_after_handshake(link);
      accept();
    });
  }

  void retry_accept() {
    auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(10));
    timer->async_wait([this, timer](error_code error) {
      if (!error) accept();
    });
  }

  // The connect of a real link costs a round trip before either side can send.
  void relay_after_handshake(const std::shared_ptr<Link>& link) {
    auto timer = std::make_shared<asio::steady_timer>(io, 2 * one_way);
    timer->async_wait([this, link, timer](error_code) {
      error_code error;
      link->target.open(tcp::v4(), error);
      if (!error) link->target.bind(tcp::endpoint(source, 0), error);
      if (error) {
        link->close();
        return;
      }
      link->target.async_connect(target, [this, link](error_code connect_error) {
        if (connect_error) {
          link->close();
          return;
        }
        error_code ignored;
        link->client.set_option(tcp::no_delay(true), ignored);
        link->target.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Pipe>(link, true, one_way)->start();
        std::make_shared<Pipe>(link, false, one_way)->start();
      });
    });
  }
};

DelayProxy::DelayProxy(std::uint16_t target_port, std::chrono::milliseconds one_way,
                       const std::string& source_address)
    : impl_(std::make_unique<Impl>()) {
  impl_->target = tcp::endpoint(asio::ip::make_address("127.0.0.1"), target_port);
  impl_->source = asio::ip::make_address(source_address);
  impl_->one_way = one_way;
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

DelayProxy::~DelayProxy() {
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t DelayProxy::port() const {
  return impl_->port;
}

std::uint64_t DelayProxy::connections() const {
  return impl_->connections;
}

}  // namespace seeder::bench
