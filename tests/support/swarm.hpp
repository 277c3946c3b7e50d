#pragma once
// An in-process loopback swarm for tests and benchmarks: generated content, its torrents
// (v1-only and hybrid, single-file and multi-file), a seeding libtorrent session on 127.0.0.1,
// and gateways started against it with a fresh data dir.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "seeder/torrent/sent_check.hpp"

#include "content.hpp"
#include "seeder/app/config.hpp"
#include "seeder/app/gateway.hpp"
#include "seeder/core/info_hash.hpp"
#include "temp_dir.hpp"

namespace libtorrent {
struct session;
}

namespace seeder::test {

// Polls `done` every few milliseconds until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);

struct TestTorrent {
  std::string name;                          // the torrent's name (first path segment)
  InfoHash hash;                             // seeder's key for it
  std::string torrent_file;                  // .torrent bytes
  std::map<std::string, std::string> files;  // path in torrent -> content

  [[nodiscard]] std::string url(const std::string& path) const;  // "/<hash>/<encoded path>"
};

// Makes a torrent of `content` (a file or a directory) and writes it to `input_dir` as
// `<label>.torrent`. Nobody seeds it until a SeedSession is told to.
TestTorrent build(const std::filesystem::path& content, const std::filesystem::path& input_dir,
                  TorrentSpec spec, const std::string& label);

// A libtorrent session seeding torrents from disk on 127.0.0.1.
class SeedSession {
 public:
  // Listens on 127.0.0.1:`port`; 0: a port of its choosing.
  explicit SeedSession(std::uint16_t port = 0);
  ~SeedSession();
  SeedSession(const SeedSession&) = delete;
  SeedSession& operator=(const SeedSession&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  void seed(const std::string& torrent_file, const std::filesystem::path& save_path);
  // Seeds a torrent from bytes given per file (by index, pad files skipped), written wherever
  // libtorrent puts each file under `save_path` after sanitising and de-duplicating its path.
  void seed_bytes(const std::string& torrent_file, const std::filesystem::path& save_path,
                  const std::vector<std::string>& file_bytes);
  // Caps the upload rate (bytes/s, 0 = none), loopback included: by default libtorrent puts
  // 127.0.0.1 in the unthrottled local peer class, so the global class is forced on everyone.
  void limit_upload(int bytes_per_second);
  // Accepts peers only from `address` and never dials one (trackers are still reached): the
  // seeder of a delayed swarm, reachable through its delay proxy alone.
  void only_reachable_from(const std::string& address);
  // Dials a peer for torrent `hash` (for gateways started without the seeder as a peer).
  void connect(const InfoHash& hash, std::uint16_t port);
  libtorrent::session& native() { return *session_; }

 private:
  std::unique_ptr<libtorrent::session> session_;
  std::uint16_t port_ = 0;
};

struct SwarmOptions {
  std::size_t big_file_size = 6 * 1024 * 1024 + 12345;  // a short last piece
  int piece_size = 32 * 1024;
};

class Swarm {
 public:
  explicit Swarm(SwarmOptions options = {});

  // Single file, v1-only and hybrid.
  [[nodiscard]] const TestTorrent& big_v1() const { return torrents_[0]; }
  [[nodiscard]] const TestTorrent& big_hybrid() const { return torrents_[1]; }
  // A folder with a subfolder, spaces and unicode in names, an empty file; v1-only and hybrid.
  [[nodiscard]] const TestTorrent& multi_v1() const { return torrents_[2]; }
  [[nodiscard]] const TestTorrent& multi_hybrid() const { return torrents_[3]; }
  [[nodiscard]] const std::vector<TestTorrent>& torrents() const { return torrents_; }

  [[nodiscard]] const std::filesystem::path& input_dir() const { return input_dir_; }
  [[nodiscard]] std::filesystem::path root() const { return dir_.path(); }
  SeedSession& seeder() { return seeder_; }

  // A gateway config for this swarm: HTTP on an ephemeral port, BitTorrent on 127.0.0.1 only,
  // no DHT/LSD/UPnP/NAT-PMP, the seeder as extra peer, a fresh data dir.
  [[nodiscard]] app::Config gateway_config();
  std::unique_ptr<app::Gateway> start_gateway(const app::Config& config);

 private:
  TempDir dir_;
  std::filesystem::path input_dir_;
  SeedSession seeder_;
  std::vector<TestTorrent> torrents_;
  int data_dirs_ = 0;
};

// Base for test suites that share one Swarm (built once per suite; ctest runs each test case in
// its own process, so in practice once per test).
class SwarmSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { swarm_ = std::make_unique<Swarm>(); }
  static void TearDownTestSuite() { swarm_.reset(); }
  static Swarm& swarm() { return *swarm_; }

 private:
  static inline std::unique_ptr<Swarm> swarm_;
};

// Base for suites that start a gateway per test on the shared swarm: config_ begins as the
// swarm's gateway_config() (adjust it in SetUp or the test), start() starts the gateway.
class GatewaySuite : public SwarmSuite {
 protected:
  void SetUp() override { config_ = swarm().gateway_config(); }
  // Every response's pieces were hashed again after they were sent (config_.verify_sent): none
  // may have failed.
  void TearDown() override {
    gateway_.reset();
    EXPECT_EQ(torrent::sent_pieces_failed(), 0u)
        << "a piece a response sent bytes from failed its hash afterwards (gateway log)";
  }
  void start() {
    gateway_ = swarm().start_gateway(config_);
    port_ = gateway_->http_port();
  }
  // An --input directory with no torrent in it (shared, never written to).
  static std::filesystem::path empty_input() {
    const auto dir = swarm().root() / "empty-input";
    std::filesystem::create_directories(dir);
    return dir;
  }

  // A torrent of `folder` (content the test wrote under extra_content()), seeded by the swarm
  // and given to the gateway beside the swarm's own (config_.input points to a copy of the
  // swarm's input dir that holds it too). Call before start().
  TestTorrent seed_extra(const std::filesystem::path& folder, const std::string& label);
  [[nodiscard]] std::filesystem::path extra_content() const { return extra_content_.path(); }

  app::Config config_;
  std::unique_ptr<app::Gateway> gateway_;
  std::uint16_t port_ = 0;

 private:
  TempDir extra_content_{"seeder-extra-content"};
  TempDir extra_input_{"seeder-extra-input"};
  bool extra_input_filled_ = false;
};

}  // namespace seeder::test
