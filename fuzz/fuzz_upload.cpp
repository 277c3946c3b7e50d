// Fuzzes the upload body parser (seeder/http/upload.hpp): what POST / may carry.
// Input: "<Content-Type>\n<body>"; without a newline, the whole input is a body without a type.
// Each body is also tried as multipart/form-data with the boundary "b" and as a urlencoded form.

#include <cstdint>
#include <string>
#include <string_view>

#include "seeder/http/upload.hpp"
#include "support.hpp"

namespace {

using seeder::http::Upload;

void check(std::string_view content_type, std::string_view body) {
  const auto upload = seeder::http::parse_upload(content_type, std::string(body));
  if (!upload) {
    SEEDER_FUZZ_CHECK(upload.error().code == seeder::Errc::bad_request);
    SEEDER_FUZZ_CHECK(!upload.error().message.empty());
    return;
  }
  SEEDER_FUZZ_CHECK(!upload->content.empty());
  if (upload->kind == Upload::Kind::magnet) {
    SEEDER_FUZZ_CHECK(upload->content.size() >= 7);
    for (std::size_t i = 0; i < 7; ++i)
      SEEDER_FUZZ_CHECK(std::tolower(static_cast<unsigned char>(upload->content[i])) ==
                        "magnet:"[i]);
  } else {
    // A .torrent is the bytes sent, or one part of them: never more.
    SEEDER_FUZZ_CHECK(body.find(upload->content) != std::string_view::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view type;
  if (const auto newline = input.find('\n'); newline != std::string_view::npos) {
    type = input.substr(0, newline);
    input.remove_prefix(newline + 1);
  }
  check(type, input);
  check("multipart/form-data; boundary=b", input);
  check("application/x-www-form-urlencoded", input);
  return 0;
}
