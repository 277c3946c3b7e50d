// FdBudget: the process's descriptors shared out between HTTP, peers and open content files.
#include "seeder/app/fd_budget.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace seeder::app {
namespace {

TEST(FdBudgetTest, ADefaultLimitIsSharedOutAndFullyUsed) {
  const auto budget = fd_budget(1024);
  EXPECT_EQ(budget.limit, 1024u);
  EXPECT_EQ(budget.peer_connections, 232);  // a quarter of the 928 left after the reserve
  EXPECT_EQ(budget.open_files, 116u);       // an eighth
  EXPECT_EQ(budget.http_connections, 290);  // two descriptors each out of the other 580
}

TEST(FdBudgetTest, AHugeLimitIsCappedForEachUse) {
  const auto budget = fd_budget(1u << 20);
  EXPECT_EQ(budget.peer_connections, 400);
  EXPECT_EQ(budget.open_files, 128u);
  EXPECT_EQ(budget.http_connections, 16384);
}

TEST(FdBudgetTest, ATinyLimitStillLeavesEveryUseAFloor) {
  for (const std::uint64_t limit : {0u, 64u, 96u, 97u}) {
    const auto budget = fd_budget(limit);
    EXPECT_EQ(budget.peer_connections, 8) << limit;
    EXPECT_EQ(budget.open_files, 8u) << limit;
    EXPECT_EQ(budget.http_connections, 8) << limit;
  }
}

TEST(FdBudgetTest, NoShareOfAModestLimitOverdrawsIt) {
  for (std::uint64_t limit = 256; limit <= 200'000; limit = limit * 3 / 2) {
    const auto budget = fd_budget(limit);
    const auto used = 96 + static_cast<std::uint64_t>(budget.peer_connections) + budget.open_files +
                      2 * static_cast<std::uint64_t>(budget.http_connections);
    EXPECT_LE(used, limit) << limit;
  }
}

TEST(FdBudgetTest, AGivenHttpConnectionLimitOverridesItsShareOnly) {
  const auto budget = fd_budget(1024, 50);
  EXPECT_EQ(budget.http_connections, 50);
  EXPECT_EQ(budget.peer_connections, fd_budget(1024).peer_connections);
  EXPECT_EQ(budget.open_files, fd_budget(1024).open_files);
}

TEST(FdBudgetTest, TheSoftLimitIsRaisedToTheHardLimit) {
  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &before), 0);
  if (before.rlim_max <= 256) GTEST_SKIP() << "a hard limit this low leaves nothing to raise";
  // Lowered first (anyone may), so that there is something to raise.
  rlimit lowered = before;
  lowered.rlim_cur = 256;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lowered), 0);
  EXPECT_EQ(current_fd_limit(), 256u);
  const auto raised = raise_fd_limit();
  EXPECT_EQ(raised, static_cast<std::uint64_t>(before.rlim_max));
  EXPECT_EQ(current_fd_limit(), raised);
  ::setrlimit(RLIMIT_NOFILE, &before);
}

}  // namespace
}  // namespace seeder::app
