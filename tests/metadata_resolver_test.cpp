// MetadataResolver with real libtorrent sessions on loopback: magnet links parsed, a hash
// resolved through a remembered magnet's peer (waiters share one resolution), one nobody has
// timed out, and shutdown failing what is pending. The HTTP side is magnet_test's.
#include <gtest/gtest.h>

#include <unistd.h>

#include <sys/socket.h>

#include <netinet/in.h>

#include <atomic>
#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <libtorrent/alert.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_status.hpp>

#include "content.hpp"
#include "seeder/storage/content_path.hpp"
#include "seeder/torrent/metadata_resolver.hpp"
#include "swarm.hpp"
#include "temp_dir.hpp"

namespace seeder::torrent {
namespace {

using namespace std::chrono_literals;
using test::TempDir;

TEST(ParseMagnet, TakesTheHashNameTrackersAndPeers) {
  const auto magnet = parse_magnet(
      "magnet:?xt=urn:btih:c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd&dn=Some%20Show"
      "&tr=http%3A%2F%2F127.0.0.1%3A8000%2Fannounce&x.pe=127.0.0.1:6881");
  ASSERT_TRUE(magnet) << magnet.error().message;
  EXPECT_EQ(magnet->hash.hex(), "c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd");
  EXPECT_EQ(magnet->name, "Some Show");
  EXPECT_EQ(magnet->trackers, (std::vector<std::string>{"http://127.0.0.1:8000/announce"}));
  ASSERT_EQ(magnet->peers.size(), 1u);
  EXPECT_EQ(magnet->peers[0].port(), 6881);
}

TEST(ParseMagnet, ABase32HashIsTheSameHash) {
  const auto magnet = parse_magnet("magnet:?xt=urn:btih:YM2BHDXVX7BNK2HKOMSOBYVDU7WCFG65");
  ASSERT_TRUE(magnet) << magnet.error().message;
  EXPECT_EQ(magnet->hash.hex(), "c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd");
}

TEST(ParseMagnet, WhatIsNoUsableMagnetIsABadRequest) {
  for (const char* bad :
       {"", "http://example.com/x.torrent", "magnet:?dn=no-hash", "magnet:?xt=urn:btih:nothex"}) {
    const auto magnet = parse_magnet(bad);
    ASSERT_FALSE(magnet) << bad;
    EXPECT_EQ(magnet.error().code, Errc::bad_request) << bad;
  }
}

// A resolver on its own session, whose alerts a pump thread hands it, as the Session does.
class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_file(content_ / "film.bin", test::random_bytes(200'000, 7));
    torrent_ = test::build(content_ / "film.bin", input_.path(), {}, "film");
    seeder_.seed(torrent_.torrent_file, content_.path());
    // A peer that refuses the hash (not added yet) is not dialled again for a minute.
    ASSERT_TRUE(test::wait_until(
        [&] {
          const auto handle =
              seeder_.native().find_torrent(libtorrent::sha1_hash(torrent_.hash.raw().data()));
          return handle.is_valid() && handle.status().is_seeding;
        },
        10s));
    pump_ = std::thread([this] { pump(); });
  }
  void TearDown() override {
    stop_ = true;
    pump_.join();
    live_ = nullptr;
    // The io thread first: a timer handler already queued would otherwise run on a resolver
    // that is gone (the Gateway joins its threads before destroying the resolver, too).
    work_.reset();
    io_.stop();
    io_thread_.join();
    resolver_.reset();
  }
  void pump() {
    for (int round = 0; !stop_ && round < 10'000; ++round) {
      if (hold_alerts_) {
        alerts_held_ = true;
        std::this_thread::sleep_for(10ms);
        continue;
      }
      client_.native().wait_for_alert(50ms);
      if (hold_alerts_) continue;  // set during the wait: the alerts stay queued
      std::vector<libtorrent::alert*> alerts;
      client_.native().pop_alerts(&alerts);
      auto* resolver = live_.load();
      for (const auto* alert : alerts)
        if (resolver != nullptr) resolver->on_alert(*alert);
    }
  }
  void make_resolver(std::chrono::milliseconds timeout, bool allow_private_peers = true,
                     int new_per_client_per_hour = 60) {
    ResolverOptions options;
    options.timeout = timeout;
    options.new_per_client_per_hour = new_per_client_per_hour;
    options.data_dir = data_.path();
    options.allow_private_peers = allow_private_peers;  // the test swarm is on loopback
    resolver_ =
        std::make_unique<MetadataResolver>(client_.native(), catalog_, io_.get_executor(), options);
    live_ = resolver_.get();
  }
  std::future<Result<EntryPtr>> resolve(const InfoHash& hash,
                                        const std::string& client = "127.0.0.1") {
    auto answer = std::make_shared<std::promise<Result<EntryPtr>>>();
    resolver_->async_resolve(hash, client, io_.get_executor(),
                             [answer](Result<EntryPtr> entry) { answer->set_value(entry); });
    return answer->get_future();
  }
  std::string magnet_of(const test::TestTorrent& torrent) const {
    return "magnet:?xt=urn:btih:" + torrent.hash.hex() +
           "&x.pe=127.0.0.1:" + std::to_string(seeder_.port());
  }

  TempDir content_{"seeder-content"};
  TempDir input_{"seeder-input"};
  TempDir data_{"seeder-data"};
  test::TestTorrent torrent_;
  test::SeedSession seeder_;
  test::SeedSession client_;
  Catalog catalog_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::thread io_thread_{[this] { io_.run(); }};
  std::unique_ptr<MetadataResolver> resolver_;
  std::atomic<MetadataResolver*> live_{nullptr};  // what the pump hands alerts to
  std::atomic<bool> stop_{false};
  std::atomic<bool> hold_alerts_{false};  // the metadata may not arrive while set
  std::atomic<bool> alerts_held_{false};  // the pump saw hold_alerts_ and delivers nothing
  std::thread pump_;
};

TEST_F(ResolverTest, ARememberedMagnetsPeerGivesTheMetadataToEveryWaiterOnce) {
  make_resolver(20s);
  const auto magnet = parse_magnet(magnet_of(torrent_));
  ASSERT_TRUE(magnet);
  resolver_->remember(*magnet);
  hold_alerts_ = true;  // on loopback the metadata can arrive before the second waiter asks
  ASSERT_TRUE(test::wait_until([&] { return alerts_held_.load(); }, 5s));
  auto first = resolve(torrent_.hash);
  auto second = resolve(torrent_.hash);
  EXPECT_EQ(resolver_->resolving(), 1u) << "one resolution for both waiters";
  hold_alerts_ = false;
  for (auto* waiter : {&first, &second}) {
    ASSERT_EQ(waiter->wait_for(20s), std::future_status::ready);
    const auto entry = waiter->get();
    ASSERT_TRUE(entry) << entry.error().message;
    EXPECT_EQ((*entry)->meta->hash(), torrent_.hash);
  }
  EXPECT_TRUE(catalog_.find(torrent_.hash));
  EXPECT_TRUE(std::filesystem::exists(storage::torrent_dir(data_.path(), torrent_.hash) /
                                      "source.torrent"));
  EXPECT_TRUE(test::wait_until([&] { return resolver_->resolving() == 0; }, 5s));
  EXPECT_EQ(resolver_->remembered(), 0u) << "a resolved hash needs its hint no more";
}

// A stranger's magnet named x.pe=127.0.0.1:2222 and the gateway made 11 connections there.
// Without --allow-private-peers such a peer is never dialled; with it, it is.
TEST_F(ResolverTest, AMagnetsPeerOnAPrivateAddressIsDialledOnlyWhenAllowed) {
  for (const bool allowed : {false, true}) {
    const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener, 16), 0);
    socklen_t length = sizeof address;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    // libtorrent dials over uTP first: a datagram to the same port counts as a dial too.
    const int datagrams = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    ASSERT_EQ(::bind(datagrams, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    make_resolver(1500ms, allowed);
    const auto random = test::random_bytes(20, allowed ? 41 : 42);
    const auto hash = *InfoHash::from_raw(random);
    const auto magnet = parse_magnet("magnet:?xt=urn:btih:" + hash.hex() +
                                     "&x.pe=127.0.0.1:" + std::to_string(ntohs(address.sin_port)));
    ASSERT_TRUE(magnet);
    resolver_->remember(*magnet);
    auto answer = resolve(hash);
    ASSERT_EQ(answer.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(answer.get().error().code, Errc::timeout);
    const int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    char datagram[2048];
    const bool dialled =
        accepted >= 0 || ::recv(datagrams, datagram, sizeof datagram, MSG_DONTWAIT) > 0;
    EXPECT_EQ(dialled, allowed) << (allowed ? "allowed, yet never dialled" : "dialled");
    if (accepted >= 0) ::close(accepted);
    ::close(datagrams);
    ::close(listener);
  }
}

// 2,000 random-hash lookups were all accepted in 0.7 s: each adds a torrent to the session.
// Each client may start a few; all of them together, a few more.
TEST_F(ResolverTest, LookupsAtOnceAreCappedPerClientAndInAll) {
  make_resolver(20s);
  auto random_hash = [seed = 100]() mutable {
    return *InfoHash::from_raw(test::random_bytes(20, seed++));
  };
  std::vector<InfoHash> mine;
  std::vector<std::future<Result<EntryPtr>>> answers;
  for (std::size_t i = 0; i < MetadataResolver::kMaxResolvingPerClient; ++i) {
    mine.push_back(random_hash());
    answers.push_back(resolve(mine.back(), "192.0.2.1"));
  }
  auto greedy = resolve(random_hash(), "192.0.2.1");
  ASSERT_EQ(greedy.wait_for(5s), std::future_status::ready) << "refused at once";
  const auto too_many = greedy.get();
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code, Errc::too_many_requests);
  answers.push_back(resolve(mine.front(), "192.0.2.1"));
  EXPECT_NE(answers.back().wait_for(200ms), std::future_status::ready)
      << "waiting for a lookup under way is not a new one";

  for (std::size_t i = MetadataResolver::kMaxResolvingPerClient;
       i < MetadataResolver::kMaxResolving; ++i)
    answers.push_back(resolve(random_hash(), "198.51.100." + std::to_string(i)));
  EXPECT_EQ(resolver_->resolving(), MetadataResolver::kMaxResolving);
  auto over = resolve(random_hash(), "203.0.113.9");
  ASSERT_EQ(over.wait_for(5s), std::future_status::ready) << "refused at once";
  const auto refused = over.get();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::too_many_requests);
  EXPECT_EQ(resolver_->resolving(), MetadataResolver::kMaxResolving);
  resolver_->shutdown();
}

// One client cannot open every swarm: past its lookups of the hour, it is refused until the hour
// has passed, even once those lookups ended; joining a lookup under way is free, and this
// machine's clients are never counted.
TEST_F(ResolverTest, NewTorrentsAreCappedPerClientPerHour) {
  make_resolver(300ms, true, 2);
  auto random_hash = [seed = 300]() mutable {
    return *InfoHash::from_raw(test::random_bytes(20, seed++));
  };
  const auto first = random_hash();
  auto a = resolve(first, "192.0.2.7");
  auto b = resolve(random_hash(), "192.0.2.7");
  ASSERT_EQ(a.wait_for(10s), std::future_status::ready);
  ASSERT_EQ(b.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(a.get().error().code, Errc::timeout) << "looked up, nobody had it";
  auto third = resolve(random_hash(), "192.0.2.7");
  ASSERT_EQ(third.wait_for(5s), std::future_status::ready) << "refused at once";
  const auto refused = third.get();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::too_many_requests);
  EXPECT_NE(refused.error().message.find("last hour"), std::string::npos);
  auto other = resolve(random_hash(), "198.51.100.7");
  EXPECT_NE(other.wait_for(100ms), std::future_status::ready) << "another client's own share";
  for (int i = 0; i < 3; ++i) {
    auto local = resolve(random_hash(), "127.0.0.1");
    ASSERT_EQ(local.wait_for(10s), std::future_status::ready);
    EXPECT_EQ(local.get().error().code, Errc::timeout) << "loopback is not capped";
  }
  resolver_->shutdown();
}

// Any client may send magnet links: what is remembered of them is bounded.
TEST_F(ResolverTest, RememberedMagnetsAreBounded) {
  make_resolver(20s);
  for (std::size_t i = 0; i <= MetadataResolver::kMaxHints; ++i) {
    char hex[41];
    std::snprintf(hex, sizeof hex, "%040zx", i);
    resolver_->remember(*parse_magnet(std::string("magnet:?xt=urn:btih:") + hex));
  }
  EXPECT_LE(resolver_->remembered(), MetadataResolver::kMaxHints);
  EXPECT_GE(resolver_->remembered(), 1u) << "the newest is kept";
}

// libtorrent alone would dial a peer that refused once only a minute later.
TEST_F(ResolverTest, APeerThatRefusedTheHashAtFirstIsDialledAgainSoon) {
  // Seeds another torrent only when first dialled (a session with none ignores every dial).
  test::SeedSession late;
  TempDir other_content{"seeder-other"};
  test::write_file(other_content / "other.bin", test::random_bytes(50'000, 8));
  late.seed(test::build(other_content / "other.bin", input_.path(), {}, "other").torrent_file,
            other_content.path());
  libtorrent::settings_pack alerts;
  alerts.set_int(libtorrent::settings_pack::alert_mask, libtorrent::alert_category::peer);
  late.native().apply_settings(alerts);
  make_resolver(20s);
  const auto magnet = parse_magnet("magnet:?xt=urn:btih:" + torrent_.hash.hex() +
                                   "&x.pe=127.0.0.1:" + std::to_string(late.port()));
  ASSERT_TRUE(magnet);
  resolver_->remember(*magnet);
  const auto started = std::chrono::steady_clock::now();
  auto answer = resolve(torrent_.hash);
  ASSERT_TRUE(test::wait_until(
      [&] {
        std::vector<libtorrent::alert*> seen;
        late.native().pop_alerts(&seen);
        for (const auto* alert : seen)
          if (libtorrent::alert_cast<libtorrent::incoming_connection_alert>(alert)) return true;
        return false;
      },
      10s))
      << "the resolver never dialled the magnet's peer";
  late.seed(torrent_.torrent_file, content_.path());
  ASSERT_EQ(answer.wait_for(20s), std::future_status::ready);
  const auto entry = answer.get();
  ASSERT_TRUE(entry) << entry.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 15s);
}

TEST_F(ResolverTest, AHashNobodyHasTimesOutAndIsForgotten) {
  make_resolver(300ms);
  const auto unknown = *InfoHash::parse("0123456789abcdef0123456789abcdef01234567");
  const auto started = std::chrono::steady_clock::now();
  auto answer = resolve(unknown);
  ASSERT_EQ(answer.wait_for(10s), std::future_status::ready);
  const auto entry = answer.get();
  ASSERT_FALSE(entry);
  EXPECT_EQ(entry.error().code, Errc::timeout) << entry.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(test::wait_until([&] { return resolver_->resolving() == 0; }, 5s));
  EXPECT_FALSE(catalog_.find(unknown));
}

TEST_F(ResolverTest, ShutdownFailsWhatIsPendingAndRefusesMore) {
  make_resolver(60s);
  const auto unknown = *InfoHash::parse("0123456789abcdef0123456789abcdef01234567");
  auto pending = resolve(unknown);
  resolver_->shutdown();
  ASSERT_EQ(pending.wait_for(10s), std::future_status::ready);
  EXPECT_FALSE(pending.get());
  auto later = resolve(unknown);
  ASSERT_EQ(later.wait_for(10s), std::future_status::ready);
  const auto refused = later.get();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::unavailable);
}

}  // namespace
}  // namespace seeder::torrent
