#pragma once
// Demuxer: libavformat reading one file through a RandomAccess, for the probe and the HLS
// remux (internal to the media module; built only with SEEDER_HAVE_MEDIA). Only the containers
// a torrent's film comes in are read, nothing but the reader is ever opened (a file that names
// other files, HLS or concat lists, is not followed), and libavformat's own log is silenced:
// the errors returned say what went wrong.
//
// Blocking, one thread at a time: the caller's (a media pool thread, never an HTTP strand).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "seeder/media/probe.hpp"

extern "C" {
#include <libavformat/avformat.h>
}

namespace seeder::media {

class Demuxer {
 public:
  // Opens the file and reads its streams (avformat_find_stream_info).
  static Result<std::unique_ptr<Demuxer>> open(RandomAccess& reader, std::string_view file_name,
                                               const ProbeLimits& limits);
  ~Demuxer();
  Demuxer(const Demuxer&) = delete;
  Demuxer& operator=(const Demuxer&) = delete;

  [[nodiscard]] AVFormatContext& format() { return *format_; }
  // What a libavformat failure `code` at `step` means: the reader's own error when a read
  // failed, Errc::timeout past the deadline, else Errc::upstream (bytes it cannot read).
  [[nodiscard]] Error failure(int code, std::string_view step) const;
  // Whether the caller's stop (ProbeLimits::stop) says to end now.
  [[nodiscard]] bool stopped() const { return cursor_.stop && cursor_.stop(); }

 private:
  struct Cursor {
    RandomAccess& reader;
    std::uint64_t position = 0;
    std::optional<Error> failure;  // the first error a read met (libavformat sees "no bytes")
    std::chrono::steady_clock::time_point deadline;
    std::function<bool()> stop;
  };
  struct AvioDeleter {
    void operator()(AVIOContext* avio) const;
  };
  static int read_packet(void* opaque, std::uint8_t* buffer, int size);
  static std::int64_t seek(void* opaque, std::int64_t offset, int whence);
  static int interrupted(void* opaque);

  explicit Demuxer(Cursor cursor) : cursor_(std::move(cursor)) {}

  Cursor cursor_;
  std::unique_ptr<AVIOContext, AvioDeleter> avio_;
  AVFormatContext* format_ = nullptr;  // closed before avio_ is freed
};

// libavformat's message for an error code.
[[nodiscard]] std::string av_message(int code);
// Errc::upstream: `what` failed, with libav's reason for `code` (the file's bytes are at fault).
[[nodiscard]] Error av_error(int code, const std::string& what);

// A stream's or file's metadata tag ("language", "title"); "" when it has none.
[[nodiscard]] std::string metadata_tag(const AVDictionary* metadata, const char* key);

}  // namespace seeder::media
