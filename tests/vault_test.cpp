// Vault against a real HTTP server on loopback: what it redirects to, what it caches and for
// how long, and that a slow, broken or absent vault means "serve locally" in bounded time.
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "mini_http_server.hpp"
#include "seeder/net/vault.hpp"

namespace seeder::net {
namespace {

using namespace std::chrono_literals;
using test::MiniHttpServer;
using test::MiniResponse;

constexpr const char* kHash = "c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd";

class VaultTest : public ::testing::Test {
 protected:
  VaultTest() : thread_([this] { io_.run(); }) {}
  ~VaultTest() override {
    work_.reset();
    io_.stop();
    thread_.join();
  }

  // One lookup; fails the test (and answers nullopt) if it takes longer than `limit`.
  std::optional<VaultRedirect> lookup(Vault& vault, const std::string& path,
                                      std::chrono::milliseconds limit = 5s) {
    std::promise<std::optional<VaultRedirect>> answer;
    auto future = answer.get_future();
    vault.async_lookup(kHash, path, io_.get_executor(),
                       [&answer](std::optional<VaultRedirect> redirect) {
                         answer.set_value(std::move(redirect));
                       });
    if (future.wait_for(limit) != std::future_status::ready) {
      ADD_FAILURE() << "vault lookup of " << path << " took longer than " << limit.count() << " ms";
      io_.stop();  // the handler refers to `answer`: it must never run after this returns
      return std::nullopt;
    }
    return future.get();
  }

  VaultOptions options_for(const std::string& base) {
    VaultOptions options;
    options.base_url = base;
    return options;
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::thread thread_;
};

TEST_F(VaultTest, AFileTheVaultHasIsRedirectedToItsWebseedUrlAndTheAnswerIsCached) {
  MiniHttpServer server([](const std::string&, const std::string&) { return MiniResponse{200}; });
  const auto vault = std::make_shared<Vault>(io_.get_executor(), options_for(server.url()));
  for (int lookup_count = 0; lookup_count < 3; ++lookup_count) {
    const auto redirect = lookup(*vault, "Show/a%20b.mkv");
    ASSERT_TRUE(redirect);
    EXPECT_EQ(redirect->status, 302u);
    EXPECT_EQ(redirect->location, server.url() + "/webseed/" + kHash + "/Show/a%20b.mkv");
  }
  EXPECT_EQ(server.requests(),
            (std::vector<std::string>{"HEAD /webseed/" + std::string(kHash) + "/Show/a%20b.mkv"}));
  EXPECT_EQ(vault->requests_sent(), 1u);
}

TEST_F(VaultTest, TheVaultsOwnRedirectIsPassedThrough) {
  MiniHttpServer server([](const std::string&, const std::string&) {
    return MiniResponse{307, {{"Location", "https://cdn.example/x"}}, ""};
  });
  const auto vault = std::make_shared<Vault>(io_.get_executor(), options_for(server.url()));
  const auto redirect = lookup(*vault, "x");
  ASSERT_TRUE(redirect);
  EXPECT_EQ(redirect->status, 307u);
  EXPECT_EQ(redirect->location, "https://cdn.example/x");
}

TEST_F(VaultTest, AMissIsCachedForItsOwnTimeAndAskedAgainAfter) {
  MiniHttpServer server([](const std::string&, const std::string&) { return MiniResponse{404}; });
  auto options = options_for(server.url());
  options.miss_ttl = 200ms;
  const auto vault = std::make_shared<Vault>(io_.get_executor(), options);
  EXPECT_FALSE(lookup(*vault, "x"));
  EXPECT_FALSE(lookup(*vault, "x"));
  EXPECT_EQ(vault->requests_sent(), 1u) << "the second lookup is answered from the cache";
  std::this_thread::sleep_for(300ms);  // past the miss TTL; a wait on the clock, not on work
  EXPECT_FALSE(lookup(*vault, "x"));
  EXPECT_EQ(vault->requests_sent(), 2u);
}

TEST_F(VaultTest, EachFileIsItsOwnEntry) {
  MiniHttpServer server([](const std::string&, const std::string& target) {
    return MiniResponse{target.ends_with("/have") ? 200u : 404u};
  });
  const auto vault = std::make_shared<Vault>(io_.get_executor(), options_for(server.url()));
  EXPECT_TRUE(lookup(*vault, "have"));
  EXPECT_FALSE(lookup(*vault, "lack"));
  EXPECT_EQ(vault->requests_sent(), 2u);
}

TEST_F(VaultTest, ASlowVaultCountsAsNotThereWithinItsTimeout) {
  MiniHttpServer server([](const std::string&, const std::string&) {
    MiniResponse slow{200};
    slow.delay = 3s;
    return slow;
  });
  auto options = options_for(server.url());
  options.timeout = 200ms;
  const auto vault = std::make_shared<Vault>(io_.get_executor(), options);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(lookup(*vault, "x", 2s));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST_F(VaultTest, AnAbsentOrFailingVaultMeansServeLocally) {
  MiniHttpServer failing([](const std::string&, const std::string&) { return MiniResponse{500}; });
  Vault broken(io_.get_executor(), options_for(failing.url()));
  EXPECT_FALSE(lookup(broken, "x"));
  // Nothing listens on port 1 of loopback: the connection is refused at once.
  Vault absent(io_.get_executor(), options_for("http://127.0.0.1:1"));
  EXPECT_FALSE(lookup(absent, "x"));
}

// A vault destroyed while its HEAD is in flight (the gateway shutting down) still answers,
// "not there", and touches nothing of itself (under ASan, a use after free otherwise).
TEST_F(VaultTest, AVaultDestroyedWhileItsLookupIsInFlightAnswersNotThere) {
  MiniHttpServer server([](const std::string&, const std::string&) {
    MiniResponse response;
    response.delay = 300ms;
    return response;  // 200: would be a redirect
  });
  auto vault = std::make_shared<Vault>(io_.get_executor(), options_for(server.url()));
  std::promise<std::optional<VaultRedirect>> answer;
  auto future = answer.get_future();
  vault->async_lookup(
      kHash, "file.mkv", io_.get_executor(),
      [&answer](std::optional<VaultRedirect> redirect) { answer.set_value(std::move(redirect)); });
  vault.reset();
  ASSERT_EQ(future.wait_for(5s), std::future_status::ready);
  EXPECT_FALSE(future.get().has_value());
}

}  // namespace
}  // namespace seeder::net
