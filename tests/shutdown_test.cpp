// Shutdown with work in flight (issue 10, item 12): gateways stopped while downloads, readers,
// ?stats streams and disk jobs are under way, many times over. Run under the sanitizer build
// too, where a stop that races libtorrent's threads shows up as a crash. A stop that hangs
// fails with the number of rounds that completed rather than hanging the suite.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "http_client.hpp"
#include "swarm.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

class ShutdownTest : public SwarmSuite {};

TEST_F(ShutdownTest, StoppingWithDownloadsReadersAndStreamsInFlightNeverHangsOrCrashes) {
  constexpr int kRounds = 6;
  swarm().seeder().limit_upload(8 << 20);  // downloads stay in flight for a while
  const auto& big = swarm().big_v1();
  const auto& multi = swarm().multi_hybrid();
  int completed = 0;
  for (int round = 0; round < kRounds; ++round) {
    auto config = swarm().gateway_config();
    config.per_torrent_cache_budget = round % 2 == 0 ? 0 : (2ull << 20);
    config.max_readahead = 1ull << 20;
    auto gateway = swarm().start_gateway(config);
    const auto port = gateway->http_port();
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    const auto client = [&](std::string target, Headers headers) {
      return [&, target = std::move(target), headers = std::move(headers)] {
        for (int i = 0; i < 50 && !stop; ++i) {
          try {
            http_request(port, "GET", target, headers, 10s);
          } catch (const std::exception&) {
            // the gateway went away mid-response: expected here
          }
        }
      };
    };
    clients.emplace_back(client(big.url(big.name), {}));
    clients.emplace_back(client(big.url(big.name), {{"Range", "bytes=3000000-"}}));
    clients.emplace_back(client(multi.url("Multi Folder/video.mkv"), {}));
    clients.emplace_back(client(big.url(big.name) + "?stats", {}));
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + 100 * round));  // mid-transfer

    auto stopped = std::async(std::launch::async, [&] { gateway.reset(); });
    ASSERT_EQ(stopped.wait_for(30s), std::future_status::ready)
        << "the gateway did not stop within 30 s in round " << round << " (" << completed
        << " rounds done)";
    stop = true;
    for (auto& thread : clients)
      thread.join();
    ++completed;
  }
  swarm().seeder().limit_upload(0);
  EXPECT_EQ(completed, kRounds);
}

}  // namespace
}  // namespace seeder::test
