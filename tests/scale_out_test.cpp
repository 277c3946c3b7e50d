// Several gateways behind real nginx, with the shipped deploy/nginx/seeder.conf: three seeder
// binaries on loopback, one in-process seeding session with 12 torrents, nginx in front. Each
// hash sticks to one instance; a range and an event stream pass through intact and unbuffered;
// when an instance stops only its hashes move (the others' caches stay warm: the swarm uploads
// nothing more for them), and they come back with it. Skipped, saying why, where nginx cannot
// run.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include <libtorrent/session.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_status.hpp>

#include "content.hpp"
#include "http_client.hpp"
#include "nginx_balancer.hpp"
#include "process.hpp"
#include "sse.hpp"
#include "swarm.hpp"
#include "temp_dir.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

// Enough that every instance gets some hashes on any ring (the ports, and so the ring, differ
// from run to run): with 24, one instance gets none about once in 5,000 runs.
constexpr int kTorrents = 24;
constexpr int kInstances = 3;

class ScaleOutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (nginx_binary().empty())
      GTEST_SKIP() << "nginx is not installed (scripts/install-deps.sh --test)";
    for (int i = 0; i < kTorrents; ++i) {
      const auto name = "t" + std::to_string(i) + ".bin";
      write_file(content_ / name, random_bytes(96 * 1024 + i * 1000, 100 + i));
      torrents_.push_back(build(content_ / name, input_.path(), {}, "t" + std::to_string(i)));
      seeder_.seed(torrents_.back().torrent_file, content_.path());
    }
    ASSERT_TRUE(wait_until([&] { return seeding() == kTorrents; }, 20s));
    for (int i = 0; i < kInstances; ++i) {
      ports_.push_back(free_port());
      start_instance(i);
    }
    start_nginx();
  }
  void TearDown() override {
    for (auto& instance : instances_)
      instance.reset();
    nginx_.reset();
  }

  int seeding() {
    int count = 0;
    for (const auto& torrent : torrents_) {
      const auto handle = seeder_.native().find_torrent(lt_hash(torrent));
      count += handle.is_valid() && handle.status().is_seeding ? 1 : 0;
    }
    return count;
  }
  static libtorrent::sha1_hash lt_hash(const TestTorrent& torrent) {
    return libtorrent::sha1_hash(torrent.hash.raw().data());
  }
  std::int64_t uploaded(const TestTorrent& torrent) {
    return seeder_.native().find_torrent(lt_hash(torrent)).status().total_payload_upload;
  }

  void start_instance(int i) {
    const auto name = "seeder-" + std::to_string(i);
    auto args = loopback_serve_args(SEEDER_BINARY, ports_[i], input_.path().string(),
                                    (data_ / name).string(),
                                    {"--peer", "127.0.0.1:" + std::to_string(seeder_.port()),
                                     "--instance-name", name, "--log-level", "warn"});
    instances_.resize(kInstances);
    instances_[i] = std::make_unique<ChildProcess>(args, (logs_ / (name + ".log")).string());
    ASSERT_TRUE(wait_for_listener(ports_[i], 20s)) << name << " did not start";
  }

  // The shipped seeder.conf, with a 1 s fail_timeout so a returning instance is tried soon.
  void start_nginx() {
    try {
      nginx_ =
          std::make_unique<NginxBalancer>(SEEDER_DEPLOY_DIR, ports_, nginx_dir_ / "nginx", "1s");
    } catch (const NginxConfigRejected& error) {
      FAIL() << "the shipped deploy/nginx/seeder.conf is broken: " << error.what();
    } catch (const std::runtime_error& error) {
      GTEST_SKIP() << "nginx cannot run here: " << error.what();
    }
    port_ = nginx_->port();
  }

  // Which instance answers for `torrent` through nginx, from a request for its page.
  std::string instance_for(const TestTorrent& torrent) {
    const auto response = http_get(port_, "/" + torrent.hash.hex() + "/");
    EXPECT_EQ(response.status, 200u) << response.body;
    return response.header("x-seeder-instance");
  }
  std::map<std::string, std::string> placement() {
    std::map<std::string, std::string> where;
    for (const auto& torrent : torrents_)
      where[torrent.hash.hex()] = instance_for(torrent);
    return where;
  }
  void fetch_all() {
    for (const auto& torrent : torrents_) {
      const auto response = http_get(port_, torrent.url(torrent.name));
      ASSERT_EQ(response.status, 200u) << response.body;
      ASSERT_TRUE(response.body == torrent.files.at(torrent.name));
    }
  }

  TempDir content_{"seeder-content"};
  TempDir input_{"seeder-input"};
  TempDir data_{"seeder-data"};
  TempDir logs_{"seeder-logs"};
  TempDir nginx_dir_{"seeder-nginx"};
  SeedSession seeder_;
  std::vector<TestTorrent> torrents_;
  std::vector<std::uint16_t> ports_;
  std::vector<std::unique_ptr<ChildProcess>> instances_;
  std::unique_ptr<NginxBalancer> nginx_;
  std::uint16_t port_ = 0;
};

TEST_F(ScaleOutTest, EachHashSticksToOneInstanceAndEveryInstanceGetsSome) {
  const auto first = placement();
  std::set<std::string> used;
  for (const auto& [hash, instance] : first) {
    ASSERT_FALSE(instance.empty()) << "no X-Seeder-Instance for " << hash;
    used.insert(instance);
  }
  EXPECT_EQ(used.size(), static_cast<std::size_t>(kInstances)) << "an instance got no hash";
  for (int round = 0; round < 3; ++round)
    EXPECT_EQ(placement(), first) << "a hash moved";
  // The header route (X-Info-Hash) lands where the path does.
  const auto& torrent = torrents_.front();
  const auto by_header = http_get(port_, "/" + torrent.name, {{"X-Info-Hash", torrent.hash.hex()}});
  EXPECT_EQ(by_header.status, 200u);
  EXPECT_EQ(by_header.header("x-seeder-instance"), first.at(torrent.hash.hex()));
}

TEST_F(ScaleOutTest, ARangeAndAnEventStreamPassThroughIntactAndUnbuffered) {
  const auto& torrent = torrents_[3];
  const auto& bytes = torrent.files.at(torrent.name);
  const auto range = http_get(port_, torrent.url(torrent.name), {{"Range", "bytes=1000-40999"}});
  ASSERT_EQ(range.status, 206u) << range.body;
  EXPECT_EQ(range.header("content-range"), "bytes 1000-40999/" + std::to_string(bytes.size()));
  EXPECT_TRUE(range.body == bytes.substr(1000, 40'000)) << "a wrong byte through nginx";

  const auto started = std::chrono::steady_clock::now();
  SseStream stats(port_, torrent.url(torrent.name) + "?stats");
  ASSERT_EQ(stats.status(), 200u);
  const auto frame = stats.next(5s);
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(frame);
  EXPECT_LT(waited, 1s) << "the first ?stats frame was held back";
}

TEST_F(ScaleOutTest, AStoppedInstancesHashesMoveAndNoOtherDoesThenTheyComeBack) {
  fetch_all();  // every torrent complete on its instance
  const auto before = placement();
  // The instance with the most hashes: whatever the ring, some of them move.
  std::map<std::string, int> counts;
  for (const auto& [hash, instance] : before)
    ++counts[instance];
  const auto busiest = std::max_element(counts.begin(), counts.end(), [](auto& a, auto& b) {
                         return a.second < b.second;
                       })->first;
  const std::string stopped = busiest;
  const int index = std::stoi(stopped.substr(stopped.find('-') + 1));
  instances_[static_cast<std::size_t>(index)]->stop();

  std::map<std::string, std::int64_t> uploaded_before;
  for (const auto& torrent : torrents_)
    uploaded_before[torrent.hash.hex()] = uploaded(torrent);
  int moved = 0;
  for (const auto& torrent : torrents_) {
    const auto hex = torrent.hash.hex();
    const auto response = http_get(port_, torrent.url(torrent.name));
    ASSERT_EQ(response.status, 200u) << hex << ": " << response.body;
    EXPECT_TRUE(response.body == torrent.files.at(torrent.name));
    const auto now = response.header("x-seeder-instance");
    if (before.at(hex) == stopped) {
      EXPECT_NE(now, stopped);
      ++moved;
    } else {
      EXPECT_EQ(now, before.at(hex)) << hex << " moved although its instance is up";
    }
  }
  EXPECT_GT(moved, 0);
  // The swarm's own count (its upload counters refresh about once a second): torrents that
  // stayed were served from their instance's disk, those that moved were fetched again.
  std::this_thread::sleep_for(1100ms);
  for (const auto& torrent : torrents_) {
    const auto hex = torrent.hash.hex();
    const auto fetched = uploaded(torrent) - uploaded_before.at(hex);
    if (before.at(hex) == stopped) {
      EXPECT_GT(fetched, 0) << hex << " moved: its new instance fetches it";
    } else {
      EXPECT_EQ(fetched, 0) << hex << " stayed, but was fetched from the swarm again";
    }
  }

  start_instance(index);
  std::this_thread::sleep_for(1100ms);  // nginx's fail_timeout here: it tries the instance again
  EXPECT_TRUE(wait_until([&] { return placement() == before; }, 10s))
      << "the returning instance's hashes did not come back";
}

}  // namespace
}  // namespace seeder::test
