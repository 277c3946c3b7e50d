#include "seeder/http/upload_quota.hpp"

#include <gtest/gtest.h>

namespace seeder::http {
namespace {

using namespace std::chrono_literals;
const auto kStart = UploadQuota::Clock::time_point{} + 1h;

TEST(UploadQuota, ABurstIsTakenThenUploadsComeAtTheSustainedRate) {
  UploadQuota quota({1'000, 1ull << 30, 2.0, 3});
  for (int i = 0; i < 3; ++i)
    EXPECT_FALSE(quota.take(100, kStart)) << i;
  const auto refused = quota.take(100, kStart);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, Errc::too_many_requests);
  EXPECT_TRUE(quota.take(100, kStart + 100ms)) << "a fifth of a token";
  EXPECT_FALSE(quota.take(100, kStart + 600ms)) << "half a second: one more at 2/s";
}

TEST(UploadQuota, TheTotalsOfARunAreCappedAndWhatWasNotKeptIsGivenBack) {
  UploadQuota quota({2, 1'000, 100.0, 100});
  EXPECT_FALSE(quota.take(400, kStart));
  EXPECT_FALSE(quota.take(400, kStart));
  const auto count = quota.take(1, kStart);
  ASSERT_TRUE(count);
  EXPECT_EQ(count->code, Errc::forbidden);
  quota.give_back(400);  // the second was no torrent
  const auto bytes = quota.take(700, kStart);
  ASSERT_TRUE(bytes) << "400 + 700 is over 1,000 bytes";
  EXPECT_FALSE(quota.take(600, kStart));
}

}  // namespace
}  // namespace seeder::http
