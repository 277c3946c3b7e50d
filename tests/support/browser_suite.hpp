#pragma once
// BrowserSuite: a GatewaySuite for tests that drive headless Chromium. Skipped where Chromium,
// chromedriver or ffmpeg is missing, unless SEEDER_REQUIRE_BROWSER=1 makes that a failure.

#include <gtest/gtest.h>

#include "swarm.hpp"
#include "webdriver.hpp"

namespace seeder::test {

class BrowserSuite : public GatewaySuite {
 protected:
  void SetUp() override {
    GatewaySuite::SetUp();
    if (const auto missing = Browser::missing_tools(); !missing.empty()) {
      if (Browser::required()) GTEST_FAIL() << missing;
      GTEST_SKIP() << missing;
    }
  }
};

}  // namespace seeder::test
