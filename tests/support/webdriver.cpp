#include "webdriver.hpp"

#include <cstdlib>

#include <unistd.h>

#include <stdexcept>

#include "http_client.hpp"
#include "seeder/core/json.hpp"

namespace seeder::test {
namespace {

std::string base64_decode(std::string_view text) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    const auto at = kAlphabet.find(c);
    if (at == std::string_view::npos) continue;  // padding, line breaks
    bits = (bits << 6) | static_cast<std::uint32_t>(at);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return out;
}

std::string session_request(const std::filesystem::path& profile) {
  JsonWriter json;
  json.begin_object().key("capabilities").begin_object().key("alwaysMatch").begin_object();
  json.key("browserName").value("chrome").key("goog:chromeOptions").begin_object();
  json.key("binary").value(Browser::kChromium).key("args").begin_array();
  // As the machine's notes say: no sandbox as root, and no background connections (they are
  // refused on this closed network, many at a time).
  for (const char* arg :
       {"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
        "--window-size=1000,760", "--mute-audio"})
    json.value(arg);
  json.value("--user-data-dir=" + profile.string());
  json.end_array().end_object().end_object().end_object().end_object();
  return json.take();
}

std::string script_request(const std::string& script) {
  JsonWriter json;
  json.begin_object()
      .key("script")
      .value(script)
      .key("args")
      .begin_array()
      .end_array()
      .end_object();
  return json.take();
}

}  // namespace

bool Browser::available() {
  return ::access(kChromium, X_OK) == 0 && ::access(kDriver, X_OK) == 0;
}

std::string Browser::missing_tools() {
  if (available() && ::access("/usr/bin/ffmpeg", X_OK) == 0) return {};
  return "needs Chromium, chromedriver and ffmpeg (scripts/install-deps.sh --browser)";
}

bool Browser::required() {
  const char* value = std::getenv("SEEDER_REQUIRE_BROWSER");
  return value != nullptr && std::string(value) == "1";
}

Browser::Browser(const std::filesystem::path& scratch) {
  port_ = free_port();
  driver_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{kDriver, "--port=" + std::to_string(port_),
                               "--allowed-ips=127.0.0.1", "--log-level=WARNING"},
      (scratch / "chromedriver.log").string());
  if (!wait_for_listener(port_, std::chrono::seconds(20)))
    throw std::runtime_error("chromedriver did not start listening");
  const auto created = command("POST", "/session", session_request(scratch / "profile"));
  session_ = created.at("sessionId").string;
  JsonWriter timeouts;
  timeouts.begin_object().key("script").value(60'000).key("pageLoad").value(30'000).end_object();
  command("POST", "/session/" + session_ + "/timeouts", timeouts.take());
}

Browser::~Browser() {
  try {
    if (!session_.empty()) command("DELETE", "/session/" + session_);
  } catch (const std::exception&) {
    // chromedriver is stopped below either way; Chromium is its child.
  }
  driver_.reset();
}

void Browser::open(const std::string& url) {
  JsonWriter json;
  json.begin_object().key("url").value(url).end_object();
  command("POST", "/session/" + session_ + "/url", json.take());
}

JsonValue Browser::run(const std::string& script) {
  return command("POST", "/session/" + session_ + "/execute/sync", script_request(script));
}

JsonValue Browser::run_async(const std::string& script, std::chrono::milliseconds timeout) {
  JsonWriter json;
  json.begin_object().key("script").value(static_cast<std::int64_t>(timeout.count())).end_object();
  command("POST", "/session/" + session_ + "/timeouts", json.take());
  return command("POST", "/session/" + session_ + "/execute/async", script_request(script));
}

std::string Browser::screenshot_png() {
  return base64_decode(command("GET", "/session/" + session_ + "/screenshot").string);
}

JsonValue Browser::command(const std::string& method, const std::string& path,
                           const std::string& body) {
  HttpConnection connection(port_);
  const auto response =
      connection.request(method, path, {{"Content-Type", "application/json"}},
                         std::chrono::seconds(90), body.empty() && method == "POST" ? "{}" : body);
  const auto json = parse_json(response.body);
  if (response.status != 200u) {
    throw std::runtime_error("webdriver " + method + " " + path + ": " +
                             std::to_string(response.status) + " " + response.body.substr(0, 400));
  }
  return json.at("value");
}

}  // namespace seeder::test
