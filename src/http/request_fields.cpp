#include "seeder/http/request_fields.hpp"

#include <string>

#include <boost/asio/ip/address.hpp>
#include <boost/range/iterator_range.hpp>

#include "seeder/core/text.hpp"

namespace seeder::http {

RequestHead head_of(const boost::beast::http::request<boost::beast::http::string_body>& request) {
  namespace bhttp = boost::beast::http;
  const auto field = [&](auto name) { return std::string(request[name]); };
  RequestHead head;
  head.method = std::string(request.method_string());
  head.target = std::string(request.target());
  head.accept = field(bhttp::field::accept);
  head.x_info_hash = field("X-Info-Hash");
  head.range = field(bhttp::field::range);
  head.if_none_match = field(bhttp::field::if_none_match);
  head.if_match = field(bhttp::field::if_match);
  head.if_range = field(bhttp::field::if_range);
  head.origin = field(bhttp::field::origin);
  head.host = field(bhttp::field::host);
  head.forwarded_host = field("X-Forwarded-Host");
  head.forwarded_proto = field("X-Forwarded-Proto");
  // Every line: a proxy may add its own line rather than append to the client's.
  for (const auto& line : boost::make_iterator_range(request.equal_range("X-Forwarded-For"))) {
    if (!head.forwarded_for.empty()) head.forwarded_for += ", ";
    head.forwarded_for += std::string(line.value());
  }
  head.content_type = field(bhttp::field::content_type);
  head.authorization = field(bhttp::field::authorization);
  head.cookie = field(bhttp::field::cookie);
  return head;
}

void believe_proxies(RequestHead& head, const std::vector<AddressBlock>& trusted) {
  boost::system::error_code ec;
  auto client = boost::asio::ip::make_address(head.client, ec);
  if (ec) return;  // no peer address (a test's head): nothing to judge
  if (in_any(trusted, client)) {
    // Each proxy appends the address it was reached from: the client is the last hop, read
    // from the right, that is not a trusted proxy (hops left of it are the client's word).
    std::string_view hops = head.forwarded_for;
    while (!hops.empty()) {
      const auto comma = hops.rfind(',');
      const auto hop = trim_ows(comma == std::string_view::npos ? hops : hops.substr(comma + 1));
      hops = comma == std::string_view::npos ? std::string_view{} : hops.substr(0, comma);
      const auto address = boost::asio::ip::make_address(std::string(hop), ec);
      if (ec) break;  // not an address: the last one believed stays the client
      client = address;
      if (!in_any(trusted, address)) break;
    }
  } else {
    // Anyone can send these: believed, they would write another site into our playlists.
    head.forwarded_host.clear();
    head.forwarded_proto.clear();
  }
  head.client = client_key(client);
}

bool is_login_target(std::string_view target) {
  return target == "/login" || target.starts_with("/login?");
}

bool is_upload_target(std::string_view target) {
  return target == "/" || target.starts_with("/?");
}

}  // namespace seeder::http
