// Endpoint: addresses and ports, address blocks, which side of the network is ours.
#include <gtest/gtest.h>

#include "seeder/core/endpoint.hpp"

namespace seeder {
namespace {

TEST(Endpoint, ParsesIpv4AndBracketedIpv6) {
  const auto v4 = parse_endpoint("127.0.0.1:6881");
  ASSERT_TRUE(v4) << v4.error().message;
  EXPECT_EQ(v4->address().to_string(), "127.0.0.1");
  EXPECT_EQ(v4->port(), 6881);
  const auto v6 = parse_endpoint("[::1]:51413");
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_TRUE(v6->address().is_v6());
  EXPECT_EQ(v6->port(), 51413);
}

TEST(Endpoint, TheGatewaysOwnSideOfTheNetworkIsNotPublic) {
  for (const auto* own :
       {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.1.1",
        "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1", "::", "fe80::1", "fd00::1", "fdff:ffff::1",
        "fec0::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:192.168.0.1"})
    EXPECT_FALSE(is_public_address(boost::asio::ip::make_address(own))) << own;
  for (const auto* far : {"1.1.1.1", "172.32.0.1", "8.8.8.8", "9.255.255.255", "11.0.0.0",
                          "100.128.0.1", "192.169.0.1", "2001:db8::1", "::ffff:8.8.8.8"})
    EXPECT_TRUE(is_public_address(boost::asio::ip::make_address(far))) << far;
  for (const auto* own : {"http://127.0.0.1:2224/announce", "udp://[::1]:6969", "http://LOCALHOST/",
                          "https://user@10.0.0.1/x", "http://a.localhost:80/"})
    EXPECT_FALSE(url_host_is_public(own)) << own;
  for (const auto* far : {"http://tracker.example.org:80/announce", "udp://1.2.3.4:6969",
                          "https://seed.example.com/f"})
    EXPECT_TRUE(url_host_is_public(far)) << far;
}

TEST(Endpoint, AddressBlocksAreNetworksOrSingleAddresses) {
  const auto net = parse_address_block("10.1.0.0/16");
  ASSERT_TRUE(net);
  EXPECT_TRUE(net->contains(boost::asio::ip::make_address("10.1.255.3")));
  EXPECT_FALSE(net->contains(boost::asio::ip::make_address("10.2.0.1")));
  EXPECT_FALSE(net->contains(boost::asio::ip::make_address("::1")));
  const auto one = parse_address_block("127.0.0.1");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->prefix, 32);
  EXPECT_TRUE(one->contains(boost::asio::ip::make_address("::ffff:127.0.0.1")));
  EXPECT_FALSE(one->contains(boost::asio::ip::make_address("127.0.0.2")));
  const auto v6 = parse_address_block("fd00::/8");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->contains(boost::asio::ip::make_address("fdab::1")));
  EXPECT_TRUE(parse_address_block("0.0.0.0/0")->contains(boost::asio::ip::make_address("8.8.8.8")));
  for (const char* junk :
       {"", "10.0.0.0/33", "::/129", "10.0.0/8", "host/8", "10.0.0.0/", "10.0.0.0/x"})
    EXPECT_FALSE(parse_address_block(junk)) << junk;
}

TEST(Endpoint, RejectsWhatIsNotAnAddressAndAPort) {
  for (const char* junk : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
                           "127.0.0.1:99999999999999999999", "127.0.0.1:-5", "host:80", ":80",
                           "[::1]:x", "127.0.0.1:80 "}) {
    const auto endpoint = parse_endpoint(junk);
    ASSERT_FALSE(endpoint) << junk;
    EXPECT_EQ(endpoint.error().code, Errc::bad_request);
    EXPECT_NE(endpoint.error().message.find(junk), std::string::npos);
  }
}

}  // namespace
}  // namespace seeder
