#include "file_body.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace seeder::http {

FileBody::FileBody(boost::asio::ip::tcp::socket& socket, std::shared_ptr<ByteSource> source,
                   std::uint64_t slice_bytes, std::chrono::milliseconds send_timeout)
    : socket_(socket),
      source_(std::move(source)),
      slice_bytes_(slice_bytes),
      send_timeout_(send_timeout),
      stall_timer_(socket.get_executor()),
      remaining_(source_->size()) {}

void FileBody::cork() {
  set_cork(true);
}

void FileBody::start(Done done) {
  done_ = std::move(done);
  next_slice();
}

void FileBody::cancel() {
  source_->cancel();
  stall_timer_.cancel();
  finish(make_error(Errc::cancelled, "response cancelled"));
}

void FileBody::set_cork(bool on) {
  const int value = on ? 1 : 0;
  ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_CORK, &value, sizeof value);
}

void FileBody::next_slice() {
  if (finished_) return;
  if (remaining_ == 0) {
    finish({});
    return;
  }
  source_->async_next(
      std::min(remaining_, slice_bytes_),
      [self = shared_from_this()](Result<FileSlice> slice) { self->on_slice(std::move(slice)); });
}

void FileBody::on_slice(Result<FileSlice> slice) {
  if (finished_) return;
  if (!slice) {
    finish(slice.error());
    return;
  }
  set_cork(true);
  slice_ = *slice;
  copy_sent_ = copy_end_ = 0;
  send_slice();
}

namespace {
constexpr std::size_t kCopyBuffer = 256 * 1024;
}  // namespace

// The slice's bytes are read while its source still holds them (before the next async_next), so
// what the socket queues is our copy, whatever happens to the file afterwards.
ssize_t FileBody::send_some() {
  if (copy_sent_ == copy_end_) {
    if (!copy_buffer_) copy_buffer_ = std::make_unique<char[]>(kCopyBuffer);
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(slice_.length, kCopyBuffer));
    ssize_t read = 0;
    if (!read_vouched(want, read)) return kUnvouched;
    if (read <= 0) return read;
    copy_sent_ = 0;
    copy_end_ = static_cast<std::size_t>(read);
  }
  return ::send(socket_.native_handle(), copy_buffer_.get() + copy_sent_, copy_end_ - copy_sent_,
                MSG_NOSIGNAL | MSG_DONTWAIT);
}

// A file cut short behind our back zeroes the rest of its last page, and the bytes read may be
// those zeros: the file must still reach past them once they are copied. Bytes rewritten after
// the store forgot them (the cut noticed, the file grown back to size) are not vouched for.
bool FileBody::read_vouched(std::size_t want, ssize_t& read) {
  read = ::pread(slice_.fd, copy_buffer_.get(), want, static_cast<off_t>(slice_.offset));
  if (read <= 0) return true;
  struct stat info {};
  const auto end = slice_.offset + static_cast<std::uint64_t>(read);
  if (::fstat(slice_.fd, &info) != 0 || static_cast<std::uint64_t>(info.st_size) < end) {
    read = 0;  // as at the file's end: shorter than its verified pieces
    return true;
  }
  return slice_.vouched();
}

void FileBody::send_slice() {
  while (slice_.length > 0) {
    const ssize_t sent = send_some();
    if (sent > 0) {
      copy_sent_ += static_cast<std::size_t>(sent);
      const auto n = static_cast<std::uint64_t>(sent);
      slice_.offset += n;
      slice_.length -= n;
      remaining_ -= n;
      sent_ += n;
      continue;
    }
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait_writable();
      return;
    }
    if (sent == 0 || sent == kUnvouched) {
      source_->bytes_missing();
      finish(make_error(Errc::io, sent == 0 ? "content file is shorter than its verified pieces"
                                            : "content file changed behind seeder's back while "
                                              "it was read"));
    } else if (errno == EPIPE || errno == ECONNRESET) {
      finish(make_error(Errc::cancelled, "client went away"));
    } else {
      finish(make_error(Errc::io, std::string("send: ") + std::strerror(errno)));
    }
    return;
  }
  set_cork(false);
  next_slice();
}

void FileBody::wait_writable() {
  stall_timer_.expires_after(send_timeout_);
  stall_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    // Finished (the owner may have closed the socket since) or re-armed by a later wait.
    if (ec || self->finished_ ||
        self->stall_timer_.expiry() > boost::asio::steady_timer::clock_type::now())
      return;
    self->stalled_ = true;
    boost::system::error_code ignored;
    self->socket_.cancel(ignored);  // ends the wait below, which reports the stall
  });
  socket_.async_wait(boost::asio::ip::tcp::socket::wait_write,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       self->stall_timer_.cancel();
                       if (self->stalled_) {
                         self->finish(make_error(Errc::timeout, "client stopped reading"));
                       } else if (ec) {
                         self->finish(make_error(Errc::cancelled, "client went away"));
                       } else if (!self->finished_) {
                         self->send_slice();
                       }
                     });
}

void FileBody::finish(Status status) {
  if (finished_) return;
  finished_ = true;
  stall_timer_.cancel();
  if (status) set_cork(false);  // an empty body would otherwise hold the corked head back
  auto done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(status));
}

}  // namespace seeder::http
