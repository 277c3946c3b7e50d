#include "whole_read.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace seeder::http {

void WholeRead::start(std::shared_ptr<ByteSource> source, std::function<bool()> gone, Done done) {
  std::make_shared<WholeRead>(std::move(source), std::move(gone), std::move(done))->next();
}

void WholeRead::next() {
  if (bytes_.size() >= source_->size()) {
    done_(std::move(bytes_));
    return;
  }
  source_->async_next(
      source_->size() - bytes_.size(),
      [self = shared_from_this()](Result<FileSlice> slice) { self->on_slice(std::move(slice)); });
}

void WholeRead::on_slice(Result<FileSlice> slice) {
  if (gone_()) {  // the client hung up: let go of the read-ahead now, not after the whole file
    source_->cancel();
    return;
  }
  if (!slice) {
    done_(slice.error());
    return;
  }
  const auto at = bytes_.size();
  bytes_.resize(at + slice->length);
  for (std::uint64_t got = 0; got < slice->length;) {
    const auto n = ::pread(slice->fd, bytes_.data() + at + got, slice->length - got,
                           static_cast<off_t>(slice->offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      source_->bytes_missing();
      done_(make_error(Errc::io, "reading the file: " +
                                     std::string(n < 0 ? std::strerror(errno) : "file too short")));
      return;
    }
    got += static_cast<std::uint64_t>(n);
  }
  if (!slice->vouched()) {  // as FileBody checks its copies
    source_->bytes_missing();
    done_(make_error(Errc::io, "the file changed behind seeder's back while it was read"));
    return;
  }
  next();
}

}  // namespace seeder::http
