// The player page: which subtitle files go with a video, and what the page references.
#include <gtest/gtest.h>

#include <algorithm>

#include "content.hpp"
#include "seeder/http/player_page.hpp"
#include "seeder/http/render.hpp"
#include "seeder/http/router.hpp"
#include "temp_dir.hpp"

namespace seeder::http {
namespace {

class PlayerPageTest : public ::testing::Test {
 protected:
  torrent::EntryPtr make(const std::string& top, const std::vector<std::string>& paths) {
    for (const auto& path : paths)
      test::write_file(dir_ / top / path, test::random_bytes(1000, 1));
    return *torrent::parse_torrent(test::make_torrent(dir_ / top, {}));
  }
  static std::vector<std::string> labels(const std::vector<SubtitleTrack>& tracks) {
    std::vector<std::string> out;
    for (const auto& track : tracks)
      out.push_back(track.label + "=" + track.file->path);
    return out;
  }
  static const torrent::FileInfo& file(const torrent::EntryPtr& entry, const std::string& path) {
    const auto* found = entry->meta->find_file(path);
    EXPECT_NE(found, nullptr) << path;
    return *found;
  }

  test::TempDir dir_;
};

TEST_F(PlayerPageTest, AMoviesSubtitlesBesideItAndInItsSubsFolder) {
  const auto entry =
      make("Movie", {"Movie.mp4", "Movie.srt", "Movie.en.srt", "Movie.forced.de.vtt", "Other.srt",
                     "Subs/Movie.fr.srt", "Subs/Spanish.srt", "notes.txt"});
  const auto tracks = subtitle_tracks(*entry->meta, file(entry, "Movie/Movie.mp4"));
  auto got = labels(tracks);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(
      got, (std::vector<std::string>{"Spanish=Movie/Subs/Spanish.srt", "Subtitles=Movie/Movie.srt",
                                     "en=Movie/Movie.en.srt", "forced.de=Movie/Movie.forced.de.vtt",
                                     "fr=Movie/Subs/Movie.fr.srt"}));
  for (const auto& track : tracks) {
    if (track.label == "en") {
      EXPECT_EQ(track.language, "en");
    }
    if (track.label == "forced.de") {
      EXPECT_EQ(track.language, "de");
      EXPECT_TRUE(track.webvtt);
    }
    if (track.label == "Spanish") {
      EXPECT_EQ(track.language, "");
    }
  }
}

TEST_F(PlayerPageTest, AnEpisodeGetsItsOwnSubtitlesOnly) {
  const auto entry =
      make("Show", {"ep1.mkv", "ep2.mkv", "ep1.en.srt", "ep2.en.srt", "Subs/ep1/2_English.srt",
                    "Subs/ep2/2_English.srt", "Subs/random.srt"});
  auto got = labels(subtitle_tracks(*entry->meta, file(entry, "Show/ep1.mkv")));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(
      got, (std::vector<std::string>{"English=Show/Subs/ep1/2_English.srt", "en=Show/ep1.en.srt"}));
}

TEST_F(PlayerPageTest, ThePageHasTheMediaItsTracksAndTheStatsStream) {
  const auto entry = make("Movie", {"Movie.mp4", "Movie.en.srt", "Movie.de.vtt"});
  const auto hex = entry->meta->hash().hex();
  const auto page = render_player_html(*entry->meta, file(entry, "Movie/Movie.mp4"), "edge-1");
  EXPECT_NE(page.find("<video id=\"media\" controls preload=\"metadata\" src=\"/" + hex +
                      "/Movie/Movie.mp4\""),
            std::string::npos);
  EXPECT_NE(
      page.find("src=\"/" + hex + "/Movie/Movie.en.srt?format=vtt\" label=\"en\" srclang=\"en\""),
      std::string::npos);
  EXPECT_NE(page.find("src=\"/" + hex + "/Movie/Movie.de.vtt\" label=\"de\""), std::string::npos);
  EXPECT_NE(page.find("?stats"), std::string::npos);
  EXPECT_NE(page.find("?download"), std::string::npos);
  EXPECT_NE(page.find("?m3u"), std::string::npos);
  EXPECT_NE(page.find("edge-1"), std::string::npos);
  EXPECT_EQ(page.find("http"), page.find("http-equiv"));  // no CDN: nothing absolute
}

TEST_F(PlayerPageTest, AnAudioFileGetsAnAudioElementAndNamesAreEscaped) {
  const auto entry = make("Album", {"<b>&1.mp3", "<b>&1.srt"});
  const auto page = render_player_html(*entry->meta, file(entry, "Album/<b>&1.mp3"));
  EXPECT_NE(page.find("<audio id=\"media\""), std::string::npos);
  EXPECT_EQ(page.find("<track"), std::string::npos);
  EXPECT_EQ(page.find("<b>&1"), std::string::npos);
  EXPECT_NE(page.find("&lt;b&gt;&amp;1.mp3"), std::string::npos);
}

TEST_F(PlayerPageTest, TheRouterServesItForMediaAndRefusesItForOtherFiles) {
  const auto entry = make("Movie", {"Movie.mp4", "notes.txt"});
  const Router router{RouterOptions{}};
  const auto route = [&](const std::string& target, std::string method = "GET") {
    RequestHead head;
    head.method = std::move(method);
    head.target = target;
    const auto parsed = router.parse(head);
    const auto& request = std::get<ParsedRequest>(parsed);
    return std::get<Reply>(router.route(request, entry, entry->meta->find_file(request.path)));
  };
  const auto hex = entry->meta->hash().hex();
  const auto page = route("/" + hex + "/Movie/Movie.mp4?play");
  EXPECT_EQ(page.status, 200u);
  EXPECT_EQ(*page.find_header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<video"), std::string::npos);
  const auto head = route("/" + hex + "/Movie/Movie.mp4?play", "HEAD");
  EXPECT_EQ(head.content_length, page.body.size());
  EXPECT_EQ(route("/" + hex + "/Movie/notes.txt?play").status, 400u);
  // The torrent page opens media files in the player.
  const auto index = render_torrent_html(*entry->meta);
  EXPECT_NE(index.find("/Movie/Movie.mp4?play\""), std::string::npos);
  EXPECT_EQ(index.find("/Movie/notes.txt?play"), std::string::npos);
}

}  // namespace
}  // namespace seeder::http
