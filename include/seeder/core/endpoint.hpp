#pragma once
// A peer address as users write it on the command line: IP:PORT, or [IPv6]:PORT; and which
// addresses a stranger may make the gateway dial. Pure; any thread.

#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "seeder/core/result.hpp"

namespace seeder {

// Errc::bad_request naming `text` when it is not an address and a port in 1..65535.
Result<boost::asio::ip::tcp::endpoint> parse_endpoint(std::string_view text);

// False for loopback, unspecified, private (RFC 1918, RFC 4193), shared (RFC 6598), link-local
// and multicast addresses, an IPv4-mapped IPv6 address judged as its IPv4: the gateway's own
// side of the network, which a magnet link or an uploaded torrent must not aim it at.
bool is_public_address(const boost::asio::ip::address& address);
// Those addresses, as inclusive ranges (IPv4, then IPv6): for libtorrent's IP filter.
struct AddressRange {
  boost::asio::ip::address first;
  boost::asio::ip::address last;
};
const std::vector<AddressRange>& non_public_ranges();

// A network as users write it: "10.0.0.0/8", "fd00::/8", or one address ("127.0.0.1" is /32).
struct AddressBlock {
  boost::asio::ip::address network;
  int prefix = 0;
  [[nodiscard]] bool contains(const boost::asio::ip::address& address) const;
};
// Errc::bad_request naming `text` when it is no address with an optional /prefix in range.
Result<AddressBlock> parse_address_block(std::string_view text);
bool in_any(const std::vector<AddressBlock>& blocks, const boost::asio::ip::address& address);

// Whose share a request counts against: an IPv4 address (a v4-mapped one as its IPv4), or an
// IPv6 address's /64 ("2001:db8:1:2::/64": one host has a whole /64 to pick from).
std::string client_key(const boost::asio::ip::address& address);
// Whether a client_key is this machine's (127.0.0.0/8, ::1's /64) or unknown (""): never
// counted against a per-client cap.
bool is_loopback_client(std::string_view client);
// The same for a URL's host when it is an IP literal or "localhost"; a name that needs DNS counts
// as public (it cannot be judged without resolving it).
bool url_host_is_public(std::string_view url);

}  // namespace seeder
