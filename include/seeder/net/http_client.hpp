#pragma once
// net: the gateway as an HTTP client. One plain-HTTP request to an upstream (the torrent store, the
// vault), with a timeout over the whole exchange. No redirects are followed (the vault's are passed
// on), no TLS (put a local proxy in front of an https upstream). Completions run on the executor
// given.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/result.hpp"

namespace seeder::net {

struct ClientResponse {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  [[nodiscard]] std::string header(const std::string& lowercase_name) const;
};

struct Url {
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";  // path and query
};

// Errc::bad_request unless `url` is http://host[:port][/path][?query].
Result<Url> parse_http_url(const std::string& url);

// Errc::timeout when no full response came within `timeout`; Errc::unavailable when the
// upstream cannot be reached or sends something that is not HTTP. Bodies above `body_limit`
// are an error too.
void async_http_request(boost::asio::any_io_executor executor, const std::string& method,
                        const std::string& url, std::chrono::milliseconds timeout,
                        std::function<void(Result<ClientResponse>)> handler,
                        std::uint64_t body_limit = 16ull << 20);

}  // namespace seeder::net
