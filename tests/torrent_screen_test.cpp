#include "seeder/torrent/torrent_screen.hpp"

#include <gtest/gtest.h>

#include "raw_torrent.hpp"

namespace seeder::torrent {
namespace {

std::string torrent_of_names(const std::vector<std::string>& names) {
  std::vector<test::RawFile> files;
  for (const auto& name : names)
    files.push_back({{name}, "x"});
  return test::make_raw_torrent(files, {});
}

TEST(TorrentScreen, ATorrentWithAFewClashingNamesPasses) {
  EXPECT_TRUE(screen_torrent(torrent_of_names({"v.mp4", "v.mp4", "a\x01", "a\x7f", "b"})));
}

TEST(TorrentScreen, ManyNamesThatClashOnceMadeSafeAreRefusedWithTheReason) {
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i)
    names.push_back(std::string(1, static_cast<char>(i % 31 + 1)) + std::string(1, '\x7f'));
  const auto screened = screen_torrent(torrent_of_names(names), {1'000, 10});
  ASSERT_FALSE(screened);
  EXPECT_EQ(screened.error().code, Errc::bad_request);
  EXPECT_NE(screened.error().message.find("more than 10 files whose names are the same"),
            std::string::npos)
      << screened.error().message;
}

TEST(TorrentScreen, MoreFilesThanTheLimitAreRefused) {
  std::vector<std::string> names;
  for (int i = 0; i < 30; ++i)
    names.push_back("f" + std::to_string(i));
  EXPECT_TRUE(screen_torrent(torrent_of_names(names), {30, 10}));
  const auto screened = screen_torrent(torrent_of_names(names), {29, 10});
  ASSERT_FALSE(screened);
  EXPECT_NE(screened.error().message.find("30 files; at most 29"), std::string::npos);
}

TEST(TorrentScreen, BytesThatAreNoTorrentAreLeftToLibtorrent) {
  EXPECT_TRUE(screen_torrent("not bencode at all"));
  EXPECT_TRUE(screen_torrent("d4:infod4:name1:xee"));
}

}  // namespace
}  // namespace seeder::torrent
