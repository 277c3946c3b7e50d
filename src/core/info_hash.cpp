#include "seeder/core/info_hash.hpp"

#include <cstring>

#include "seeder/core/text.hpp"

namespace seeder {
namespace {

int base32_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

std::optional<InfoHash> parse_hex(std::string_view text) {
  InfoHash::Bytes bytes{};
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const int high = hex_digit_value(text[2 * i]);
    const int low = hex_digit_value(text[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return InfoHash(bytes);
}

// RFC 4648 base32 without padding: 32 characters carry exactly 160 bits.
std::optional<InfoHash> parse_base32(std::string_view text) {
  InfoHash::Bytes bytes{};
  unsigned buffer = 0;
  int bits = 0;
  std::size_t out = 0;
  for (const char c : text) {
    const int value = base32_value(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<unsigned>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[out++] = static_cast<unsigned char>((buffer >> bits) & 0xff);
    }
  }
  return InfoHash(bytes);
}

}  // namespace

std::optional<InfoHash> InfoHash::parse(std::string_view text) {
  if (text.size() == 2 * size) return parse_hex(text);
  if (text.size() == 32) return parse_base32(text);
  return std::nullopt;
}

std::optional<InfoHash> InfoHash::from_raw(std::string_view raw) {
  if (raw.size() != size) return std::nullopt;
  Bytes bytes{};
  std::memcpy(bytes.data(), raw.data(), size);
  return InfoHash(bytes);
}

std::string InfoHash::hex() const {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(2 * size, '0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[bytes_[i] >> 4];
    out[2 * i + 1] = digits[bytes_[i] & 0xf];
  }
  return out;
}

}  // namespace seeder
