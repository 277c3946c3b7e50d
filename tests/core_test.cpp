#include <gtest/gtest.h>

#include "seeder/core/endpoint.hpp"
#include "seeder/core/info_hash.hpp"
#include "seeder/core/json.hpp"
#include "seeder/core/sha1.hpp"
#include "seeder/core/text.hpp"
#include "seeder/core/units.hpp"

namespace seeder {
namespace {

using namespace std::chrono_literals;

TEST(Units, SizesAcceptBinaryAndDecimalSpellingsAllAs1024Based) {
  EXPECT_EQ(parse_size("512KiB"), 512u * 1024);
  EXPECT_EQ(parse_size("20MB"), 20u * 1024 * 1024);
  EXPECT_EQ(parse_size("10GB"), 10ull * 1024 * 1024 * 1024);
  EXPECT_EQ(parse_size("1.5G"), 3ull * 512 * 1024 * 1024);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size(" 7 mib "), 7u * 1024 * 1024);
}

TEST(Units, SizesRejectJunk) {
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("MB"));
  EXPECT_FALSE(parse_size("-5MB"));
  EXPECT_FALSE(parse_size("20XB"));
  EXPECT_FALSE(parse_size("1e3"));
  EXPECT_FALSE(parse_size("99999999999TB"));
}

TEST(Units, DurationsAcceptCommonUnits) {
  EXPECT_EQ(parse_duration("500ms"), 500ms);
  EXPECT_EQ(parse_duration("30s"), 30s);
  EXPECT_EQ(parse_duration("10m"), 10min);
  EXPECT_EQ(parse_duration("2h"), 2h);
  EXPECT_EQ(parse_duration("45"), 45s);
  EXPECT_FALSE(parse_duration("10y"));
  EXPECT_FALSE(parse_duration("soon"));
}

TEST(Units, FormatsSizesAndDurations) {
  EXPECT_EQ(format_size(512), "512 B");
  EXPECT_EQ(format_size(20ull << 20), "20.0 MiB");
  EXPECT_EQ(format_duration(600s), "600s");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
}

TEST(Text, ParsesUnsignedDecimalsWithoutThrowing) {
  EXPECT_EQ(parse_unsigned("0"), 0u);
  EXPECT_EQ(parse_unsigned("65535"), 65535u);
  EXPECT_EQ(parse_unsigned("18446744073709551615"), 18446744073709551615ull);
  for (const char* junk : {"", "-1", "+1", " 1", "1 ", "1x", "0x10", "18446744073709551616"})
    EXPECT_FALSE(parse_unsigned(junk)) << junk;
}

TEST(Text, HexDigits) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  EXPECT_EQ(hex_digit_value('g'), -1);
  EXPECT_EQ(hex_digit_value('%'), -1);
}

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

TEST(InfoHash, ParsesHexInAnyCaseAndPrintsLowercase) {
  const auto hash = InfoHash::parse("C334138EF5BFC2D568EA7324E0E2A3A7EC229BDD");
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->hex(), "c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd");
}

TEST(InfoHash, ParsesBase32AsInMagnetLinks) {
  // base32 of the same 20 bytes as the hex above.
  const auto hex = InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd");
  const auto b32 = InfoHash::parse("YM2BHDXVX7BNK2HKOMSOBYVDU7WCFG65");
  ASSERT_TRUE(hex && b32);
  EXPECT_EQ(*hex, *b32);
}

TEST(InfoHash, RejectsWrongLengthsAndCharacters) {
  EXPECT_FALSE(InfoHash::parse(""));
  EXPECT_FALSE(InfoHash::parse("abc"));
  EXPECT_FALSE(InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdz"));
  EXPECT_FALSE(InfoHash::parse("c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd0"));
  EXPECT_FALSE(InfoHash::parse("YM2BHDXVX7BNM2HKOMSOBYVDU7WCFG61"));  // '1' is not base32
}

TEST(Sha1, MatchesKnownVector) {
  EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST(Json, InvalidUtf8BecomesTheReplacementCharacter) {
  EXPECT_EQ(json_escape("a\xff\xfe b"), "a\\ufffd\\ufffd b");
  EXPECT_EQ(json_escape("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");  // valid: kept as is
  EXPECT_EQ(json_escape("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");   // a surrogate
  EXPECT_EQ(json_escape("\xe2\x82"), "\\ufffd\\ufffd");              // cut short
}

TEST(Json, WritesNestedValuesAndEscapes) {
  JsonWriter json;
  json.begin_object()
      .key("name")
      .value("a \"quoted\"\nline\x01")
      .key("n")
      .value(std::uint64_t{42})
      .key("ok")
      .value(true)
      .key("list")
      .begin_array()
      .value(1)
      .value(2)
      .null()
      .end_array()
      .end_object();
  EXPECT_EQ(json.str(),
            R"({"name":"a \"quoted\"\nline\u0001","n":42,"ok":true,"list":[1,2,null]})");
}

}  // namespace
}  // namespace seeder
