#pragma once
// FileBody: sends a ByteSource's bytes to a socket, slice by slice, as the source yields them
// (internal to the http module). Each slice is read into a buffer, checked (the file still that
// long, its source still vouching for it: FileSlice::still_vouched) and sent from the buffer,
// never with sendfile(2) (see FileSlice for why). TCP_CORK is
// set while a slice is sent and cleared after it, so full-sized segments leave and a reader then
// waiting for the next piece leaves nothing behind in the socket (nginx's tcp_nopush). The socket
// must be non-blocking.
//
// Used on the socket's strand only. The owner keeps the socket open until `done` has run (its
// handler usually holds the owner). `done` runs once: ok when every byte was sent; cancelled
// when the client went away or cancel() was called; timeout when the client read nothing for
// `send_timeout`; another code when the source or the file failed.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "seeder/core/byte_source.hpp"
#include "seeder/core/result.hpp"

namespace seeder::http {

class FileBody : public std::enable_shared_from_this<FileBody> {
 public:
  using Done = std::function<void(Status)>;

  FileBody(boost::asio::ip::tcp::socket& socket, std::shared_ptr<ByteSource> source,
           std::uint64_t slice_bytes, std::chrono::milliseconds send_timeout);

  // Corks the socket: the response head written next leaves with the first bytes.
  void cork();
  void start(Done done);
  // Stops at once: cancels the source and runs `done` with cancelled, from inside this call.
  void cancel();

  [[nodiscard]] std::uint64_t sent() const { return sent_; }
  [[nodiscard]] std::uint64_t remaining() const { return remaining_; }

 private:
  void set_cork(bool on);
  void next_slice();
  void on_slice(Result<FileSlice> slice);
  void send_slice();
  // One step of sending the slice: bytes sent, 0 at the file's end, -1 with errno set, or
  // kUnvouched when the bytes read are no longer what was verified.
  ssize_t send_some();
  // Reads the next part of the slice into the buffer; false when they may not be sent.
  [[nodiscard]] bool read_vouched(std::size_t want, ssize_t& read);
  static constexpr ssize_t kUnvouched = -2;
  void wait_writable();
  void finish(Status status);

  boost::asio::ip::tcp::socket& socket_;
  std::shared_ptr<ByteSource> source_;
  const std::uint64_t slice_bytes_;
  const std::chrono::milliseconds send_timeout_;
  boost::asio::steady_timer stall_timer_;
  Done done_;
  FileSlice slice_;
  // Bytes of the slice read but not yet sent: [copy_sent_, copy_end_) of copy_buffer_.
  std::unique_ptr<char[]> copy_buffer_;
  std::size_t copy_sent_ = 0;
  std::size_t copy_end_ = 0;
  std::uint64_t remaining_;
  std::uint64_t sent_ = 0;
  bool stalled_ = false;
  bool finished_ = false;
};

}  // namespace seeder::http
