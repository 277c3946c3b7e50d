#include "seeder/core/endpoint.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "seeder/core/text.hpp"

namespace seeder {

Result<boost::asio::ip::tcp::endpoint> parse_endpoint(std::string_view text) {
  const auto invalid = [&] {
    return make_error(Errc::bad_request, "peer '" + std::string(text) + "': expected IP:PORT");
  };
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return invalid();
  auto host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  const auto port = parse_unsigned(text.substr(colon + 1));
  if (ec || !port || *port == 0 || *port > 65535) return invalid();
  return boost::asio::ip::tcp::endpoint(address, static_cast<std::uint16_t>(*port));
}

namespace {

namespace ip = boost::asio::ip;

AddressRange v4_network(std::uint32_t network, int bits) {
  const std::uint32_t mask = ~std::uint32_t{0} << (32 - bits);
  return {ip::address_v4(network & mask), ip::address_v4(network | ~mask)};
}

AddressRange v6_network(const char* network, int bits) {
  auto first = ip::make_address_v6(network).to_bytes();
  auto last = first;
  for (int bit = bits; bit < 128; ++bit) {
    const auto byte = static_cast<std::size_t>(bit / 8);
    const auto flag = static_cast<unsigned char>(0x80U >> (bit % 8));
    first[byte] = static_cast<unsigned char>(first[byte] & ~flag);
    last[byte] = static_cast<unsigned char>(last[byte] | flag);
  }
  return {ip::address_v6(first), ip::address_v6(last)};
}

// A v4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it is; any other as it is.
ip::address unmapped(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  return address;
}

// The same network as IPv4-mapped IPv6 addresses (::ffff:a.b.c.d): a peer list may carry them,
// and libtorrent's filter compares a v6 address with v6 rules only.
AddressRange v4_mapped(const AddressRange& range) {
  return {ip::make_address_v6(ip::v4_mapped, range.first.to_v4()),
          ip::make_address_v6(ip::v4_mapped, range.last.to_v4())};
}

std::vector<AddressRange> with_v4_mapped(std::vector<AddressRange> ranges) {
  const auto v4 = ranges.size();
  for (std::size_t i = 0; i < v4; ++i)
    if (ranges[i].first.is_v4()) ranges.push_back(v4_mapped(ranges[i]));
  return ranges;
}

}  // namespace

const std::vector<AddressRange>& non_public_ranges() {
  static const std::vector<AddressRange> ranges = with_v4_mapped({
      v4_network(0x00000000, 8),   // 0.0.0.0/8
      v4_network(0x0A000000, 8),   // 10/8
      v4_network(0x64400000, 10),  // 100.64/10
      v4_network(0x7F000000, 8),   // 127/8
      v4_network(0xA9FE0000, 16),  // 169.254/16
      v4_network(0xAC100000, 12),  // 172.16/12
      v4_network(0xC0A80000, 16),  // 192.168/16
      v4_network(0xE0000000, 3),   // multicast and reserved
      v6_network("::", 127),       // unspecified and loopback
      v6_network("fc00::", 7),     // unique local
      v6_network("fe80::", 10),    // link-local
      v6_network("fec0::", 10),    // site-local
      v6_network("ff00::", 8),     // multicast
  });
  return ranges;
}

bool is_public_address(const boost::asio::ip::address& given) {
  const auto address = unmapped(given);
  return std::none_of(non_public_ranges().begin(), non_public_ranges().end(),
                      [&](const AddressRange& range) {
                        return range.first.is_v4() == address.is_v4() && !(address < range.first) &&
                               !(range.last < address);
                      });
}

bool AddressBlock::contains(const boost::asio::ip::address& address) const {
  const auto candidate = unmapped(address);
  if (candidate.is_v4() != network.is_v4()) return false;
  const auto compare = [&](const auto& a, const auto& b) {
    for (int bit = 0; bit < prefix; ++bit) {
      const auto byte = static_cast<std::size_t>(bit / 8);
      const auto flag = 0x80U >> (bit % 8);
      if ((a[byte] & flag) != (b[byte] & flag)) return false;
    }
    return true;
  };
  return candidate.is_v4() ? compare(candidate.to_v4().to_bytes(), network.to_v4().to_bytes())
                           : compare(candidate.to_v6().to_bytes(), network.to_v6().to_bytes());
}

Result<AddressBlock> parse_address_block(std::string_view text) {
  const auto invalid = [&] {
    return make_error(Errc::bad_request,
                      "'" + std::string(text) + "': expected an address or a network (10.0.0.0/8)");
  };
  const auto slash = text.find('/');
  boost::system::error_code ec;
  const auto network = ip::make_address(text.substr(0, slash), ec);
  if (ec) return invalid();
  const int bits = network.is_v4() ? 32 : 128;
  int prefix = bits;
  if (slash != std::string_view::npos) {
    const auto parsed = parse_unsigned(text.substr(slash + 1));
    if (!parsed || *parsed > static_cast<std::uint64_t>(bits)) return invalid();
    prefix = static_cast<int>(*parsed);
  }
  return AddressBlock{network, prefix};
}

bool in_any(const std::vector<AddressBlock>& blocks, const boost::asio::ip::address& address) {
  return std::any_of(blocks.begin(), blocks.end(),
                     [&](const AddressBlock& block) { return block.contains(address); });
}

std::string client_key(const boost::asio::ip::address& given) {
  const auto address = unmapped(given);
  if (address.is_v4()) return address.to_string();
  auto bytes = address.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return ip::address_v6(bytes).to_string() + "/64";
}

bool url_host_is_public(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (const auto at = url.rfind('@'); at != std::string_view::npos) url.remove_prefix(at + 1);
  std::string_view host = url;
  if (host.starts_with('[')) {
    host = host.substr(1, host.find(']') - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string lower(host);
  for (auto& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "localhost" || lower.ends_with(".localhost")) return false;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(lower, ec);
  return ec || is_public_address(address);
}

bool is_loopback_client(std::string_view client) {
  return client.empty() || client.starts_with("127.") || client == "::/64";
}

}  // namespace seeder
