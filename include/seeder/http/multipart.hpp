#pragma once
// The shape of a multipart/byteranges body (RFC 9110 §14.6): the text before each range's bytes
// and after the last, so that its length is known before the first byte leaves. Pure logic.
//
// The rule seeder follows for several ranges: they are coalesced first (byte_range.hpp); up to
// kMaxMultipartParts parts are answered 206 multipart/byteranges; more get the whole file (200),
// as RFC 9110 §14.2 allows. The bound keeps one request from fetching pieces scattered all over a
// live torrent: each part is at most one more swarm round trip.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "seeder/http/byte_range.hpp"

namespace seeder::http {

inline constexpr std::size_t kMaxMultipartParts = 8;

struct MultipartLayout {
  std::string boundary;
  std::vector<ByteRange> ranges;        // the parts' bytes, in order
  std::vector<std::string> part_heads;  // sent before each part's bytes
  std::string tail;                     // sent after the last part

  // The body's length: every head, every range, the tail.
  [[nodiscard]] std::uint64_t body_length() const;
  // The response's Content-Type.
  [[nodiscard]] std::string content_type() const;
};

// The layout for `ranges` (ascending, disjoint) of a file of `file_size` bytes whose own type is
// `part_type`. `boundary` must not occur in the file: multipart_boundary() makes one nobody can
// foresee, so that a file cannot be crafted to hold it.
MultipartLayout multipart_layout(std::vector<ByteRange> ranges, std::string_view part_type,
                                 std::uint64_t file_size, std::string boundary);

// A fresh random boundary: "seeder-" and 16 hex digits. Always as long, so that a HEAD and its
// GET announce the same length.
std::string multipart_boundary();

}  // namespace seeder::http
