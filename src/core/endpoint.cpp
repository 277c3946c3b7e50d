#include "seeder/core/endpoint.hpp"

#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include <string>

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

bool in_v4(std::uint32_t address, std::uint32_t network, int bits) {
  const std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
  return (address & mask) == (network & mask);
}

}  // namespace

bool is_public_address(const boost::asio::ip::address& address) {
  if (address.is_v6()) {
    const auto v6 = address.to_v6();
    if (v6.is_v4_mapped())
      return is_public_address(boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6));
    const auto bytes = v6.to_bytes();
    const bool unique_local = (bytes[0] & 0xFE) == 0xFC;  // fc00::/7
    return !(v6.is_loopback() || v6.is_unspecified() || v6.is_link_local() || v6.is_multicast() ||
             v6.is_site_local() || unique_local);
  }
  const auto v4 = address.to_v4().to_uint();
  for (const auto& [network, bits] : std::initializer_list<std::pair<std::uint32_t, int>>{
           {0x00000000, 8},     // 0.0.0.0/8
           {0x0A000000, 8},     // 10/8
           {0x64400000, 10},    // 100.64/10
           {0x7F000000, 8},     // 127/8
           {0xA9FE0000, 16},    // 169.254/16
           {0xAC100000, 12},    // 172.16/12
           {0xC0A80000, 16},    // 192.168/16
           {0xE0000000, 3}}) {  // multicast and reserved
    if (in_v4(v4, network, bits)) return false;
  }
  return true;
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

}  // namespace seeder
