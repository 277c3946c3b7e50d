#include "seeder/http/multipart.hpp"

#include <fmt/format.h>

#include <random>

namespace seeder::http {

std::uint64_t MultipartLayout::body_length() const {
  std::uint64_t length = tail.size();
  for (const auto& head : part_heads)
    length += head.size();
  for (const auto& range : ranges)
    length += range.length();
  return length;
}

std::string MultipartLayout::content_type() const {
  return "multipart/byteranges; boundary=" + boundary;
}

MultipartLayout multipart_layout(std::vector<ByteRange> ranges, std::string_view part_type,
                                 std::uint64_t file_size, std::string boundary) {
  MultipartLayout layout;
  layout.part_heads.reserve(ranges.size());
  for (const auto& range : ranges) {
    // Every part after the first starts on a line of its own: the CRLF ends the bytes before.
    layout.part_heads.push_back(
        fmt::format("{}--{}\r\nContent-Type: {}\r\nContent-Range: bytes {}-{}/{}\r\n\r\n",
                    layout.part_heads.empty() ? "" : "\r\n", boundary, part_type, range.first,
                    range.last, file_size));
  }
  layout.tail = fmt::format("\r\n--{}--\r\n", boundary);
  layout.boundary = std::move(boundary);
  layout.ranges = std::move(ranges);
  return layout;
}

std::string multipart_boundary() {
  std::random_device random;
  const auto value = (static_cast<std::uint64_t>(random()) << 32) | random();
  return fmt::format("seeder-{:016x}", value);
}

}  // namespace seeder::http
