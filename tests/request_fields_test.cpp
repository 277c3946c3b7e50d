// believe_proxies: who the client is and which X-Forwarded-* headers count, from the peer's
// address and --trusted-proxy.
#include "seeder/http/request_fields.hpp"

#include <gtest/gtest.h>

namespace seeder::http {
namespace {

std::vector<AddressBlock> blocks(std::initializer_list<const char*> texts) {
  std::vector<AddressBlock> out;
  for (const auto* text : texts)
    out.push_back(*parse_address_block(text));
  return out;
}

RequestHead forwarded(const std::string& peer, const std::string& chain) {
  RequestHead head;
  head.client = peer;
  head.forwarded_for = chain;
  head.forwarded_host = "evil.example";
  head.forwarded_proto = "https";
  return head;
}

// `curl -H 'X-Forwarded-Host: evil.example'` made playlists point at another site.
TEST(BelieveProxies, FromAnyoneButATrustedProxyTheForwardedHeadersAreIgnored) {
  auto head = forwarded("203.0.113.5", "198.51.100.1");
  believe_proxies(head, blocks({"10.0.0.0/8"}));
  EXPECT_EQ(head.client, "203.0.113.5");
  EXPECT_EQ(head.forwarded_host, "");
  EXPECT_EQ(head.forwarded_proto, "");
  auto none = forwarded("127.0.0.1", "198.51.100.1");
  believe_proxies(none, {});
  EXPECT_EQ(none.client, "127.0.0.1") << "nobody is trusted by default";
  EXPECT_EQ(none.forwarded_host, "");
}

TEST(BelieveProxies, FromATrustedProxyTheClientIsTheLastHopNotTrusted) {
  auto head = forwarded("10.0.0.2", "6.6.6.6, 198.51.100.7, 10.0.0.9");
  believe_proxies(head, blocks({"10.0.0.0/8"}));
  EXPECT_EQ(head.client, "198.51.100.7") << "6.6.6.6 is only what the client said";
  EXPECT_EQ(head.forwarded_host, "evil.example") << "the proxy's to set";
  EXPECT_EQ(head.forwarded_proto, "https");

  const auto trusted = blocks({"10.0.0.0/8"});
  const auto client_of = [&](const std::string& peer, const std::string& chain) {
    auto behind = forwarded(peer, chain);
    believe_proxies(behind, trusted);
    return behind.client;
  };
  EXPECT_EQ(client_of("10.0.0.2", "10.0.0.7"), "10.0.0.7") << "every hop trusted: the first";
  EXPECT_EQ(client_of("10.0.0.2", ""), "10.0.0.2") << "no header: the proxy itself";
  EXPECT_EQ(client_of("10.0.0.2", "unknown, 198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(client_of("10.0.0.2", "198.51.100.7, unknown"), "10.0.0.2")
      << "a hop that is no address ends the walk";
  EXPECT_EQ(client_of("::ffff:10.0.0.2", " 2001:db8:0:7:1::1 "), "2001:db8:0:7::/64")
      << "a v4-mapped proxy address is its v4; an IPv6 client is its /64";
  EXPECT_EQ(client_of("::ffff:198.51.100.9", ""), "198.51.100.9") << "one client, one key";
}

// A proxy may add its own X-Forwarded-For line instead of appending to the client's.
TEST(HeadOf, EveryXForwardedForLineIsReadInOrder) {
  boost::beast::http::request<boost::beast::http::string_body> request;
  request.insert("X-Forwarded-For", "6.6.6.6");
  request.insert("X-Forwarded-For", "198.51.100.7");
  EXPECT_EQ(head_of(request).forwarded_for, "6.6.6.6, 198.51.100.7");
}

}  // namespace
}  // namespace seeder::http
