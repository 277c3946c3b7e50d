#include "seeder/core/sha1.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace seeder {

std::string sha1_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha1(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest(sha1) failed");
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(2 * length, '0');
  for (unsigned i = 0; i < length; ++i) {
    out[2 * i] = digits[digest[i] >> 4];
    out[2 * i + 1] = digits[digest[i] & 0xf];
  }
  return out;
}

}  // namespace seeder
