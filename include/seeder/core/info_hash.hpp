#pragma once
// InfoHash: the 20-byte key that names a torrent everywhere in seeder (URLs, data dir, registry).
// It is the v1 (SHA-1) info-hash; v2-only torrents use their SHA-256 info-hash truncated to
// 20 bytes, the same value libtorrent calls info_hash_t::get_best().

#include <array>
#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace seeder {

class InfoHash {
 public:
  static constexpr std::size_t size = 20;
  using Bytes = std::array<unsigned char, size>;

  InfoHash() = default;
  explicit InfoHash(const Bytes& bytes) : bytes_(bytes) {}

  // Accepts 40 hex digits (any case) or 32 base32 characters (as in magnet links).
  static std::optional<InfoHash> parse(std::string_view text);
  // Takes exactly 20 raw bytes; anything else yields nullopt.
  static std::optional<InfoHash> from_raw(std::string_view raw);

  [[nodiscard]] std::string hex() const;  // 40 lowercase hex digits
  [[nodiscard]] const Bytes& bytes() const { return bytes_; }
  [[nodiscard]] std::string_view raw() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

  auto operator<=>(const InfoHash&) const = default;

 private:
  Bytes bytes_{};
};

struct InfoHashHasher {
  std::size_t operator()(const InfoHash& hash) const noexcept {
    // The bytes are already uniformly distributed: the first word is a good hash.
    std::size_t value = 0;
    for (std::size_t i = 0; i < sizeof(value); ++i)
      value = (value << 8) | hash.bytes()[i];
    return value;
  }
};

}  // namespace seeder
