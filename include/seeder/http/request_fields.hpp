#pragma once
// The fields of a parsed Beast request that the Router reads, as a plain RequestHead. Used by
// the server on every request and by the request-head fuzzer, so both see the same head.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <vector>

#include "seeder/core/endpoint.hpp"
#include "seeder/http/router.hpp"

namespace seeder::http {

RequestHead head_of(const boost::beast::http::request<boost::beast::http::string_body>& request);

// With head.client the connection's peer address: from a peer in `trusted` (--trusted-proxy),
// the client becomes the one X-Forwarded-For names and X-Forwarded-Host/-Proto are kept; from
// any other, those two are dropped and the client is the peer. head.client ends as the
// client's client_key.
void believe_proxies(RequestHead& head, const std::vector<AddressBlock>& trusted);

// Whether a POST to `target` is an upload (the root, "/" or "/?..."): the server lets its body
// be large when uploads are on, the router accepts it.
bool is_upload_target(std::string_view target);
// "/login": a browser's sign-in (--auth-file).
bool is_login_target(std::string_view target);

}  // namespace seeder::http
