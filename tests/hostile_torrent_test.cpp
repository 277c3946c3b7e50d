// Hostile torrents, end to end: hand-made .torrent files with names and geometry that real
// torrents carry (or that an attacker would), seeded by a real libtorrent session and served
// through a real gateway. Each one is either skipped with a reason or served with every byte
// right, each file at its own URL, and nothing is written outside --data-dir.
#include <gtest/gtest.h>

#include <set>

#include "http_client.hpp"
#include "raw_torrent.hpp"
#include "seeder/http/target.hpp"
#include "seeder/torrent/catalog.hpp"
#include "swarm.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

struct HostileCase {
  std::string label;
  std::vector<RawFile> files;
  RawTorrentSpec spec;
  // False where no ordinary client could store it (a path past PATH_MAX): loaded and listed, not
  // fetched, since the test's seeder cannot hold it either.
  bool seedable = true;
};

std::vector<HostileCase> hostile_cases() {
  const auto bytes = [](std::size_t size, std::uint32_t seed) { return random_bytes(size, seed); };
  const auto deep = [](int depth) {
    std::vector<std::string> path(static_cast<std::size_t>(depth), "d");
    path.emplace_back("deep.bin");
    return path;
  };
  std::vector<HostileCase> cases;
  cases.push_back(
      {"duplicates", {{{"v.mp4"}, bytes(40'000, 1)}, {{"v.mp4"}, bytes(30'000, 2)}}, {}});
  cases.push_back(
      {"dots", {{{".."}, bytes(20'000, 3)}, {{"."}, bytes(20'000, 4)}, {{"x"}, bytes(9, 5)}}, {}});
  cases.push_back({"traversal",
                   {{{"..", "..", "etc", "passwd"}, bytes(5'000, 6)},
                    {{"/abs", "file"}, bytes(5'000, 7)},
                    {{"a/../b", "c"}, bytes(5'000, 8)}},
                   {}});
  cases.push_back(
      {"empty-components", {{{"", "x"}, bytes(3'000, 9)}, {{"x", ""}, bytes(3'000, 10)}}, {}});
  cases.push_back({"no-path", {{{}, bytes(7, 11)}}, {}});
  cases.push_back({"odd-bytes",
                   {{{std::string("nul\0byte", 8)}, bytes(4'000, 12)},
                    {{"back\\slash"}, bytes(4'000, 13)},
                    {{"\xff\xfe invalid utf8"}, bytes(4'000, 14)},
                    {{"ctrl\x01\x1f"}, bytes(4'000, 15)}},
                   {}});
  cases.push_back({"deep", {{deep(500), bytes(10'000, 16)}}, {}});
  cases.push_back({"deeper", {{deep(2000), bytes(10'000, 26)}}, {}, false});
  cases.push_back({"long-name", {{{std::string(5000, 'n') + ".mkv"}, bytes(10'000, 17)}}, {}});
  cases.push_back(
      {"zero-byte-files", {{{"empty1"}, ""}, {{"data"}, bytes(50'000, 18)}, {{"empty2"}, ""}}, {}});
  cases.push_back({"tiny-pieces", {{{"f"}, bytes(3'000, 19)}}, {"T", 1}});
  cases.push_back({"huge-piece", {{{"f"}, bytes(100'000, 20)}}, {"T", 1 << 30}});
  cases.push_back({"absurd-piece", {{{"f"}, bytes(100, 21)}}, {"T", 0x7fffffff}});
  cases.push_back({"short-pieces", {{{"f"}, bytes(100'000, 22)}}, {"T", 16 * 1024, false, -7}});
  cases.push_back({"long-pieces", {{{"f"}, bytes(100'000, 23)}}, {"T", 16 * 1024, false, 20}});
  cases.push_back(
      {"source-torrent", {{{}, bytes(30'000, 24)}}, {"source.torrent", 16 * 1024, true}});
  cases.push_back({"dot-dot-name", {{{"f"}, bytes(30'000, 25)}}, {"..", 16 * 1024}});
  return cases;
}

class HostileTorrentTest : public ::testing::Test {
 protected:
  TempDir root_{"seeder-hostile"};
  SeedSession seeder_;
};

TEST_F(HostileTorrentTest, EachIsSkippedOrServedByteForByteAndNothingLeavesTheDataDir) {
  const auto input = root_.path() / "input";
  const auto seed_dir = root_.path() / "seed";
  std::filesystem::create_directories(input);
  struct Loaded {
    HostileCase hostile;
    torrent::EntryPtr entry;  // null: libtorrent refuses it, the gateway must skip it
  };
  std::vector<Loaded> loaded;
  for (auto& hostile : hostile_cases()) {
    const auto bytes = make_raw_torrent(hostile.files, hostile.spec);
    write_file(input / (hostile.label + ".torrent"), bytes);
    auto entry = torrent::parse_torrent(bytes);
    if (entry && hostile.seedable) {
      std::vector<std::string> contents;
      for (const auto& file : hostile.files)
        contents.push_back(file.bytes);
      seeder_.seed_bytes(bytes, seed_dir / hostile.label, contents);
    }
    loaded.push_back({std::move(hostile), entry ? *entry : nullptr});
  }

  app::Config config;
  config.host = "127.0.0.1";
  config.input = input;
  config.data_dir = root_.path() / "data";
  config.bt_listen = "127.0.0.1:0";
  config.dht = config.lsd = config.upnp = config.natpmp = false;
  config.peers = {"127.0.0.1:" + std::to_string(seeder_.port())};
  config.piece_timeout = 20s;
  config.log_level = "warn";
  config.probe_port = 0;
  config.metrics_port = 0;
  auto gateway = app::Gateway::start(config);
  ASSERT_TRUE(gateway) << gateway.error().message;
  const auto port = (*gateway)->http_port();

  int served = 0;
  int skipped = 0;
  for (const auto& [hostile, entry] : loaded) {
    if (!entry) {
      ++skipped;
      continue;
    }
    const auto& meta = *entry->meta;
    ASSERT_EQ(meta.files().size(), hostile.spec.single_file ? 1u : hostile.files.size())
        << hostile.label;
    std::set<std::string> urls;
    for (std::size_t i = 0; i < meta.files().size(); ++i) {
      const auto& file = meta.files()[i];
      EXPECT_TRUE(urls.insert(file.path).second) << hostile.label << ": two files at " << file.path;
      if (!hostile.seedable) continue;
      const auto url = "/" + meta.hash().hex() + "/" + http::percent_encode_path(file.path);
      const auto response = http_get(port, url);
      ASSERT_EQ(response.status, 200u)
          << hostile.label << " " << file.path << ": " << response.body;
      EXPECT_TRUE(response.body == hostile.files[i].bytes)
          << hostile.label << " " << file.path << ": wrong bytes";
      ++served;
    }
    const auto listing = http_get(port, "/" + meta.hash().hex() + "/");
    EXPECT_EQ(listing.status, 200u) << hostile.label;
  }
  std::printf("%d files served, %d torrents skipped\n", served, skipped);
  EXPECT_GT(served, 10);
  EXPECT_GE(skipped, 2) << "broken piece strings must be refused";
  EXPECT_LE(skipped, 6);

  // Nothing outside the data dir: the temp root holds only what this test made.
  std::set<std::string> top;
  for (const auto& item : std::filesystem::directory_iterator(root_.path()))
    top.insert(item.path().filename().string());
  EXPECT_EQ(top, (std::set<std::string>{"data", "input", "seed"}));
  const auto data = std::filesystem::weakly_canonical(config.data_dir).string();
  for (const auto& item : std::filesystem::recursive_directory_iterator(config.data_dir)) {
    EXPECT_FALSE(item.is_symlink()) << item.path();
    EXPECT_EQ(std::filesystem::weakly_canonical(item.path()).string().rfind(data, 0), 0u)
        << item.path();
  }
}

}  // namespace
}  // namespace seeder::test
