// Fuzzes the HTTP request head parser the server reads with: a Beast request_parser rebuilt per
// request with the server's limits (src/http/server.cpp, Connection::do_read), fed arbitrary
// bytes in arbitrary slices (as reads arrive), pipelined requests included, each parsed head
// handed to Router::parse.
// Input: byte 0 picks the slice size (1..256), the rest is what the client sent.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "seeder/http/request_fields.hpp"
#include "seeder/http/router.hpp"
#include "seeder/http/server.hpp"
#include "support.hpp"

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Parser = bhttp::request_parser<bhttp::string_body>;

// The server's limits, read from ServerOptions so that nothing is duplicated here. The body
// limit is still a literal inside server.cpp; once it is a ServerOptions field (body_limit), it
// is picked up here without an edit. Until then Beast's default (1 MiB) applies.
template <class Options>
void apply_limits(Parser& parser, const Options& options) {
  parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
  if constexpr (requires { options.body_limit; }) parser.body_limit(options.body_limit);
}

const seeder::http::ServerOptions& server_options() {
  static const seeder::http::ServerOptions options;
  return options;
}

template <class Options>
std::optional<std::uint64_t> body_limit_of(const Options& options) {
  if constexpr (requires { options.body_limit; }) {
    return static_cast<std::uint64_t>(options.body_limit);
  }
  return std::nullopt;
}

void check_parsed(const Parser& parser, std::size_t header_bytes) {
  const auto& request = parser.get();
  SEEDER_FUZZ_CHECK(header_bytes <= server_options().header_limit);
  SEEDER_FUZZ_CHECK(!request.method_string().empty() && !request.target().empty());
  if (const auto limit = body_limit_of(server_options())) {
    SEEDER_FUZZ_CHECK(request.body().size() <= *limit);
  }
  for (const auto& field : request) {
    for (const char c : field.value())
      SEEDER_FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0');
  }
  for (const char c : request.target()) {
    SEEDER_FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20 && c != 0x7f);
  }
  static const seeder::http::Router router{seeder::http::RouterOptions{}};
  const auto parsed = router.parse(seeder::http::head_of(request));
  if (const auto* reply = std::get_if<seeder::http::Reply>(&parsed)) {
    SEEDER_FUZZ_CHECK(reply->status >= 200 && reply->status <= 599);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t slice = std::size_t{data[0]} + 1;
  std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);

  beast::flat_buffer buffer;  // the connection's buffer outlives each request's parser
  for (;;) {                  // one request per iteration (keep-alive, pipelining)
    std::optional<Parser> parser;
    parser.emplace();
    apply_limits(*parser, server_options());
    std::size_t consumed_before_header = 0;
    beast::error_code ec;
    while (!parser->is_done()) {
      if (buffer.size() == 0 || ec == bhttp::error::need_more) {
        if (wire.empty()) {
          // As beast::http::read_some: EOF before any byte is end_of_stream, the server closes.
          if (!parser->got_some()) return 0;
          parser->put_eof(ec);
          break;
        }
        const auto take = std::min(slice, wire.size());
        const auto room = buffer.prepare(take);
        std::copy_n(wire.data(), take, static_cast<char*>(room.data()));
        buffer.commit(take);
        wire.remove_prefix(take);
      }
      const bool header_was_done = parser->is_header_done();
      const auto used = parser->put(buffer.data(), ec);
      SEEDER_FUZZ_CHECK(used <= buffer.size());
      buffer.consume(used);
      if (!header_was_done) consumed_before_header += used;
      if (ec && ec != bhttp::error::need_more) break;
    }
    if (ec || !parser->is_done()) return 0;  // the server answers 400/431 and closes
    check_parsed(*parser, consumed_before_header);
    if (!parser->get().keep_alive()) return 0;
  }
}
