// The gateway as an HTTP client, against a real server on loopback: what a URL may be, what an
// answer carries, and that a slow, absent or oversized upstream ends in bounded time with the
// right error.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include <boost/asio/io_context.hpp>

#include "mini_http_server.hpp"
#include "seeder/net/http_client.hpp"

namespace seeder::net {
namespace {

using namespace std::chrono_literals;
using test::MiniHttpServer;
using test::MiniResponse;

// Runs one request to its end on a fresh io_context (at most 10 s), and says how long it took.
struct HttpClientOutcome {
  std::optional<Result<ClientResponse>> result;
  std::chrono::milliseconds took{0};
};

HttpClientOutcome http_client_fetch(const std::string& method, const std::string& url,
                                    std::chrono::milliseconds timeout,
                                    std::uint64_t body_limit = 16ull << 20) {
  boost::asio::io_context io;
  HttpClientOutcome outcome;
  const auto start = std::chrono::steady_clock::now();
  async_http_request(
      io.get_executor(), method, url, timeout,
      [&](Result<ClientResponse> result) { outcome.result = std::move(result); }, body_limit);
  io.run_for(10s);
  outcome.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  return outcome;
}

// A loopback port nobody listens on: bound, then closed.
std::uint16_t http_client_closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
    ADD_FAILURE() << "no loopback port";
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST(HttpClientTest, AUrlGivesHostPortAndTarget) {
  const struct {
    std::string url, host;
    std::uint16_t port;
    std::string target;
  } cases[] = {
      {"http://example.org", "example.org", 80, "/"},
      {"http://store.local:8080/torrents/abc?x=1", "store.local", 8080, "/torrents/abc?x=1"},
      {"http://h?x=1", "h", 80, "/?x=1"},
      {"http://[::1]:9/p", "::1", 9, "/p"},
      {"http://[::1]/", "::1", 80, "/"},
  };
  for (const auto& expected : cases) {
    const auto parsed = parse_http_url(expected.url);
    ASSERT_TRUE(parsed) << expected.url;
    EXPECT_EQ(parsed->host, expected.host) << expected.url;
    EXPECT_EQ(parsed->port, expected.port) << expected.url;
    EXPECT_EQ(parsed->target, expected.target) << expected.url;
  }
}

TEST(HttpClientTest, WhatIsNotAPlainHttpUrlIsABadRequest) {
  for (const std::string url :
       {"https://h/", "ftp://h/", "h:80/", "http://", "http:///path", "http://h:0/",
        "http://h:65536/", "http://h:99999999999/", "http://h:/", "http://h:8a/", "http://:80/"}) {
    const auto parsed = parse_http_url(url);
    ASSERT_FALSE(parsed) << url;
    EXPECT_EQ(parsed.error().code, Errc::bad_request) << url;
  }
}

TEST(HttpClientTest, AnAnswerCarriesItsStatusLowercaseHeadersAndBody) {
  MiniHttpServer server([](const std::string&, const std::string&) {
    return MiniResponse{200, {{"X-Torrent-Name", "Big Buck"}}, "hello"};
  });
  const auto outcome = http_client_fetch("GET", server.url() + "/t/abc?x=1", 5s);
  ASSERT_TRUE(outcome.result.has_value());
  ASSERT_TRUE(*outcome.result) << outcome.result->error().message;
  const auto& response = **outcome.result;
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.header("x-torrent-name"), "Big Buck");
  EXPECT_EQ(response.header("content-length"), "5");
  EXPECT_EQ(response.header("x-missing"), "");
  EXPECT_EQ(response.body, "hello");
  EXPECT_EQ(server.requests(), std::vector<std::string>{"GET /t/abc?x=1"});
}

TEST(HttpClientTest, ARedirectOrAnErrorStatusIsPassedOnNotFollowed) {
  MiniHttpServer server([](const std::string&, const std::string& target) {
    if (target == "/moved") return MiniResponse{302, {{"Location", "/elsewhere"}}, ""};
    return MiniResponse{404, {}, "no"};
  });
  const auto moved = http_client_fetch("GET", server.url() + "/moved", 5s);
  ASSERT_TRUE(moved.result.has_value() && *moved.result);
  EXPECT_EQ((*moved.result)->status, 302u);
  EXPECT_EQ((*moved.result)->header("location"), "/elsewhere");
  const auto missing = http_client_fetch("GET", server.url() + "/gone", 5s);
  ASSERT_TRUE(missing.result.has_value() && *missing.result);
  EXPECT_EQ((*missing.result)->status, 404u);
  EXPECT_EQ((*missing.result)->body, "no");
  EXPECT_EQ(server.requests(), (std::vector<std::string>{"GET /moved", "GET /gone"}));
}

TEST(HttpClientTest, AHeadRequestReadsNoBody) {
  MiniHttpServer server([](const std::string&, const std::string&) {
    return MiniResponse{200, {}, "12345"};
  });
  const auto outcome = http_client_fetch("HEAD", server.url() + "/x", 5s);
  ASSERT_TRUE(outcome.result.has_value() && *outcome.result);
  EXPECT_EQ((*outcome.result)->status, 200u);
  EXPECT_EQ((*outcome.result)->header("content-length"), "5");
  EXPECT_EQ((*outcome.result)->body, "");
  EXPECT_EQ(server.requests(), std::vector<std::string>{"HEAD /x"});
}

TEST(HttpClientTest, AnUpstreamSlowerThanTheTimeoutIsATimeoutInTime) {
  MiniHttpServer server([](const std::string&, const std::string&) {
    return MiniResponse{200, {}, "late", std::chrono::milliseconds(3000)};
  });
  const auto outcome = http_client_fetch("GET", server.url() + "/slow", 300ms);
  ASSERT_TRUE(outcome.result.has_value());
  ASSERT_FALSE(*outcome.result);
  EXPECT_EQ(outcome.result->error().code, Errc::timeout) << outcome.result->error().message;
  EXPECT_LT(outcome.took, 2000ms);
}

TEST(HttpClientTest, NobodyListeningIsUnavailable) {
  const auto port = http_client_closed_port();
  const auto outcome =
      http_client_fetch("GET", "http://127.0.0.1:" + std::to_string(port) + "/", 5s);
  ASSERT_TRUE(outcome.result.has_value());
  ASSERT_FALSE(*outcome.result);
  EXPECT_EQ(outcome.result->error().code, Errc::unavailable) << outcome.result->error().message;
  EXPECT_LT(outcome.took, 2000ms);
}

TEST(HttpClientTest, ABodyOverTheLimitIsAnError) {
  MiniHttpServer server([](const std::string&, const std::string&) {
    return MiniResponse{200, {}, std::string(4000, 'x')};
  });
  const auto within = http_client_fetch("GET", server.url() + "/a", 5s, 4000);
  ASSERT_TRUE(within.result.has_value() && *within.result);
  EXPECT_EQ((*within.result)->body.size(), 4000u);
  const auto over = http_client_fetch("GET", server.url() + "/b", 5s, 3999);
  ASSERT_TRUE(over.result.has_value());
  ASSERT_FALSE(*over.result) << "a 4000-byte body under a 3999-byte limit";
  EXPECT_EQ(over.result->error().code, Errc::unavailable);
}

// A 304 (like 1xx and 204) has no body whatever its Content-Length says, and a HEAD reads none:
// neither is held to the body limit.
TEST(HttpClientTest, AnAnswerWithoutABodyIsNotHeldToTheLimit) {
  MiniHttpServer server([](const std::string&, const std::string& target) {
    return MiniResponse{target == "/same" ? 304u : 200u, {}, std::string(4000, 'x')};
  });
  const auto not_modified = http_client_fetch("GET", server.url() + "/same", 5s, 100);
  ASSERT_TRUE(not_modified.result.has_value());
  ASSERT_TRUE(*not_modified.result) << not_modified.result->error().message;
  EXPECT_EQ((*not_modified.result)->status, 304u);
  EXPECT_EQ((*not_modified.result)->body, "");
  const auto head = http_client_fetch("HEAD", server.url() + "/big", 5s, 100);
  ASSERT_TRUE(head.result.has_value());
  ASSERT_TRUE(*head.result) << head.result->error().message;
  EXPECT_EQ((*head.result)->header("content-length"), "4000");
}

// A bad URL is answered through the executor like any other outcome, never inside the call:
// the caller may still hold a lock its handler takes.
TEST(HttpClientTest, ABadUrlIsAnsweredOnTheExecutorNotInsideTheCall) {
  boost::asio::io_context io;
  std::optional<Result<ClientResponse>> result;
  async_http_request(io.get_executor(), "GET", "https://h/", 1s,
                     [&](Result<ClientResponse> answer) { result = std::move(answer); });
  EXPECT_FALSE(result.has_value());
  io.run_for(5s);
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(*result);
  EXPECT_EQ(result->error().code, Errc::bad_request);
}

}  // namespace
}  // namespace seeder::net
