// http/assets: the files built into the binary: hls.js, byte for byte the vendored file, found
// only under its versioned name.
#include "seeder/http/assets.hpp"

#include <filesystem>

#include <gtest/gtest.h>

#include "content.hpp"

namespace seeder::http {
namespace {

const std::filesystem::path kAssetsHlsJsDir =
    std::filesystem::path(__FILE__).parent_path() / ".." / "third_party" / "hls.js";

TEST(AssetsTest, HlsJsIsTheVendoredFileByteForByteUnderItsVersionedName) {
  auto version = test::read_file(kAssetsHlsJsDir / "VERSION");
  version = version.substr(0, version.find('\n'));
  EXPECT_EQ(hls_js_url(), "/assets/hls-" + version + ".min.js");
  const auto asset = find_asset(hls_js_url().substr(std::string_view("/assets/").size()));
  ASSERT_TRUE(asset);
  EXPECT_EQ(asset->name, "hls-" + version + ".min.js");
  EXPECT_EQ(asset->content_type, "text/javascript; charset=utf-8");
  EXPECT_TRUE(asset->bytes == test::read_file(kAssetsHlsJsDir / "hls.min.js"))
      << "embedded " << asset->bytes.size() << " bytes";
}

TEST(AssetsTest, NoOtherNameIsAnAsset) {
  const auto url = hls_js_url();
  EXPECT_FALSE(find_asset(url)) << "the name is what follows /assets/";
  EXPECT_FALSE(find_asset("hls.min.js")) << "only the versioned name, which is cached for good";
  EXPECT_FALSE(find_asset(""));
  EXPECT_FALSE(find_asset(std::string(url.substr(8)) + "x"));
}

}  // namespace
}  // namespace seeder::http
