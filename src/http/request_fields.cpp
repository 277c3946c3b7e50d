#include "seeder/http/request_fields.hpp"

#include <string>

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
  head.content_type = field(bhttp::field::content_type);
  return head;
}

bool is_upload_target(std::string_view target) {
  return target == "/" || target.starts_with("/?");
}

}  // namespace seeder::http
