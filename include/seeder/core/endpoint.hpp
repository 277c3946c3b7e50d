#pragma once
// A peer address as users write it on the command line: IP:PORT, or [IPv6]:PORT.
// Pure; any thread.

#include <string_view>

#include <boost/asio/ip/tcp.hpp>

#include "seeder/core/result.hpp"

namespace seeder {

// Errc::bad_request naming `text` when it is not an address and a port in 1..65535.
Result<boost::asio::ip::tcp::endpoint> parse_endpoint(std::string_view text);

}  // namespace seeder
