// Fuzzes request-target decoding (seeder/http/target.hpp): parse_target, percent_decode and the
// encoders that build links and Content-Disposition headers from torrent file names.
// Input: any bytes, used both as a request target and as a file name.

#include <cstdint>
#include <string>
#include <string_view>

#include "seeder/http/target.hpp"
#include "support.hpp"

namespace {

namespace http = seeder::http;

bool has_byte(std::string_view text, char c) {
  return text.find(c) != std::string_view::npos;
}

// What Beast's request parser lets through in a request-target: no CTLs, no space, no DEL
// (boost/beast/http/detail/basic_parser.ipp, is_pathchar). The server only ever sees these.
bool beast_would_deliver(std::string_view target) {
  for (const char c : target) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return false;
  }
  return true;
}

bool is_hex_upper(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

void check_target(std::string_view input) {
  const auto target = http::parse_target(input);
  if (!target) return;
  // Origin-form, or absolute-form (RFC 9112 §3.2.2) read as its origin-form part.
  SEEDER_FUZZ_CHECK(!input.empty() &&
                    (input.front() == '/' || input.find("://") != std::string_view::npos));
  SEEDER_FUZZ_CHECK(!has_byte(target->raw_query, '#'));  // the fragment is dropped
  for (const auto& [key, value] : target->query)
    SEEDER_FUZZ_CHECK(target->has_query(key));
  if (beast_would_deliver(input)) {
    // target.hpp: a target that decodes to a NUL byte is refused.
    SEEDER_FUZZ_CHECK(!has_byte(target->path, '\0'));
    for (const auto& [key, value] : target->query)
      SEEDER_FUZZ_CHECK(!has_byte(key, '\0') && !has_byte(value, '\0'));
  }
  // Re-encoding the decoded path gives a target that decodes to the same path.
  if (!has_byte(target->path, '\0')) {
    const auto again = http::parse_target("/" + http::percent_encode_path(target->path));
    SEEDER_FUZZ_CHECK(again && again->path == target->path && again->query.empty());
  }
}

void check_encoders(std::string_view name) {
  // Links in the index pages: unreserved characters, '/', and %XX escapes only.
  const auto encoded = http::percent_encode_path(name);
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '%') {
      SEEDER_FUZZ_CHECK(i + 2 < encoded.size() && is_hex_upper(encoded[i + 1]) &&
                        is_hex_upper(encoded[i + 2]));
      i += 2;
      continue;
    }
    const auto byte = static_cast<unsigned char>(c);
    SEEDER_FUZZ_CHECK(byte > 0x20 && byte < 0x7f && c != '?' && c != '#');
  }
  // A name without NUL survives encode + decode (a decoded NUL is refused by design).
  if (!has_byte(name, '\0')) {
    const auto decoded = http::percent_decode(encoded);
    SEEDER_FUZZ_CHECK(decoded && *decoded == name);
  }
  // A header value built from a hostile file name must stay one line of visible ASCII
  // (RFC 9110 §5.5), or the name could inject headers.
  for (const bool attachment : {false, true}) {
    for (const char c : http::content_disposition(name, attachment)) {
      const auto byte = static_cast<unsigned char>(c);
      SEEDER_FUZZ_CHECK(byte >= 0x20 && byte < 0x7f);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_target(input);
  check_encoders(input);
  for (const bool plus_is_space : {false, true}) {
    if (const auto decoded = http::percent_decode(input, plus_is_space)) {
      SEEDER_FUZZ_CHECK(decoded->size() <= input.size());  // decoding never grows the text
      if (beast_would_deliver(input)) SEEDER_FUZZ_CHECK(!has_byte(*decoded, '\0'));
      if (plus_is_space) SEEDER_FUZZ_CHECK(!has_byte(input, '+') || has_byte(*decoded, ' '));
    }
  }
  return 0;
}
