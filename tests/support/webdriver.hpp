#pragma once
// Browser: a headless Chromium driven over WebDriver (Debian's chromium and chromium-driver),
// for tests that need a real browser. Loopback only: Chromium starts with its background
// networking off and a fresh profile under `scratch`. The session is deleted (Chromium quits)
// and chromedriver stopped by its pid when the Browser is destroyed.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "json_value.hpp"
#include "process.hpp"

namespace seeder::test {

class Browser {
 public:
  static constexpr const char* kChromium = "/usr/bin/chromium";
  static constexpr const char* kDriver = "/usr/bin/chromedriver";
  // Whether both programs are installed (scripts/install-deps.sh --browser).
  static bool available();
  // For a browser test's SetUp: "" when Chromium, chromedriver and ffmpeg are all here, else
  // what is missing. SEEDER_REQUIRE_BROWSER=1 (`required()`) makes that a failure, not a skip.
  static std::string missing_tools();
  static bool required();

  explicit Browser(const std::filesystem::path& scratch);
  ~Browser();
  Browser(const Browser&) = delete;
  Browser& operator=(const Browser&) = delete;

  void open(const std::string& url);
  // Runs `script` in the page and returns what it returns.
  JsonValue run(const std::string& script);
  // Runs `script`, which ends by calling its last argument with the result, within `timeout`.
  JsonValue run_async(const std::string& script, std::chrono::milliseconds timeout);
  // The page as a PNG.
  std::string screenshot_png();

 private:
  // One WebDriver command; its "value", or a throw naming the command's error.
  JsonValue command(const std::string& method, const std::string& path,
                    const std::string& body = {});

  std::uint16_t port_ = 0;
  std::unique_ptr<ChildProcess> driver_;
  std::string session_;
};

}  // namespace seeder::test
