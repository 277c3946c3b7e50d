// The diagnosis's setup: what the target names, the session's settings, the scratch directory.
#include "../src/diagnose/setup.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include <libtorrent/torrent_info.hpp>

#include "content.hpp"
#include "seeder/core/info_hash.hpp"
#include "temp_dir.hpp"

namespace seeder::diagnose {
namespace {

namespace lt = libtorrent;

constexpr const char* kSetupHash = "c334138ef5bfc2d568ea7324e0e2a3a7ec229bdd";

lt::sha1_hash setup_hash() {
  return lt::sha1_hash(InfoHash::parse(kSetupHash)->raw().data());
}

TEST(SetupTest, AMagnetLinkOrAnInfoHashNamesTheTorrent) {
  const auto magnet = params_for(std::string("magnet:?xt=urn:btih:") + kSetupHash + "&dn=Show");
  ASSERT_TRUE(magnet) << magnet.error().message;
  EXPECT_EQ(magnet->info_hashes.v1, setup_hash());
  const auto hash = params_for(kSetupHash);
  ASSERT_TRUE(hash) << hash.error().message;
  EXPECT_EQ(hash->info_hashes.v1, setup_hash());
  EXPECT_EQ(hash->ti, nullptr) << "the metadata is still to come";
}

TEST(SetupTest, ATorrentFileIsLoaded) {
  test::TempDir dir;
  test::write_file(dir / "T" / "a.bin", test::random_bytes(50'000, 1));
  test::write_file(dir / "t.torrent", test::make_torrent(dir / "T", {}));
  const auto params = params_for((dir / "t.torrent").string());
  ASSERT_TRUE(params) << params.error().message;
  ASSERT_NE(params->ti, nullptr);
  EXPECT_EQ(params->ti->name(), "T");
}

TEST(SetupTest, EverythingElseIsABadRequestThatSaysWhy) {
  test::TempDir dir;
  test::write_file(dir / "junk.torrent", "not bencoded");
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  const std::vector<std::pair<std::string, std::string>> cases{
      {"magnet:?xt=urn:btih:zz", "not a usable magnet link"},
      {(dir / "missing").string(), "neither a magnet link, an info-hash nor a readable file"},
      {(dir / "junk.torrent").string(), "is not a valid .torrent"},
      {(dir / "fifo").string(), "is not a regular file"},
      {dir.path().string(), "is not a regular file"},
  };
  for (const auto& [target, reason] : cases) {
    const auto params = params_for(target);
    ASSERT_FALSE(params) << target;
    EXPECT_EQ(params.error().code, Errc::bad_request) << target;
    EXPECT_NE(params.error().message.find(reason), std::string::npos) << params.error().message;
  }
}

TEST(SetupTest, ANamedDhtIsPrivateAndLocalDiscoveryIsOff) {
  Options options;
  options.listen = "127.0.0.1:0";
  options.dht_bootstrap = {"10.0.0.1:6881", "10.0.0.2:6881"};
  const auto pack = settings_for(options);
  EXPECT_EQ(pack.get_str(lt::settings_pack::listen_interfaces), "127.0.0.1:0");
  EXPECT_TRUE(pack.get_bool(lt::settings_pack::enable_dht));
  EXPECT_EQ(pack.get_str(lt::settings_pack::dht_bootstrap_nodes), "10.0.0.1:6881,10.0.0.2:6881");
  EXPECT_FALSE(pack.get_bool(lt::settings_pack::dht_ignore_dark_internet));
  EXPECT_FALSE(pack.get_bool(lt::settings_pack::dht_restrict_routing_ips));
  EXPECT_FALSE(pack.get_bool(lt::settings_pack::enable_lsd));
  EXPECT_FALSE(pack.get_bool(lt::settings_pack::enable_upnp));
  EXPECT_FALSE(pack.get_bool(lt::settings_pack::enable_natpmp));
  // The public DHT keeps libtorrent's defaults.
  Options public_dht;
  public_dht.dht = false;
  const auto defaults = settings_for(public_dht);
  EXPECT_FALSE(defaults.get_bool(lt::settings_pack::enable_dht));
  EXPECT_FALSE(defaults.has_val(lt::settings_pack::dht_bootstrap_nodes));
  EXPECT_FALSE(defaults.has_val(lt::settings_pack::dht_ignore_dark_internet));
}

TEST(SetupTest, AScratchDirOfItsOwnIsRemovedAndAGivenOneKept) {
  std::filesystem::path made;
  {
    ScratchDir scratch({});
    made = scratch.path();
    ASSERT_FALSE(made.empty());
    EXPECT_TRUE(std::filesystem::is_directory(made));
    test::write_file(made / "sub" / "piece", "bytes");
  }
  EXPECT_FALSE(std::filesystem::exists(made)) << "removed with everything in it";
  test::TempDir given;
  {
    ScratchDir scratch(given.path());
    EXPECT_EQ(scratch.path(), given.path());
  }
  EXPECT_TRUE(std::filesystem::is_directory(given.path())) << "a given directory is kept";
}

}  // namespace
}  // namespace seeder::diagnose
