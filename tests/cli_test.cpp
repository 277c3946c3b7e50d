#include <gtest/gtest.h>

#include <cstdlib>

#include "seeder/app/cli.hpp"

namespace seeder::app {
namespace {

using namespace std::chrono_literals;

TEST(Cli, DefaultsMatchTheDocumentation) {
  const auto config = parse_serve_args({});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->host, "0.0.0.0");
  EXPECT_EQ(config->port, 8080);
  EXPECT_EQ(config->data_dir, "data");
  EXPECT_EQ(readahead_for(*config), 64u << 20);
  EXPECT_EQ(config->torrent_ttl, 600s);
  EXPECT_EQ(config->log_level, "info");
  EXPECT_TRUE(config->dht);
  EXPECT_FALSE(config->upnp) << "a server asks no router to open ports unless told";
  EXPECT_FALSE(config->natpmp);
  EXPECT_TRUE(config->watch_input);
  EXPECT_TRUE(config->instance_name.empty()) << "the host name, filled in at start";
  EXPECT_EQ(config->keep_interest, 30s);
  EXPECT_EQ(config->probe_host, "127.0.0.1") << "probes and metrics are not for the public";
  EXPECT_EQ(config->metrics_host, "127.0.0.1");
  EXPECT_TRUE(config->trusted_proxies.empty()) << "nobody's X-Forwarded-* believed";
  EXPECT_FALSE(config->allow_private_peers);
  EXPECT_FALSE(config->join_on_start) << "a torrent joins when it is asked for";
  EXPECT_FALSE(config->transcode_video) << "converting video costs a core per stream";
}

TEST(Cli, ParsesSizesDurationsAndSwitches) {
  const auto config = parse_serve_args(
      {"--max-readahead", "512KiB", "--torrent-ttl", "10m", "--no-dht", "--peer", "127.0.0.1:6881",
       "--peer", "[::1]:7000", "--port", "0", "--join-on-start", "--transcode-video"});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->max_readahead, 512u * 1024);
  EXPECT_EQ(config->torrent_ttl, 10min);
  EXPECT_FALSE(config->dht);
  EXPECT_TRUE(config->join_on_start);
  EXPECT_TRUE(config->transcode_video);
  EXPECT_EQ(config->peers.size(), 2u);
  EXPECT_EQ(config->port, 0);
}

// A long link needs a deep window; a budgeted torrent pins its window on disk, so keeps a small
// one. A size given is kept either way.
TEST(Cli, TheDefaultReadaheadIsDeepWithoutABudgetAndSmallUnderOne) {
  EXPECT_EQ(readahead_for(*parse_serve_args({})), 64u << 20);
  EXPECT_EQ(readahead_for(*parse_serve_args({"--per-torrent-cache-budget", "16MB"})), 20u << 20);
  EXPECT_EQ(readahead_for(*parse_serve_args({"--max-readahead", "auto"})), 64u << 20);
  app::Config built;  // as a program embedding the gateway builds it
  built.per_torrent_cache_budget = 16u << 20;
  EXPECT_EQ(readahead_for(built), 20u << 20);
  EXPECT_EQ(parse_serve_args({"--per-torrent-cache-budget", "16MB", "--max-readahead", "40MB"})
                ->max_readahead,
            40u << 20);
}

TEST(Cli, AnInstanceNameThatCannotGoInAHeaderIsRefused) {
  EXPECT_TRUE(parse_serve_args({"--instance-name", "seeder-0.eu_1"}));
  const auto bad = parse_serve_args({"--instance-name", "a b\r\nX-Evil: 1"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("--instance-name"), std::string::npos);
}

TEST(Cli, BadValuesFailWithAReason) {
  const auto size = parse_serve_args({"--max-readahead", "20XB"});
  ASSERT_FALSE(size);
  EXPECT_NE(size.error().message.find("size"), std::string::npos);
  EXPECT_FALSE(parse_serve_args({"--torrent-ttl", "soon"}));
  EXPECT_FALSE(parse_serve_args({"--port", "70000"}));
  EXPECT_FALSE(parse_serve_args({"--log-level", "loud"}));
  EXPECT_FALSE(parse_serve_args({"--max-readahead", "0"}));
  EXPECT_FALSE(parse_serve_args({"--http-read-timeout", "0s"}));
  EXPECT_FALSE(parse_serve_args({"--http-send-timeout", "0s"}));
  EXPECT_FALSE(parse_serve_args({"--no-such-flag"}));
  for (const char* url :
       {"media.example.org", "ftp://x", "https://", "https://x/", "http://a b", "https://x/?q"})
    EXPECT_FALSE(parse_serve_args({"--public-url", url})) << url;
  EXPECT_TRUE(parse_serve_args({"--public-url", "https://media.example.org:8443/seeder"}));
  const auto proxy = parse_serve_args({"--trusted-proxy", "10.0.0.0/33"});
  ASSERT_FALSE(proxy);
  EXPECT_NE(proxy.error().message.find("--trusted-proxy"), std::string::npos);
  EXPECT_TRUE(parse_serve_args({"--trusted-proxy", "10.0.0.0/8,127.0.0.1"}));
  // Longer would hold seeds' upload slots for nothing.
  const auto keep = parse_serve_args({"--keep-interest", "55s"});
  ASSERT_FALSE(keep);
  EXPECT_NE(keep.error().message.find("--keep-interest"), std::string::npos);
  EXPECT_TRUE(parse_serve_args({"--keep-interest", "0s"}));
}

TEST(Cli, EnvironmentVariablesSetFlags) {
  ::setenv("SEEDER_PORT", "9999", 1);
  ::setenv("SEEDER_MAX_READAHEAD", "1MB", 1);
  ::setenv("SEEDER_DHT", "false", 1);
  const auto config = parse_serve_args({});
  ::unsetenv("SEEDER_PORT");
  ::unsetenv("SEEDER_MAX_READAHEAD");
  ::unsetenv("SEEDER_DHT");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->port, 9999);
  EXPECT_EQ(config->max_readahead, 1u << 20);
  EXPECT_FALSE(config->dht);
}

}  // namespace
}  // namespace seeder::app
