#include "seeder/http/access.hpp"

#include <gtest/gtest.h>

namespace seeder::http {
namespace {

using namespace std::chrono_literals;

constexpr const char* kView = "view-token-0123456789";
constexpr const char* kAdmin = "admin-token-0123456789";

AccessList list_of(std::string_view text) {
  auto list = AccessList::parse(text, "auth");
  EXPECT_TRUE(list) << (list ? "" : list.error().message);
  return std::move(*list);
}

RequestHead with(std::string authorization, std::string cookie = {}, std::string client = "c") {
  RequestHead head;
  head.authorization = std::move(authorization);
  head.cookie = std::move(cookie);
  head.client = std::move(client);
  return head;
}

TEST(AccessListTest, TokensAndDigestsGrantTheirScope) {
  // The digest of "digest-token-0123456789", as `printf %s TOKEN | sha256sum` prints it.
  const auto list = list_of(
      std::string("# tokens\n") + kView +
      " view\n\n"
      "sha256:a60243642b3fa8ae40426aa05160ab752227b14b626bc11a948abc500f49dbad admin  # x\n" +
      kAdmin + "\tadmin\n");
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(list.scope_of("digest-token-0123456789"), Scope::admin);
  EXPECT_EQ(list.scope_of(kView), Scope::view);
  EXPECT_EQ(list.scope_of(kAdmin), Scope::admin);
  EXPECT_EQ(list.scope_of("view-token-0123456788"), std::nullopt);
  EXPECT_EQ(list.scope_of(""), std::nullopt);
  EXPECT_EQ(list.scope_of("short"), std::nullopt);
}

TEST(AccessListTest, ADigestLineMatchesItsToken) {
  // printf %s view-token-0123456789 | sha256sum
  const auto list =
      list_of("sha256:1598CEF30C1A20FEFDB43653C8DEC1EEE06663819AE903725FDC66DE49AE69BA view\n");
  EXPECT_EQ(list.scope_of(kView), Scope::view) << "upper-case hex too";
  EXPECT_EQ(list.scope_of(kAdmin), std::nullopt);
}

TEST(AccessListTest, MistakesNameTheirLine) {
  const auto cases = {std::pair<std::string, std::string>{"x\n", "auth:1: expected"},
                      {"\n\nshort view\n", "auth:3: a token is"},
                      {"view-token-0123456789 root\n", "auth:1: the scope"},
                      {"sha256:abc view\n", "auth:1: sha256: takes"},
                      {"# nothing\n", "auth: no credential"}};
  for (const auto& [text, message] : cases) {
    const auto list = AccessList::parse(text, "auth");
    ASSERT_FALSE(list) << text;
    EXPECT_EQ(list.error().message.rfind(message, 0), 0u) << list.error().message;
  }
}

TEST(AccessTest, TheBearerTokenOrTheCookieIsPresented) {
  EXPECT_EQ(presented_token(with("Bearer abc")), "abc");
  EXPECT_EQ(presented_token(with("bearer  abc ")), "abc");
  EXPECT_EQ(presented_token(with("Basic abc")), "");
  EXPECT_EQ(presented_token(with("", "a=1; seeder_token=xyz; b=2")), "xyz");
  EXPECT_EQ(presented_token(with("Bearer abc", "seeder_token=xyz")), "abc");
  EXPECT_EQ(presented_token(with("", "not_seeder_token=xyz")), "");
}

TEST(GatekeeperTest, ScopesAreEnforcedAndWrongTokensThrottled) {
  Gatekeeper gate(list_of(std::string(kView) + " view\n" + kAdmin + " admin\n"));
  const auto now = Gatekeeper::Clock::now();
  using Verdict = Gatekeeper::Verdict;
  EXPECT_EQ(gate.check(with(""), Scope::view, now), Verdict::no_credentials);
  EXPECT_EQ(gate.check(with(std::string("Bearer ") + kView), Scope::view, now), Verdict::allowed);
  EXPECT_EQ(gate.check(with(std::string("Bearer ") + kView), Scope::admin, now),
            Verdict::forbidden);
  EXPECT_EQ(gate.check(with(std::string("Bearer ") + kAdmin), Scope::admin, now), Verdict::allowed);
  for (int i = 0; i < Gatekeeper::kFailures; ++i)
    EXPECT_EQ(gate.check(with("Bearer wrong-token-000000000"), Scope::view, now),
              Verdict::wrong_token);
  EXPECT_EQ(gate.check(with(std::string("Bearer ") + kView), Scope::view, now), Verdict::throttled)
      << "even a good token, for the rest of the window";
  EXPECT_EQ(gate.check(with(std::string("Bearer ") + kView, "", "other"), Scope::view, now),
            Verdict::allowed)
      << "another client is not throttled";
  EXPECT_FALSE(gate.login("c", kView, now)) << "sign-in is throttled too";
  EXPECT_EQ(
      gate.check(with(std::string("Bearer ") + kView), Scope::view, now + Gatekeeper::kWindow + 1s),
      Verdict::allowed)
      << "the window ended";
  EXPECT_EQ(gate.login("c", kAdmin, now + Gatekeeper::kWindow + 1s).value(), Scope::admin);
}

}  // namespace
}  // namespace seeder::http
