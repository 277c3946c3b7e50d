#include "event_body.hpp"

#include <spdlog/fmt/fmt.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>

namespace seeder::http {

EventBody::EventBody(boost::beast::tcp_stream& stream, std::weak_ptr<void> stream_owner,
                     std::shared_ptr<EventStream> events, std::chrono::milliseconds send_timeout)
    : stream_(stream),
      stream_owner_(std::move(stream_owner)),
      events_(std::move(events)),
      send_timeout_(send_timeout) {}

void EventBody::start(Done done) {
  done_ = std::move(done);
  next_frame();
}

void EventBody::cancel() {
  events_->cancel();
  finish(make_error(Errc::cancelled, "response cancelled"));
}

void EventBody::next_frame() {
  if (finished_) return;
  events_->async_next([self = shared_from_this()](Result<std::optional<std::string>> frame) {
    self->on_frame(std::move(frame));
  });
}

void EventBody::on_frame(Result<std::optional<std::string>> frame) {
  if (finished_) return;
  if (!frame) {
    finish(frame.error());
    return;
  }
  const bool last = !frame->has_value();
  chunk_.clear();
  if (last) {
    chunk_ = "0\r\n\r\n";
  } else {
    chunk_ = fmt::format("{:x}\r\n", (*frame)->size());
    chunk_ += **frame;
    chunk_ += "\r\n";
    sent_ += (*frame)->size();
  }
  write_chunk(last);
}

void EventBody::write_chunk(bool last) {
  auto owner = stream_owner_.lock();
  if (!owner) {
    finish(make_error(Errc::cancelled, "client went away"));
    return;
  }
  stream_.expires_after(send_timeout_);
  boost::asio::async_write(
      stream_, boost::asio::buffer(chunk_),
      [self = shared_from_this(), owner = std::move(owner), last](
          const boost::system::error_code& ec, std::size_t) {
        if (self->finished_) return;
        if (ec) {
          self->finish(make_error(Errc::cancelled, "client went away: " + ec.message()));
          return;
        }
        self->stream_.expires_never();  // the next frame may take a while
        if (last) {
          self->finish({});
          return;
        }
        self->next_frame();
      });
}

void EventBody::finish(Status status) {
  if (finished_) return;
  finished_ = true;
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(status);
}

}  // namespace seeder::http
