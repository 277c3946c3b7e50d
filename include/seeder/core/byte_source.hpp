#pragma once
// ByteSource: an asynchronous sequence of file slices that together make up one HTTP body.
// The HTTP layer copies each slice into the socket and checks the copy first (see
// FileSlice::still_vouched for why it never hands the socket the page cache's pages).
//
// Threading: a source is created for one connection and used only on that connection's strand;
// it completes every async_next on that strand, exactly once.

#include <cstdint>
#include <functional>

#include "seeder/core/result.hpp"

namespace seeder {

// `length` verified bytes at `offset` of the open file `fd`. The fd stays valid until the next
// async_next call or the source's destruction, and the bytes stay valid (never evicted) as long.
struct FileSlice {
  int fd = -1;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  // Called after the bytes were read (copied) and before they are sent: false when the store no
  // longer vouches for them (forgotten, or rewritten since the slice was taken); they are then
  // not sent. Empty: always vouched for (bytes of our own, such as converted subtitles).
  //
  // Bytes are always copied into the socket, never sent from the page cache: sendfile(2) only
  // queues references to pages, which the kernel keeps until the peer acknowledges the bytes,
  // and a hole punched over part of a large folio (an eviction, ext4 on Linux 6.x; seed 2 of
  // bench/churn_soak.py) or a file truncated behind our back (the partial page's tail; seed
  // 585984007) zeroes those pages in place: the queued bytes went out as zeros.
  std::function<bool()> still_vouched;
  // Whether the bytes read may be sent: still_vouched asked, or none to ask.
  [[nodiscard]] bool vouched() const { return !still_vouched || still_vouched(); }
};

class ByteSource {
 public:
  using NextHandler = std::function<void(Result<FileSlice>)>;

  virtual ~ByteSource() = default;

  // Total bytes this source yields.
  [[nodiscard]] virtual std::uint64_t size() const = 0;
  // The next slice of at most `max_bytes`, once its bytes are verified on disk. Must not be
  // called again before the previous call completed, nor after `size()` bytes were yielded.
  virtual void async_next(std::uint64_t max_bytes, NextHandler handler) = 0;
  // Abandons the read: a pending async_next completes with Errc::cancelled, and read-ahead held
  // for this source is released at once.
  virtual void cancel() = 0;
  // The last slice could not be sent in full: its file is shorter than its verified pieces
  // (truncated behind seeder's back). The source stops trusting those pieces, so that the next
  // request fetches them again instead of being cut short the same way.
  virtual void bytes_missing() {}
};

}  // namespace seeder
