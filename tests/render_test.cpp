// http/render: the index pages' pieces that programs and players read: the live summary, the
// M3U playlist, the error page's ways on, and HTML escaping. A TorrentMeta built by hand stands
// in for a parsed torrent.
#include "seeder/http/render.hpp"

#include <memory>

#include <gtest/gtest.h>

namespace seeder::http {
namespace {

const InfoHash kRenderHash = *InfoHash::parse("0123456789abcdef0123456789abcdef01234567");

// A torrent of `paths`, 1000 bytes each, in pieces of 1000 bytes.
torrent::MetaPtr render_meta(const std::vector<std::string>& paths) {
  std::vector<torrent::FileInfo> files;
  std::uint64_t offset = 0;
  for (const auto& path : paths) {
    files.push_back({static_cast<int>(files.size()), path, 1000, offset});
    offset += 1000;
  }
  const auto pieces = static_cast<int>(paths.size());
  return std::make_shared<const torrent::TorrentMeta>(kRenderHash, "Show", offset, 1000, pieces,
                                                      std::move(files), false);
}

TEST(RenderTest, HtmlEscapeEscapesEveryCharacterThatCouldEndTextOrAnAttribute) {
  EXPECT_EQ(html_escape("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(html_escape("plain \u00e9t\u00e9"), "plain \u00e9t\u00e9");
}

TEST(RenderTest, AnM3uListsOnlyTheMediaFilesUnderThePrefixDirectory) {
  const auto meta = render_meta({"Show/Season 1/ep 01.mkv", "Show/Season 1/notes.txt",
                                 "Show/Season 10/ep 01.mkv", "Show/Season 1/song.mp3"});
  const auto base = "/" + kRenderHash.hex() + "/Show/";
  EXPECT_EQ(render_m3u({meta}, "http://h:1", "Show/Season 1"),
            "#EXTM3U\n#EXTINF:-1,ep 01.mkv\nhttp://h:1" + base +
                "Season%201/ep%2001.mkv\n#EXTINF:-1,song.mp3\nhttp://h:1" + base +
                "Season%201/song.mp3\n")
      << "Season 10 is not under Season 1";
  EXPECT_EQ(render_m3u({meta}, "http://h:1", "Show/Season 1/song.mp3"),
            "#EXTM3U\n#EXTINF:-1,song.mp3\nhttp://h:1" + base + "Season%201/song.mp3\n")
      << "a prefix may name one file";
  EXPECT_EQ(render_m3u({}, "http://h:1"), "#EXTM3U\n");
}

TEST(RenderTest, AnM3uTitleHasNoControlCharactersAndEachUrlGetsItsQuery) {
  const auto meta = render_meta({"Show/a\tb\nc.mkv"});
  const auto text = render_m3u({meta}, "", "", [](const auto&, const auto& file) {
    return "for=" + std::to_string(file.index);
  });
  EXPECT_NE(text.find("#EXTINF:-1,a b c.mkv\n"), std::string::npos) << text;
  EXPECT_NE(text.find(".mkv?for=0\n"), std::string::npos) << text;
}

TEST(RenderTest, TheLiveSummarySaysCompleteAndCountsInSingularAndPlural) {
  const auto meta = render_meta({"a.mkv", "b.mkv"});
  LiveState state;
  state.pieces_had = 2;
  EXPECT_EQ(live_summary(*meta, state), "complete on disk");
  state.pieces_had = 1;
  state.peers = 1;
  state.seeds = 2;
  state.download_rate = -5;  // a rate not yet measured
  EXPECT_EQ(live_summary(*meta, state), "50% on disk \u00b7 1 peer, 2 seeds \u00b7 0 B/s");
}

TEST(RenderTest, AnErrorPageRetriesOnThisSiteAndLinksTheTorrentItNames) {
  const auto hex = kRenderHash.hex();
  const auto page = render_error_html(504, "no peer", "/" + hex + "/a.mkv?x=1#t");
  EXPECT_NE(page.find("<h1>504 Gateway Timeout</h1><p>no peer</p>"), std::string::npos) << page;
  EXPECT_NE(page.find("href=\"/" + hex + "/a.mkv?x=1&amp;retry\""), std::string::npos) << page;
  EXPECT_NE(page.find("href=\"/" + hex + "/\">the torrent's page"), std::string::npos) << page;

  const auto elsewhere = render_error_html(404, "gone", "//evil.example/x");
  EXPECT_NE(elsewhere.find("href=\"/evil.example/x?retry\""), std::string::npos)
      << "one leading slash, never a link to another site: " << elsewhere;
  EXPECT_EQ(elsewhere.find("the torrent"), std::string::npos);

  const auto longer = render_error_html(404, "gone", "/" + hex + "ab/");
  EXPECT_EQ(longer.find("the torrent"), std::string::npos) << "not a hash segment";
  EXPECT_NE(render_error_html(404, "", "/x?retry").find("href=\"/x?retry\""), std::string::npos)
      << "asked afresh once";
}

TEST(RenderTest, TheFooterNamesTheInstanceOnlyWhenThereIsOne) {
  EXPECT_EQ(render_footer("").find("instance"), std::string::npos);
  EXPECT_NE(render_footer("a&b").find("instance <code>a&amp;b</code>"), std::string::npos);
}

TEST(RenderTest, TheLoginPageEscapesWhereItGoesBack) {
  const auto page = render_login_html("/x\"><script>", "", "");
  EXPECT_NE(page.find("value=\"/x&quot;&gt;&lt;script&gt;\""), std::string::npos) << page;
  EXPECT_EQ(page.find("<p></p>"), std::string::npos) << "no empty message";
}

}  // namespace
}  // namespace seeder::http
