#pragma once
// The fields of a parsed Beast request that the Router reads, as a plain RequestHead. Used by
// the server on every request and by the request-head fuzzer, so both see the same head.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "seeder/http/router.hpp"

namespace seeder::http {

RequestHead head_of(const boost::beast::http::request<boost::beast::http::string_body>& request);

}  // namespace seeder::http
