#pragma once
// Opening a listening socket for the HTTP servers (internal to the http module).

#include <cstdint>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "seeder/core/result.hpp"

namespace seeder::http {

// Opens, binds (SO_REUSEADDR) and listens; returns the bound port (useful with port 0).
Result<std::uint16_t> open_listener(boost::asio::ip::tcp::acceptor& acceptor,
                                    const std::string& host, std::uint16_t port);

}  // namespace seeder::http
