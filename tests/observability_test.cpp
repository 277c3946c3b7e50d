// Probes and Prometheus metrics over real HTTP: the exposition parses, counters move with
// requests, probes answer while a slow stream is running, both services can be switched off.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "http_client.hpp"
#include "seeder/torrent/registry.hpp"
#include "swarm.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

// A strict reader of the Prometheus text format: every family has HELP and TYPE before its
// samples, names are valid, counters end in _total, histograms have cumulative buckets ending
// in +Inf plus _sum and _count. Throws on anything else.
class Exposition {
 public:
  explicit Exposition(const std::string& text) {
    static const std::regex kSample(
        R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"]*")*)?\})? (\S+)$)");
    std::istringstream lines(text);
    std::string line;
    std::string family;
    while (std::getline(lines, line)) {
      if (line.rfind("# HELP ", 0) == 0) {
        family = line.substr(7, line.find(' ', 7) - 7);
        helped_.insert(family);
        continue;
      }
      if (line.rfind("# TYPE ", 0) == 0) {
        std::istringstream words(line.substr(7));
        std::string name, type;
        words >> name >> type;
        if (name != family) throw std::runtime_error("TYPE without HELP: " + line);
        if (type != "counter" && type != "gauge" && type != "histogram")
          throw std::runtime_error("unknown type: " + line);
        if (type == "counter" && !ends_with(name, "_total"))
          throw std::runtime_error("counter without _total: " + name);
        types_[name] = type;
        continue;
      }
      std::smatch match;
      if (!std::regex_match(line, match, kSample)) throw std::runtime_error("bad line: " + line);
      const auto name = match[1].str();
      if (name.rfind(family, 0) != 0)
        throw std::runtime_error("sample outside its family: " + line);
      samples_[name + match[2].str()] = std::stod(match[5].str());
    }
    for (const auto& [name, type] : types_) {
      if (type == "histogram" && (!has(name + "_bucket{le=\"+Inf\"}") || !has(name + "_count")))
        throw std::runtime_error("histogram without +Inf or _count: " + name);
    }
  }

  [[nodiscard]] bool has(const std::string& series) const { return samples_.count(series) != 0; }
  // A series' value ("name{labels}" exactly as rendered); 0 when absent.
  [[nodiscard]] double value(const std::string& series) const {
    const auto it = samples_.find(series);
    return it == samples_.end() ? 0 : it->second;
  }
  [[nodiscard]] const std::map<std::string, std::string>& types() const { return types_; }

 private:
  static bool ends_with(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  std::set<std::string> helped_;
  std::map<std::string, std::string> types_;
  std::map<std::string, double> samples_;
};

class ObservabilityTest : public GatewaySuite {
 protected:
  Exposition scrape() {
    const auto response = http_get(gateway_->metrics_port(), "/metrics");
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    return Exposition(response.body);
  }
};

TEST_F(ObservabilityTest, MetricsParseAndMoveWithRequests) {
  start();
  const auto before = scrape();
  for (const char* name :
       {"torrent_web_seeder_active_torrents_count", "torrent_web_seeder_established_connections",
        "torrent_web_seeder_time_to_first_byte_ms",
        "torrent_web_seeder_stall_download_seconds_total", "torrent_web_seeder_cache_bytes_used",
        "torrent_web_seeder_cache_evictions_total", "seeder_http_requests_total",
        "seeder_http_time_to_first_byte_seconds", "seeder_downloaded_bytes_total",
        "seeder_uploaded_bytes_total", "seeder_peers", "seeder_pieces_completed_total",
        "seeder_resyncs_total", "seeder_sqlite_errors_total", "seeder_urgent_requests_total",
        "seeder_urgent_requests_first_total", "seeder_redundant_bytes_total"})
    EXPECT_EQ(before.types().count(name), 1u) << name;
  EXPECT_EQ(before.value("torrent_web_seeder_active_torrents_count"), 0);

  const auto& torrent = swarm().big_v1();
  const auto& bytes = torrent.files.at(torrent.name);
  const auto port = gateway_->http_port();
  ASSERT_EQ(http_get(port, torrent.url(torrent.name)).status, 200u);
  EXPECT_EQ(http_get(port, torrent.url("missing")).status, 404u);

  // libtorrent's figures arrive with its next report (about a second).
  ASSERT_TRUE(wait_until(
      [&] {
        return scrape().value("seeder_downloaded_bytes_total") >= static_cast<double>(bytes.size());
      },
      10s));
  const auto after = scrape();
  EXPECT_EQ(after.value("seeder_http_requests_total{route=\"file\",status=\"200\"}"), 1);
  EXPECT_EQ(after.value("seeder_http_requests_total{route=\"file\",status=\"404\"}"), 1);
  // The file's bytes plus the 404's short body.
  EXPECT_GE(after.value("seeder_http_response_bytes_total{route=\"file\"}"),
            static_cast<double>(bytes.size()));
  EXPECT_LT(after.value("seeder_http_response_bytes_total{route=\"file\"}"),
            static_cast<double>(bytes.size()) + 200);
  EXPECT_EQ(after.value("seeder_http_time_to_first_byte_seconds_count"), 1);
  EXPECT_EQ(after.value("torrent_web_seeder_time_to_first_byte_ms_count"), 1);
  EXPECT_EQ(after.value("torrent_web_seeder_active_torrents_count"), 1);
  EXPECT_EQ(after.value("seeder_pieces_completed_total"), 193);  // every piece of the file
  EXPECT_EQ(after.value("torrent_web_seeder_cache_pieces_count"), 193);
  EXPECT_EQ(after.value("torrent_web_seeder_cache_bytes_used"), static_cast<double>(bytes.size()));
  EXPECT_EQ(after.value("seeder_sqlite_errors_total"), 0);
}

TEST_F(ObservabilityTest, ProbesAnswerWhileASlowStreamRuns) {
  start();
  const auto probe = gateway_->probe_port();
  ASSERT_NE(probe, 0);
  swarm().seeder().limit_upload(512 * 1024);
  const auto& torrent = swarm().big_v1();
  std::thread slow([&] {
    try {
      http_request(gateway_->http_port(), "GET", torrent.url(torrent.name), {}, 4s);
    } catch (const std::exception&) {
      // cut off by the timeout: it was meant to be slow
    }
  });
  // The probes are asked while the stream is running, not before it starts. (No ASSERT while
  // the client thread runs: it must be joined and the seeder's cap lifted either way.)
  const bool streaming = wait_until(
      [&] {
        const auto live = gateway_->registry().find(torrent.hash);
        return live && live->readers() > 0;
      },
      10s);
  EXPECT_TRUE(streaming) << "the slow stream never started";
  for (int i = 0; streaming && i < 5; ++i) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(http_request(probe, "GET", "/liveness", {}, 2s).status, 200u);
    const auto ready = http_request(probe, "GET", "/readiness", {}, 2s);
    EXPECT_EQ(ready.status, 200u) << ready.body;
    EXPECT_EQ(http_request(gateway_->metrics_port(), "GET", "/metrics", {}, 2s).status, 200u);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
  }
  EXPECT_EQ(http_get(probe, "/nothing").status, 404u);
  EXPECT_EQ(http_request(probe, "POST", "/liveness").status, 405u);
  slow.join();
  swarm().seeder().limit_upload(0);
}

TEST_F(ObservabilityTest, SideServicesCanBeSwitchedOff) {
  config_.probe = false;
  config_.metrics = false;
  start();
  EXPECT_EQ(gateway_->probe_port(), 0);
  EXPECT_EQ(gateway_->metrics_port(), 0);
  EXPECT_EQ(http_get(gateway_->http_port(), "/").status, 200u);
}

}  // namespace
}  // namespace seeder::test
