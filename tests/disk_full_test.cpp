// A full disk while downloading, on a real (small) tmpfs mounted in this process's own mount
// namespace. Its own executable: the namespace must be entered before any thread exists.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "http_client.hpp"
#include "seeder/storage/completion_db.hpp"
#include "seeder/storage/content_path.hpp"
#include "seeder/torrent/registry.hpp"
#include "swarm.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

// A private mount namespace (as root, or as an unprivileged user through a user namespace) with
// a tmpfs of `size` mounted on `where`. Returns why it is impossible here, or "".
std::string mount_small_tmpfs(const std::filesystem::path& where, const std::string& size) {
  if (::unshare(CLONE_NEWNS) != 0) {
    const auto uid = ::getuid();
    const auto gid = ::getgid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
      return std::string("unshare: ") + std::strerror(errno);
    write_text("/proc/self/setgroups", "deny");
    if (!write_text("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1") ||
        !write_text("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1")) {
      return "cannot map ids in the user namespace";
    }
  }
  if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return std::string("making mounts private: ") + std::strerror(errno);
  }
  if (::mount("tmpfs", where.c_str(), "tmpfs", 0, ("size=" + size).c_str()) != 0) {
    return std::string("mount tmpfs: ") + std::strerror(errno);
  }
  return {};
}

// Fills the file system of `dir` until fewer than `leave` bytes are free.
void fill(const std::filesystem::path& dir, std::uint64_t leave) {
  std::ofstream filler(dir / "filler", std::ios::binary);
  const std::string chunk(4096, 'x');
  for (int i = 0; i < 1'000'000; ++i) {
    struct statvfs info {};
    ::statvfs(dir.c_str(), &info);
    if (static_cast<std::uint64_t>(info.f_bavail) * info.f_frsize < leave) break;
    filler.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    filler.flush();
    if (!filler) break;
  }
}

TEST(DiskFull, AFullDiskFailsTheDownloadWith503KeepsRecordsConsistentAndRecovers) {
  TempDir mount_point("seeder-tmpfs");
  if (const auto why = mount_small_tmpfs(mount_point.path(), "8m"); !why.empty()) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (" << why << ")";
  }
  Swarm swarm;  // content and seeder live outside the small file system
  const auto& torrent = swarm.big_v1();
  auto config = swarm.gateway_config();
  config.data_dir = mount_point / "data";
  config.piece_timeout = 10s;

  // A reader waits for a torrent that has no peer yet: its storage and database are open.
  auto offline = config;
  offline.peers.clear();
  offline.probe = true;
  offline.probe_port = 0;
  auto gateway = swarm.start_gateway(offline);
  const auto port = gateway->http_port();
  HttpResponse failed;
  std::thread reader([&] {
    failed = http_get(port, torrent.url(torrent.name), {{"Range", "bytes=0-65535"}});
  });
  ASSERT_TRUE(wait_until(
      [&] {
        const auto live = gateway->registry().find(torrent.hash);
        return live && live->state() == torrent::LiveTorrent::State::ready;
      },
      10s));
  // Then the disk fills, and only then does a peer arrive.
  fill(mount_point.path(), 8 * 1024);
  swarm.seeder().connect(torrent.hash, static_cast<std::uint16_t>(gateway->bittorrent_port()));
  reader.join();
  EXPECT_EQ(failed.status, 503u) << failed.body;
  EXPECT_NE(failed.body.find("space"), std::string::npos) << failed.body;
  EXPECT_EQ(http_get(port, "/").status, 200u) << "the gateway keeps serving";
  const auto readiness = http_get(gateway->probe_port(), "/readiness");
  EXPECT_EQ(readiness.status, 503u) << readiness.body;
  EXPECT_NE(readiness.body.find("disk full"), std::string::npos) << readiness.body;
  gateway.reset();

  // Space comes back (SQLite itself needs a little to open). No record claims bytes that never
  // reached the disk; then the same torrent downloads and every byte is right.
  std::filesystem::remove(mount_point / "filler");
  {
    auto db = storage::CompletionDb::open(storage::database_path(config.data_dir, torrent.hash),
                                          torrent.hash.hex());
    ASSERT_TRUE(db) << db.error().message;
    EXPECT_TRUE((*db)->load()->complete_pieces.empty());
  }
  gateway = swarm.start_gateway(config);
  const auto response = http_get(gateway->http_port(), torrent.url(torrent.name));
  ASSERT_EQ(response.status, 200u);
  EXPECT_TRUE(response.body == torrent.files.at(torrent.name));
}

}  // namespace
}  // namespace seeder::test
