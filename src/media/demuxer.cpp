#ifdef SEEDER_HAVE_MEDIA

#include "demuxer.hpp"

#include <array>
#include <mutex>
#include <string>

extern "C" {
#include <libavutil/dict.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/mem.h>
}

namespace seeder::media {
namespace {

constexpr int kBufferSize = 64 * 1024;

// libavformat's demuxer names (one of a demuxer's comma-separated names is enough).
constexpr const char* kContainers =
    "matroska,mov,avi,mpegts,ogg,flac,mp3,wav,aac,flv,asf,mpeg,ac3,eac3,dts,truehd";

int refuse_nested_open(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) {
  return AVERROR(EPERM);
}

}  // namespace

std::string av_message(int code) {
  std::array<char, AV_ERROR_MAX_STRING_SIZE> text{};
  av_strerror(code, text.data(), text.size());
  return text.data();
}

Error av_error(int code, const std::string& what) {
  return make_error(Errc::upstream, what + ": " + av_message(code));
}

std::string metadata_tag(const AVDictionary* metadata, const char* key) {
  const auto* entry = av_dict_get(metadata, key, nullptr, 0);
  return entry != nullptr && entry->value != nullptr ? entry->value : "";
}

void Demuxer::AvioDeleter::operator()(AVIOContext* avio) const {
  if (avio == nullptr) return;
  av_freep(&avio->buffer);
  avio_context_free(&avio);
}

int Demuxer::read_packet(void* opaque, std::uint8_t* buffer, int size) {
  auto& cursor = *static_cast<Cursor*>(opaque);
  if (cursor.position >= cursor.reader.size()) return AVERROR_EOF;
  auto read = cursor.reader.read_at(
      cursor.position,
      std::span<char>(reinterpret_cast<char*>(buffer), static_cast<std::size_t>(size)));
  if (!read) {
    cursor.failure = read.error();
    return AVERROR_EXIT;
  }
  if (*read == 0) return AVERROR_EOF;
  cursor.position += *read;
  return static_cast<int>(*read);
}

std::int64_t Demuxer::seek(void* opaque, std::int64_t offset, int whence) {
  auto& cursor = *static_cast<Cursor*>(opaque);
  const auto size = static_cast<std::int64_t>(cursor.reader.size());
  std::int64_t target = 0;
  switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE:
      return size;
    case SEEK_SET:
      target = offset;
      break;
    case SEEK_CUR:
      target = static_cast<std::int64_t>(cursor.position) + offset;
      break;
    case SEEK_END:
      target = size + offset;
      break;
    default:
      return AVERROR(EINVAL);
  }
  if (target < 0 || target > size) return AVERROR(EINVAL);
  cursor.position = static_cast<std::uint64_t>(target);
  return target;
}

int Demuxer::interrupted(void* opaque) {
  const auto& cursor = *static_cast<const Cursor*>(opaque);
  return cursor.failure.has_value() || std::chrono::steady_clock::now() > cursor.deadline ||
                 (cursor.stop && cursor.stop())
             ? 1
             : 0;
}

Error Demuxer::failure(int code, std::string_view step) const {
  if (cursor_.failure) return *cursor_.failure;
  if (stopped()) return make_error(Errc::cancelled, "the client left");
  if (std::chrono::steady_clock::now() > cursor_.deadline)
    return make_error(Errc::timeout, std::string(step) + " took too long");
  return make_error(Errc::upstream, std::string(step) + ": not a media file libavformat reads (" +
                                        av_message(code) + ")");
}

Result<std::unique_ptr<Demuxer>> Demuxer::open(RandomAccess& reader, std::string_view file_name,
                                               const ProbeLimits& limits) {
  static std::once_flag quiet;
  std::call_once(quiet, [] { av_log_set_level(AV_LOG_QUIET); });
  std::unique_ptr<Demuxer> demuxer(new Demuxer(Cursor{
      reader, 0, std::nullopt, std::chrono::steady_clock::now() + limits.deadline, limits.stop}));
  auto* buffer = static_cast<unsigned char*>(av_malloc(kBufferSize));
  if (buffer == nullptr) return make_error(Errc::internal, "out of memory for a demuxer");
  demuxer->avio_.reset(
      avio_alloc_context(buffer, kBufferSize, 0, &demuxer->cursor_, read_packet, nullptr, seek));
  if (!demuxer->avio_) {
    av_free(buffer);
    return make_error(Errc::internal, "out of memory for a demuxer");
  }
  AVFormatContext* raw = avformat_alloc_context();
  if (raw == nullptr) return make_error(Errc::internal, "out of memory for a demuxer");
  raw->pb = demuxer->avio_.get();
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  raw->interrupt_callback = {interrupted, &demuxer->cursor_};
  raw->format_whitelist = av_strdup(kContainers);
  raw->protocol_whitelist = av_strdup("");
  raw->io_open = refuse_nested_open;
  raw->probesize = limits.max_bytes;
  raw->max_analyze_duration =
      std::chrono::duration_cast<std::chrono::microseconds>(limits.analyze).count();
  const std::string name(file_name);
  // On failure avformat_open_input frees the context itself.
  if (const int opened = avformat_open_input(&raw, name.c_str(), nullptr, nullptr); opened < 0)
    return demuxer->failure(opened, "opening");
  demuxer->format_ = raw;
  if (const int found = avformat_find_stream_info(raw, nullptr); found < 0)
    return demuxer->failure(found, "reading its streams");
  return demuxer;
}

Demuxer::~Demuxer() {
  if (format_ != nullptr) avformat_close_input(&format_);
}

}  // namespace seeder::media

#endif
