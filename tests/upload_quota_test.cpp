#include "seeder/http/upload_quota.hpp"

#include <gtest/gtest.h>

namespace seeder::http {
namespace {

using namespace std::chrono_literals;
const auto kStart = UploadQuota::Clock::time_point{} + 1h;

UploadQuota::Limits wide_per_client(UploadQuota::Share all) {
  return {all, {1'000'000, 1ull << 40, 1'000.0, 1'000}};
}

TEST(UploadQuota, ABurstIsTakenThenUploadsComeAtTheSustainedRate) {
  UploadQuota quota(wide_per_client({1'000, 1ull << 30, 2.0, 3}));
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(quota.take("10.0.0.1", 100, kStart)) << i;
  const auto refused = quota.take("10.0.0.2", 100, kStart);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, Errc::too_many_requests);
  EXPECT_TRUE(quota.take("10.0.0.1", 100, kStart + 100ms)) << "a fifth of a token";
  EXPECT_FALSE(quota.take("10.0.0.1", 100, kStart + 600ms)) << "half a second: one more at 2/s";
}

TEST(UploadQuota, TheTotalsOfARunAreCappedAndWhatWasNotKeptIsGivenBack) {
  UploadQuota quota(wide_per_client({2, 1'000, 100.0, 100}));
  EXPECT_FALSE(quota.take("a", 400, kStart));
  EXPECT_FALSE(quota.take("b", 400, kStart));
  const auto count = quota.take("c", 1, kStart);
  ASSERT_TRUE(count);
  EXPECT_EQ(count->code, Errc::forbidden);
  quota.give_back("b", 400);  // the second was no torrent
  const auto bytes = quota.take("c", 700, kStart);
  ASSERT_TRUE(bytes) << "400 + 700 is over 1,000 bytes";
  EXPECT_FALSE(quota.take("c", 600, kStart));
}

// One address may not use up what everyone may add, nor take the burst of the others.
TEST(UploadQuota, OneClientHasItsOwnShareAndOthersStillGetTheirs) {
  UploadQuota quota({{100, 1ull << 30, 100.0, 100}, {3, 1'000, 1.0, 2}});
  EXPECT_FALSE(quota.take("greedy", 10, kStart));
  EXPECT_FALSE(quota.take("greedy", 10, kStart));
  const auto fast = quota.take("greedy", 10, kStart);
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->code, Errc::too_many_requests) << "its burst is spent";
  EXPECT_FALSE(quota.take("greedy", 10, kStart + 1s));
  const auto many = quota.take("greedy", 10, kStart + 10s);
  ASSERT_TRUE(many);
  EXPECT_EQ(many->code, Errc::forbidden) << "its three of the run are taken";
  EXPECT_FALSE(quota.take("polite", 10, kStart + 10s)) << "another address is not held back";
  const auto big = quota.take("polite", 991, kStart + 11s);
  ASSERT_TRUE(big);
  EXPECT_EQ(big->code, Errc::forbidden) << "10 + 991 is over its 1,000 bytes";
}

// A client whose bad uploads were all given back keeps its rate; idle ones are forgotten
// once there are many.
TEST(UploadQuota, GivenBackUploadsStillCountAgainstTheRateAndIdleClientsAreForgotten) {
  UploadQuota quota({{2, 1ull << 30, 1e9, 1'000'000'000}, {3, 1'000, 1.0, 2}});
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(quota.take("bad", 10, kStart));
    quota.give_back("bad", 10);
  }
  const auto fast = quota.take("bad", 10, kStart);
  ASSERT_TRUE(fast) << "giving back does not give the burst back";
  EXPECT_EQ(fast->code, Errc::too_many_requests);
  for (std::size_t i = 0; i < UploadQuota::kMaxIdleClients + 10; ++i) {
    const auto client = "10.1." + std::to_string(i);
    EXPECT_FALSE(quota.take(client, 1, kStart)) << i;
    quota.give_back(client, 1);
  }
  EXPECT_LE(quota.clients(), 2 + UploadQuota::kMaxIdleClients);
}

}  // namespace
}  // namespace seeder::http
