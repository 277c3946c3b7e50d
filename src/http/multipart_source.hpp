#pragma once
// MultipartSource: the body of a multipart/byteranges response as one ByteSource (internal to
// the http module). Part heads and the tail are written once to a memfd, so FileBody sends them
// like the file's bytes; each range's bytes come from a source of their own.
//
// The first range's source is opened before the status line (a 206 is a promise that the body
// can start); the next range's is opened as soon as the previous one starts, so its pieces are
// fetched while the one before is sent; a range's source is dropped once its bytes have gone.
// At most two are open at a time.
//
// Used on one connection's strand, like every ByteSource; `open_range` must complete there.

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "seeder/core/byte_source.hpp"
#include "seeder/core/result.hpp"
#include "seeder/core/unique_fd.hpp"
#include "seeder/http/multipart.hpp"

namespace seeder::http {

class MultipartSource final : public ByteSource,
                              public std::enable_shared_from_this<MultipartSource> {
 public:
  using Opened = std::function<void(Result<std::shared_ptr<ByteSource>>)>;
  using OpenRange = std::function<void(const ByteRange& range, Opened opened)>;

  // `first` yields layout.ranges[0]; `open_range` opens the others.
  static Result<std::shared_ptr<MultipartSource>> make(MultipartLayout layout,
                                                       std::shared_ptr<ByteSource> first,
                                                       OpenRange open_range);

  [[nodiscard]] std::uint64_t size() const override { return size_; }
  void async_next(std::uint64_t max_bytes, NextHandler handler) override;
  void cancel() override;
  void bytes_missing() override;

 private:
  // One stretch of the body: text in the memfd, or the bytes of range `part`.
  struct Segment {
    bool text = false;
    std::uint64_t offset = 0;  // in the memfd, for text
    std::uint64_t length = 0;
    std::size_t part = 0;
  };
  // A range's source, open or on its way.
  struct Part {
    std::shared_ptr<ByteSource> source;
    std::optional<Error> error;
    bool opening = false;
    NextHandler waiting;  // a read that came before the source
    std::uint64_t waiting_max = 0;
  };

  MultipartSource(MultipartLayout layout, UniqueFd text, OpenRange open_range);
  void open_part(std::size_t part);
  void on_opened(std::size_t part, Result<std::shared_ptr<ByteSource>> source);
  void read_part(std::size_t part, std::uint64_t max_bytes, NextHandler handler);
  void advance(std::uint64_t bytes);

  MultipartLayout layout_;
  UniqueFd text_;
  OpenRange open_range_;
  std::vector<Segment> segments_;
  std::vector<Part> parts_;
  std::uint64_t size_ = 0;
  std::size_t segment_ = 0;
  std::uint64_t segment_sent_ = 0;
  std::optional<std::size_t> finished_part_;  // sent in full: released at the next read
  std::optional<std::size_t> last_part_;      // the part the last slice came from, if any
  bool cancelled_ = false;
};

}  // namespace seeder::http
