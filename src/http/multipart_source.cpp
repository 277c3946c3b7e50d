#include "multipart_source.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "seeder/core/fd_io.hpp"

namespace seeder::http {
namespace {

Error cancelled_error() {
  return make_error(Errc::cancelled, "response cancelled");
}

}  // namespace

Result<std::shared_ptr<MultipartSource>> MultipartSource::make(MultipartLayout layout,
                                                               std::shared_ptr<ByteSource> first,
                                                               OpenRange open_range) {
  UniqueFd text{::memfd_create("seeder-multipart", MFD_CLOEXEC)};
  if (!text.valid())
    return make_error(Errc::io, std::string("memfd_create: ") + std::strerror(errno));
  const auto failed = [](const Status& written) {
    return make_error(Errc::io, "multipart text: " + written.error().message);
  };
  for (const auto& head : layout.part_heads) {
    if (auto written = write_all(text.get(), head); !written) return failed(written);
  }
  if (auto written = write_all(text.get(), layout.tail); !written) return failed(written);
  std::shared_ptr<MultipartSource> source(
      new MultipartSource(std::move(layout), std::move(text), std::move(open_range)));
  source->parts_.front().source = std::move(first);
  return source;
}

MultipartSource::MultipartSource(MultipartLayout layout, UniqueFd text, OpenRange open_range)
    : layout_(std::move(layout)), text_(std::move(text)), open_range_(std::move(open_range)) {
  std::uint64_t text_offset = 0;
  for (std::size_t part = 0; part < layout_.ranges.size(); ++part) {
    const auto head_length = layout_.part_heads[part].size();
    segments_.push_back({true, text_offset, head_length, part});
    segments_.push_back({false, 0, layout_.ranges[part].length(), part});
    text_offset += head_length;
  }
  segments_.push_back({true, text_offset, layout_.tail.size(), 0});
  parts_.resize(layout_.ranges.size());
  size_ = layout_.body_length();
}

void MultipartSource::async_next(std::uint64_t max_bytes, NextHandler handler) {
  // The slice handed out last is sent by now: a part done with can let its pieces go.
  if (finished_part_) parts_[*std::exchange(finished_part_, std::nullopt)].source.reset();
  if (cancelled_) {
    handler(cancelled_error());
    return;
  }
  if (segment_ >= segments_.size()) {
    handler(make_error(Errc::internal, "multipart body read past its end"));
    return;
  }
  const auto& segment = segments_[segment_];
  const auto length = std::min(max_bytes, segment.length - segment_sent_);
  if (!segment.text) {
    read_part(segment.part, length, std::move(handler));
    return;
  }
  last_part_.reset();
  const FileSlice slice{text_.get(), segment.offset + segment_sent_, length, {}};
  advance(length);
  handler(slice);
}

void MultipartSource::read_part(std::size_t part, std::uint64_t max_bytes, NextHandler handler) {
  // Its pieces are fetched while this part is sent.
  if (segment_sent_ == 0 && part + 1 < parts_.size()) open_part(part + 1);
  auto& slot = parts_[part];
  if (slot.error) {
    handler(*slot.error);
    return;
  }
  if (!slot.source) {
    slot.waiting = std::move(handler);
    slot.waiting_max = max_bytes;
    open_part(part);
    return;
  }
  last_part_ = part;
  slot.source->async_next(max_bytes, [self = shared_from_this(),
                                      handler = std::move(handler)](Result<FileSlice> slice) {
    if (slice) self->advance(slice->length);
    handler(std::move(slice));
  });
}

void MultipartSource::open_part(std::size_t part) {
  auto& slot = parts_[part];
  if (slot.opening || slot.source || slot.error) return;
  slot.opening = true;
  open_range_(layout_.ranges[part],
              [self = shared_from_this(), part](Result<std::shared_ptr<ByteSource>> source) {
                self->on_opened(part, std::move(source));
              });
}

void MultipartSource::on_opened(std::size_t part, Result<std::shared_ptr<ByteSource>> source) {
  auto& slot = parts_[part];
  slot.opening = false;
  if (cancelled_) {
    if (source) (*source)->cancel();
    if (auto waiting = std::exchange(slot.waiting, nullptr)) waiting(cancelled_error());
    return;
  }
  if (source) {
    slot.source = std::move(*source);
  } else {
    slot.error = make_error(source.error().code, "range " + std::to_string(part + 1) + " of " +
                                                     std::to_string(parts_.size()) + ": " +
                                                     source.error().message);
  }
  if (auto waiting = std::exchange(slot.waiting, nullptr))
    read_part(part, slot.waiting_max, std::move(waiting));
}

void MultipartSource::advance(std::uint64_t bytes) {
  segment_sent_ += bytes;
  const auto& segment = segments_[segment_];
  if (segment_sent_ < segment.length) return;
  if (!segment.text) finished_part_ = segment.part;
  ++segment_;
  segment_sent_ = 0;
}

void MultipartSource::cancel() {
  if (cancelled_) return;
  cancelled_ = true;
  for (auto& slot : parts_) {
    if (slot.source) slot.source->cancel();
    if (auto waiting = std::exchange(slot.waiting, nullptr)) waiting(cancelled_error());
  }
}

void MultipartSource::bytes_missing() {
  if (last_part_ && parts_[*last_part_].source) parts_[*last_part_].source->bytes_missing();
}

}  // namespace seeder::http
