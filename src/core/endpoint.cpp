#include "seeder/core/endpoint.hpp"

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

}  // namespace seeder
