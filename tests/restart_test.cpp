// Storage across restarts and crashes, end to end: a seeding session in this process, gateways
// in this process or as the real seeder binary, the same data dir reused.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <thread>

#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_status.hpp>

#include "http_client.hpp"
#include "process.hpp"
#include "seeder/storage/completion_db.hpp"
#include "seeder/storage/content_path.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/torrent/registry.hpp"
#include "swarm.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

// Caps the seeder's upload for one test, so a download can be caught half way.
class UploadCap {
 public:
  UploadCap(SeedSession& seeder, int bytes_per_second) : seeder_(seeder) {
    seeder_.limit_upload(bytes_per_second);
  }
  ~UploadCap() { seeder_.limit_upload(0); }
  UploadCap(const UploadCap&) = delete;
  UploadCap& operator=(const UploadCap&) = delete;

 private:
  SeedSession& seeder_;
};

class RestartTest : public SwarmSuite {
 protected:
  void SetUp() override { config_ = swarm().gateway_config(); }

  std::unique_ptr<app::Gateway> start(const app::Config& config) {
    return swarm().start_gateway(config);
  }
  static const TestTorrent& big() { return swarm().big_v1(); }
  static const std::string& big_bytes() { return big().files.at(big().name); }

  // Pieces recorded complete, read-only: the database may belong to a running gateway.
  int recorded_pieces(const InfoHash& hash) const {
    sqlite3* raw = nullptr;
    const auto path = storage::database_path(config_.data_dir, hash);
    if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      sqlite3_close(raw);
      return -1;
    }
    sqlite3_busy_timeout(raw, 5000);
    sqlite3_stmt* statement = nullptr;
    int count = -1;
    if (sqlite3_prepare_v2(raw, "SELECT count(*) FROM piece_completion WHERE complete = 1", -1,
                           &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW) {
      count = sqlite3_column_int(statement, 0);
    }
    sqlite3_finalize(statement);
    sqlite3_close(raw);
    return count;
  }
  // Payload the swarm's seeder has sent for the torrent so far: what the gateway downloaded,
  // counted where no pause, resume or re-add of the gateway's torrent resets it. libtorrent
  // adds each peer's bytes to its torrent on a once-a-second tick, so this waits past one.
  static std::int64_t uploaded_by_seeder(const InfoHash& hash) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1'100));
    return swarm()
        .seeder()
        .native()
        .find_torrent(lt::sha1_hash(hash.raw().data()))
        .status()
        .total_payload_upload;
  }

  app::Config config_;
};

TEST_F(RestartTest, ACompletedFileIsServedAfterARestartWithNoPeerAtAll) {
  {
    auto first = start(config_);
    ASSERT_EQ(http_get(first->http_port(), big().url(big().name)).status, 200u);
  }
  auto offline = config_;
  offline.peers.clear();
  auto gateway = start(offline);
  const auto port = gateway->http_port();
  const auto whole = http_get(port, big().url(big().name));
  ASSERT_EQ(whole.status, 200u);
  EXPECT_TRUE(whole.body == big_bytes());
  const auto range = http_get(port, big().url(big().name), {{"Range", "bytes=1000000-1000999"}});
  EXPECT_EQ(range.status, 206u);
  EXPECT_TRUE(range.body == big_bytes().substr(1'000'000, 1000));
  EXPECT_EQ(gateway->registry().size(), 0u) << "served from disk without starting the torrent";
}

// A torrent whose storage cannot be opened (here a file stands where its directory goes) is 503
// with the reason for a file, ?done, ?stats and ?warmup alike, and the live torrent is never
// started for it: it would open the same storage and fail again (and log it twice more).
TEST_F(RestartTest, AStoreThatCannotBeOpenedIs503WithTheReasonForEveryMode) {
  std::filesystem::create_directories(config_.data_dir);
  const auto blocked = storage::torrent_dir(config_.data_dir, big().hash);
  std::filesystem::create_directories(blocked.parent_path());
  std::ofstream(blocked) << "not a directory";
  auto gateway = start(config_);
  const auto port = gateway->http_port();
  const auto file = big().url(big().name);
  for (const auto& target : {file, file + "?done", file + "?stats", file + "?warmup"}) {
    const auto reply = http_request(port, "GET", target, {}, 10s);
    EXPECT_EQ(reply.status, 503u) << target << ": " << reply.body;
    EXPECT_NE(reply.body.find("cannot open the torrent's storage"), std::string::npos)
        << target << ": " << reply.body;
  }
  EXPECT_EQ(gateway->registry().size(), 0u) << "the live torrent was started anyway";
}

TEST_F(RestartTest, ATorrentKnownOnceIsServedAfterItLeftTheInputDir) {
  {
    auto first = start(config_);
    ASSERT_EQ(http_get(first->http_port(), big().url(big().name)).status, 200u);
  }
  auto offline = config_;
  offline.peers.clear();
  offline.input.clear();
  auto gateway = start(offline);
  const auto response = http_get(gateway->http_port(), big().url(big().name));
  ASSERT_EQ(response.status, 200u);
  EXPECT_TRUE(response.body == big_bytes());
}

TEST_F(RestartTest, AHalfCompleteTorrentResumesWithoutDownloadingWhatItHad) {
  const auto& meta_size = big_bytes().size();
  const int piece_length = 32 * 1024;
  const int pieces = static_cast<int>((meta_size + piece_length - 1) / piece_length);
  {
    UploadCap cap(swarm().seeder(), 2 << 20);
    auto first = start(config_);
    const auto head =
        http_get(first->http_port(), big().url(big().name), {{"Range", "bytes=0-524287"}});
    ASSERT_EQ(head.status, 206u);
  }
  const int had = recorded_pieces(big().hash);
  ASSERT_GE(had, 16) << "the first 512 KiB were read";
  ASSERT_LT(had, pieces) << "the download should have been caught half way";

  const auto before = uploaded_by_seeder(big().hash);
  auto gateway = start(config_);
  const auto response = http_get(gateway->http_port(), big().url(big().name));
  ASSERT_EQ(response.status, 200u);
  EXPECT_TRUE(response.body == big_bytes());
  const auto fetched = uploaded_by_seeder(big().hash) - before;
  const auto missing = static_cast<std::int64_t>(pieces - had) * piece_length;
  std::printf("resumed with %d of %d pieces; downloaded %lld bytes (missing %lld)\n", had, pieces,
              static_cast<long long>(fetched), static_cast<long long>(missing));
  EXPECT_GT(fetched, 0);
  // What it had is not fetched again; a little slack for end-game duplicate blocks.
  EXPECT_LE(fetched, missing + 4 * piece_length);
}

TEST_F(RestartTest, ACorruptDatabaseIsRebuiltFromDiskAndBadBytesAreNeverServed) {
  {
    auto first = start(config_);
    ASSERT_EQ(http_get(first->http_port(), big().url(big().name)).status, 200u);
  }
  const auto db = storage::database_path(config_.data_dir, big().hash);
  std::filesystem::remove(db.string() + "-wal");
  std::filesystem::remove(db.string() + "-shm");
  write_file(db, random_bytes(10'000, 11));
  // And one damaged byte in the content: that piece must fail its check and come from a peer.
  const auto content = storage::content_path(config_.data_dir, big().hash, 0);
  {
    std::fstream file(content, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(3 * 32 * 1024 + 77);
    const char flipped = static_cast<char>(~big_bytes()[3 * 32 * 1024 + 77]);
    file.write(&flipped, 1);
  }
  const auto before = uploaded_by_seeder(big().hash);
  auto gateway = start(config_);
  const auto response = http_get(gateway->http_port(), big().url(big().name));
  ASSERT_EQ(response.status, 200u);
  EXPECT_TRUE(response.body == big_bytes()) << "served a byte that was not verified";
  const auto fetched = uploaded_by_seeder(big().hash) - before;
  std::printf("after the rebuild, downloaded %lld bytes\n", static_cast<long long>(fetched));
  EXPECT_GE(fetched, 32 * 1024) << "the damaged piece was downloaded again";
  EXPECT_LE(fetched, 8 * 32 * 1024) << "the intact pieces were recovered by the hash check";
}

TEST_F(RestartTest, AKillMinus9MidDownloadThenARestartServesOnlyCorrectBytes) {
  const auto port = free_port();
  {
    UploadCap cap(swarm().seeder(), 1 << 20);
    ChildProcess child(
        loopback_serve_args(SEEDER_BINARY, port, swarm().input_dir().string(),
                            config_.data_dir.string(),
                            {"--peer", "127.0.0.1:" + std::to_string(swarm().seeder().port()),
                             "--log-level", "warn"}),
        (swarm().root() / "crashed.log").string());
    ASSERT_TRUE(wait_for_listener(port, 20s));
    // A reader starts the download; it never reads its body.
    HttpConnection reader(port);
    reader.send_raw("GET " + big().url(big().name) + " HTTP/1.1\r\nHost: t\r\n\r\n");
    ASSERT_TRUE(wait_until([&] { return recorded_pieces(big().hash) >= 8; }, 30s))
        << "no progress before the kill";
    child.kill_hard();
  }
  const int had = recorded_pieces(big().hash);
  EXPECT_GE(had, 8) << "the database survives the kill";
  auto gateway = start(config_);
  const auto response = http_get(gateway->http_port(), big().url(big().name));
  ASSERT_EQ(response.status, 200u);
  EXPECT_TRUE(response.body == big_bytes()) << "a wrong byte after the crash";
}

// Issue 10, item 2: the real binary, a hash not in --input, found through a magnet link's x.pe.
// The metadata that arrives from the swarm is freed when the magnet torrent is replaced by its
// catalog entry; the storage must not keep pointers into it (it did: every file was served as
// headers and no body, from a content file under a garbage name).
TEST_F(RestartTest, TheBinaryServesEveryFileOfATorrentItResolvedFromAMagnetLink) {
  const auto& torrent = swarm().multi_v1();
  const auto empty = swarm().root() / "magnet-empty-input";
  std::filesystem::create_directories(empty);
  const auto port = free_port();
  ChildProcess child(
      loopback_serve_args(SEEDER_BINARY, port, empty.string(), config_.data_dir.string(),
                          {"--allow-magnets", "--allow-private-peers", "--log-level", "warn"}),
      (swarm().root() / "magnet-binary.log").string());
  ASSERT_TRUE(wait_for_listener(port, 20s));
  const auto magnet = "magnet:?xt=urn:btih:" + torrent.hash.hex() +
                      "&x.pe=127.0.0.1:" + std::to_string(swarm().seeder().port());
  std::string encoded;
  for (const unsigned char c : magnet) {
    char hex[4];
    std::snprintf(hex, sizeof hex, "%%%02X", c);
    encoded += std::isalnum(c) != 0 ? std::string(1, static_cast<char>(c)) : std::string(hex);
  }
  ASSERT_EQ(http_get(port, "/magnet?uri=" + encoded).status, 302u);
  for (const auto& [path, bytes] : torrent.files) {
    const auto file = http_get(port, torrent.url(path));
    ASSERT_EQ(file.status, 200u) << path << ": " << file.body;
    EXPECT_EQ(file.body.size(), bytes.size()) << path;
    EXPECT_TRUE(file.body == bytes) << path;
  }
  // Every content file is where the naming rule puts it: nothing under a garbage name.
  int content_files = 0;
  for (const auto& item : std::filesystem::recursive_directory_iterator(
           storage::torrent_dir(config_.data_dir, torrent.hash) / "content")) {
    if (!item.is_regular_file()) continue;
    ++content_files;
    const auto index = std::stoi(item.path().filename().string());
    EXPECT_EQ(item.path(), storage::content_path(config_.data_dir, torrent.hash, index));
  }
  EXPECT_GT(content_files, 0);
  child.stop();
}

// A byte flipped on disk after verification is served as is by default (only sizes and holes
// are checked at start); --verify-on-start hashes the records again and fetches the piece.
TEST_F(RestartTest, VerifyOnStartCatchesAByteChangedOnDiskWhileStopped) {
  {
    auto first = start(config_);
    ASSERT_TRUE(http_get(first->http_port(), big().url(big().name)).body == big_bytes());
    first->stores().flush();
  }
  const auto content = storage::content_path(config_.data_dir, big().hash, 0);
  {
    std::fstream file(content, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(100'000);
    const char flipped = static_cast<char>(~big_bytes()[100'000]);
    file.write(&flipped, 1);
  }
  auto verified = config_;
  verified.verify_on_start = true;
  auto gateway = start(verified);
  const auto response = http_get(gateway->http_port(), big().url(big().name));
  ASSERT_EQ(response.status, 200u);
  EXPECT_TRUE(response.body == big_bytes()) << "the flipped byte was served";
}

TEST_F(RestartTest, TheBinaryExitsNonZeroWithAReasonOnAnUnwritableDataDir) {
  const auto log = swarm().root() / "refused.log";
  ChildProcess child({SEEDER_BINARY, "serve", "--port", "0", "--data-dir", "/proc/seeder-refused"},
                     log.string());
  const auto code = child.wait_exit(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(read_file(log).find("data dir /proc/seeder-refused"), std::string::npos)
      << read_file(log);
}

TEST_F(RestartTest, TheBinaryRejectsBadFlagValuesWithOneLine) {
  const auto log = swarm().root() / "flags.log";
  ChildProcess child({SEEDER_BINARY, "serve", "--max-readahead", "lots"}, log.string());
  const auto code = child.wait_exit(20s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(read_file(log).find("--max-readahead"), std::string::npos) << read_file(log);
}

}  // namespace
}  // namespace seeder::test
