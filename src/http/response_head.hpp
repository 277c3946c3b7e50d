#pragma once
// Filling a Beast response's status line and headers from a Reply (internal to the http
// module; both servers answer this way).

#include <boost/beast/http.hpp>

#include "seeder/http/reply.hpp"

namespace seeder::http {

// Resets `response` to `reply`'s status and headers, HTTP/1.1, our Server header, and the
// instance's name when it has one (which of several gateways behind a balancer answered).
inline void set_response_head(
    boost::beast::http::response<boost::beast::http::string_body>& response, const Reply& reply,
    bool keep_alive, std::string_view instance = {}) {
  response = {};
  response.result(reply.status);
  response.version(11);
  response.set(boost::beast::http::field::server, "seeder");
  if (!instance.empty())
    response.set("X-Seeder-Instance", boost::beast::string_view(instance.data(), instance.size()));
  for (const auto& header : reply.headers)
    response.set(header.name, header.value);
  response.keep_alive(keep_alive);
}

}  // namespace seeder::http
