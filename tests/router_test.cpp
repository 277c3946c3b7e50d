#include <gtest/gtest.h>

#include "seeder/media/probe.hpp"

#include <libtorrent/torrent_info.hpp>

#include "content.hpp"
#include "seeder/http/router.hpp"
#include "temp_dir.hpp"

namespace seeder::http {
namespace {

// A real torrent of two small files, parsed the way the catalog does it; no swarm needed.
class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_file(dir_ / "Show" / "Season 1" / "ep 01.mkv", test::random_bytes(100'000, 7));
    test::write_file(dir_ / "Show" / "notes.txt", "hello");
    entry_ = *torrent::parse_torrent(test::make_torrent(dir_ / "Show", {}));
    hex_ = entry_->meta->hash().hex();
  }

  std::variant<Reply, FilePlan> route(RequestHead head) const {
    auto parsed = router_.parse(head);
    if (auto* reply = std::get_if<Reply>(&parsed)) return *reply;
    const auto& request = std::get<ParsedRequest>(parsed);
    return router_.route(request, entry_, entry_->meta->find_file(request.path));
  }
  static RequestHead get(std::string target) {
    RequestHead head;
    head.method = "GET";
    head.target = std::move(target);
    return head;
  }
  std::string file_url() const { return "/" + hex_ + "/Show/Season%201/ep%2001.mkv"; }

  test::TempDir dir_;
  torrent::EntryPtr entry_;
  std::string hex_;
  Router router_{RouterOptions{}};
};

TEST_F(RouterTest, RootHasNoHash) {
  auto parsed = router_.parse(get("/"));
  ASSERT_TRUE(std::holds_alternative<ParsedRequest>(parsed));
  EXPECT_FALSE(std::get<ParsedRequest>(parsed).hash);
}

TEST_F(RouterTest, OtherMethodsGet405WithAllow) {
  auto head = get("/");
  head.method = "POST";
  const auto reply = std::get<Reply>(router_.parse(head));
  EXPECT_EQ(reply.status, 405u);
  ASSERT_TRUE(reply.find_header("Allow"));
  EXPECT_EQ(*reply.find_header("Allow"), "GET, HEAD, OPTIONS");
}

TEST_F(RouterTest, PreflightIsAnsweredWithCorsHeaders) {
  auto head = get(file_url());
  head.method = "OPTIONS";
  head.origin = "https://player.example";
  const auto reply = std::get<Reply>(router_.parse(head));
  EXPECT_EQ(reply.status, 204u);
  EXPECT_EQ(*reply.find_header("Access-Control-Allow-Origin"), "*");
  EXPECT_NE(reply.find_header("Access-Control-Allow-Headers")->find("Range"), std::string::npos);
}

TEST_F(RouterTest, MalformedHashIs400AndFaviconIs404) {
  EXPECT_EQ(std::get<Reply>(router_.parse(get("/not-a-hash/file"))).status, 400u);
  EXPECT_EQ(std::get<Reply>(router_.parse(get("/favicon.ico"))).status, 404u);
  EXPECT_EQ(std::get<Reply>(router_.parse(get("/" + hex_ + "/a%zz"))).status, 400u);
}

TEST_F(RouterTest, FileBytesAreCacheableForGoodAndErrorsNotAtAll) {
  const auto file = std::get<FilePlan>(route(get(file_url())));
  ASSERT_TRUE(file.head.find_header("Cache-Control"));
  EXPECT_EQ(*file.head.find_header("Cache-Control"), "public, max-age=31536000, immutable");
  auto missing = get("/" + hex_ + "/Show/nope.mkv");
  const auto error = std::get<Reply>(route(missing));
  EXPECT_EQ(error.status, 404u);
  ASSERT_TRUE(error.find_header("Cache-Control"));
  EXPECT_EQ(*error.find_header("Cache-Control"), "no-store");
}

TEST_F(RouterTest, HashWithoutSlashRedirects) {
  const auto reply = std::get<Reply>(route(get("/" + hex_ + "?x=1")));
  EXPECT_EQ(reply.status, 301u);
  EXPECT_EQ(*reply.find_header("Location"), "/" + hex_ + "/?x=1");
}

TEST_F(RouterTest, TorrentIndexIsHtmlOrJson) {
  const auto html = std::get<Reply>(route(get("/" + hex_ + "/")));
  EXPECT_EQ(html.status, 200u);
  EXPECT_NE(html.body.find("Show/Season%201/ep%2001.mkv"), std::string::npos);
  // Each film is marked with where it plays, from its probe, by the page's script.
  EXPECT_NE(html.body.find("data-probe=\"/" + hex_ + "/Show/Season%201/ep%2001.mkv\""),
            std::string::npos);
  EXPECT_EQ(html.body.find("data-probe=\"/" + hex_ + "/Show/notes.txt\""), std::string::npos);
  EXPECT_EQ(html.body.find("seederMedia.verdict") != std::string::npos, media::available());
  auto head = get("/" + hex_ + "/");
  head.accept = "application/json";
  const auto json = std::get<Reply>(route(head));
  EXPECT_EQ(*json.find_header("Content-Type"), "application/json");
  EXPECT_NE(json.body.find("\"path\":\"Show/notes.txt\""), std::string::npos);
}

TEST_F(RouterTest, SourceTorrentIsTheBytesGivenAsATorrentFile) {
  const auto request = std::get<ParsedRequest>(router_.parse(get("/" + hex_ + "/source.torrent")));
  ASSERT_EQ(request.route, Route::source);
  const auto reply = router_.torrent_file_reply(request, *entry_->meta, "d4:infoe");
  EXPECT_EQ(reply.body, "d4:infoe");
  EXPECT_EQ(*reply.find_header("Content-Type"), "application/x-bittorrent");
  EXPECT_NE(reply.find_header("Content-Disposition")->find(".torrent"), std::string::npos);
}

// The route is decided once, by parse; the handler has one step per route.
TEST_F(RouterTest, ParseDecidesTheRouteAndItsLabelOnce) {
  const struct {
    std::string target;
    Route route;
    std::string label;
  } cases[] = {
      {"/", Route::root, "root"},
      {"/?m3u", Route::root, "playlist"},
      {"/magnet?uri=magnet:%3Fxt=urn:btih:" + hex_, Route::magnet, "magnet"},
      {"/" + hex_, Route::torrent_page, "torrent"},
      {"/" + hex_ + "/", Route::torrent_page, "torrent"},
      {"/" + hex_ + ".m3u", Route::torrent_playlist, "playlist"},
      {"/" + hex_ + "/Show?m3u", Route::torrent_playlist, "playlist"},
      {"/" + hex_ + "/Show?stats", Route::torrent_mode, "stats"},
      {"/" + hex_ + "/Show?m3u&warmup", Route::torrent_mode, "warmup"},
      {"/" + hex_ + "/?done", Route::torrent_mode, "done"},
      {"/" + hex_ + "/source.torrent", Route::source, "source"},
      {"/" + hex_ + "/Show/notes.txt", Route::file, "file"},
      {"/" + hex_ + "/Show/Season%201/ep%2001.mkv?play", Route::file, "file"},
  };
  for (const auto& c : cases) {
    const auto parsed = router_.parse(get(c.target));
    ASSERT_TRUE(std::holds_alternative<ParsedRequest>(parsed)) << c.target;
    const auto& request = std::get<ParsedRequest>(parsed);
    EXPECT_EQ(request.route, c.route) << c.target;
    EXPECT_STREQ(route_label(request), c.label.c_str()) << c.target;
  }
}

TEST_F(RouterTest, TheRangeHeaderIsReadOnceWhenTheRequestIsParsed) {
  auto head = get("/" + hex_ + "/Show/notes.txt");
  head.range = "bytes=0-1, 3-4";
  EXPECT_EQ(std::get<ParsedRequest>(router_.parse(head)).ranges->size(), 2u);
  head.range = "items=0-1";
  EXPECT_FALSE(std::get<ParsedRequest>(router_.parse(head)).ranges) << "another unit: ignored";
  head.range.clear();
  EXPECT_FALSE(std::get<ParsedRequest>(router_.parse(head)).ranges);
}

TEST_F(RouterTest, UnknownPathIs404AndJsonWhenAsked) {
  auto head = get("/" + hex_ + "/Show/missing.txt");
  head.accept = "application/json";
  const auto reply = std::get<Reply>(route(head));
  EXPECT_EQ(reply.status, 404u);
  EXPECT_NE(reply.body.find("\"status\":404"), std::string::npos);
}

// The path a client sent comes back in the message as valid UTF-8, and not 16 KB of it.
TEST_F(RouterTest, AnErrorNamesTheClientsPathAsValidUtf8AndAtMostAKibibyte) {
  const auto reply =
      std::get<Reply>(route(get("/" + hex_ + "/Show/%C0%AE" + std::string(16'000, 'x'))));
  EXPECT_EQ(reply.status, 404u);
  EXPECT_LE(reply.body.size(), 1024u + 8);
  EXPECT_EQ(reply.body.find('\xC0'), std::string::npos) << "no invalid byte echoed";
  EXPECT_NE(reply.body.find("\xEF\xBF\xBD"), std::string::npos) << "U+FFFD in its place";
}

TEST_F(RouterTest, FileWithoutRangeIsTheWholeFile) {
  const auto plan = std::get<FilePlan>(route(get(file_url())));
  EXPECT_EQ(plan.head.status, 200u);
  EXPECT_EQ(plan.first, 0u);
  EXPECT_EQ(plan.length, 100'000u);
  EXPECT_EQ(*plan.head.find_header("Content-Type"), "video/x-matroska");
  EXPECT_EQ(*plan.head.find_header("Accept-Ranges"), "bytes");
  EXPECT_EQ(*plan.head.find_header("Content-Disposition"),
            "inline; filename=\"ep 01.mkv\"; filename*=UTF-8''ep%2001.mkv");
}

TEST_F(RouterTest, SingleRangeIs206WithContentRange) {
  auto head = get(file_url());
  head.range = "bytes=-10";
  const auto plan = std::get<FilePlan>(route(head));
  EXPECT_EQ(plan.head.status, 206u);
  EXPECT_EQ(plan.first, 99'990u);
  EXPECT_EQ(plan.length, 10u);
  EXPECT_EQ(*plan.head.find_header("Content-Range"), "bytes 99990-99999/100000");
}

TEST_F(RouterTest, UnsatisfiableRangeIs416WithTheSize) {
  auto head = get(file_url());
  head.range = "bytes=100000-";
  const auto reply = std::get<Reply>(route(head));
  EXPECT_EQ(reply.status, 416u);
  EXPECT_EQ(*reply.find_header("Content-Range"), "bytes */100000");
}

TEST_F(RouterTest, SeveralRangesGetAMultipartBodyThatStartsWithTheFirst) {
  auto head = get(file_url());
  head.range = "bytes=5000-5999,0-99";
  const auto plan = std::get<FilePlan>(route(head));
  EXPECT_EQ(plan.head.status, 206u);
  ASSERT_TRUE(plan.multipart);
  EXPECT_EQ(plan.multipart->ranges, (std::vector<ByteRange>{{0, 99}, {5000, 5999}}));
  EXPECT_EQ(plan.first, 0u);
  EXPECT_EQ(plan.length, 100u);
  EXPECT_EQ(*plan.head.find_header("Content-Type"), plan.multipart->content_type());
  EXPECT_EQ(plan.head.find_header("Content-Range"), nullptr);
  EXPECT_EQ(plan.head.content_length, plan.multipart->body_length());
  EXPECT_NE(plan.multipart->part_heads[0].find("Content-Range: bytes 0-99/100000"),
            std::string::npos);

  head.method = "HEAD";
  const auto reply = std::get<Reply>(route(head));
  EXPECT_EQ(reply.status, 206u);
  EXPECT_EQ(reply.content_length, plan.multipart->body_length());
}

TEST_F(RouterTest, MoreRangesThanTheLimitGetTheWholeFile) {
  auto head = get(file_url());
  std::string ranges = "bytes=";
  for (std::size_t i = 0; i <= kMaxMultipartParts; ++i)
    ranges += std::to_string(i * 1000) + "-" + std::to_string(i * 1000 + 9) + ",";
  head.range = ranges;
  const auto plan = std::get<FilePlan>(route(head));
  EXPECT_EQ(plan.head.status, 200u);
  EXPECT_FALSE(plan.multipart);
  EXPECT_EQ(plan.length, 100'000u);
}

TEST_F(RouterTest, ConditionalRequests) {
  const auto etag = *std::get<FilePlan>(route(get(file_url()))).head.find_header("ETag");
  auto head = get(file_url());
  head.if_none_match = etag;
  EXPECT_EQ(std::get<Reply>(route(head)).status, 304u);

  head = get(file_url());
  head.if_match = "\"other\"";
  EXPECT_EQ(std::get<Reply>(route(head)).status, 412u);

  head = get(file_url());
  head.range = "bytes=0-9";
  head.if_range = "\"other\"";
  EXPECT_EQ(std::get<FilePlan>(route(head)).head.status, 200u);
  head.if_range = etag;
  EXPECT_EQ(std::get<FilePlan>(route(head)).head.status, 206u);
}

TEST_F(RouterTest, HeadAnnouncesTheLengthWithoutABody) {
  auto head = get(file_url());
  head.method = "HEAD";
  const auto reply = std::get<Reply>(route(head));
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.content_length, 100'000u);
  EXPECT_TRUE(reply.body.empty());
}

TEST_F(RouterTest, DownloadQueryMakesAnAttachment) {
  const auto plan = std::get<FilePlan>(route(get(file_url() + "?download")));
  EXPECT_EQ(*plan.head.find_header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(plan.head.find_header("Content-Disposition")->rfind("attachment;", 0), 0u);
}

TEST_F(RouterTest, InfoHashHeaderMakesTheWholePathTheFilePath) {
  auto head = get("/Show/notes.txt");
  head.x_info_hash = hex_;
  const auto plan = std::get<FilePlan>(route(head));
  EXPECT_EQ(plan.file->path, "Show/notes.txt");
  head.target = "/" + hex_ + "/Show/notes.txt";  // a repeated hash segment is tolerated
  EXPECT_EQ(std::get<FilePlan>(route(head)).file->path, "Show/notes.txt");
  head.x_info_hash = "nope";
  EXPECT_EQ(std::get<Reply>(route(head)).status, 400u);
}

TEST(TorrentKeys, HybridTorrentsAreKeyedByV1AndV2OnlyByTheTruncatedV2Hash) {
  test::TempDir dir;
  test::write_file(dir / "x" / "file.bin", test::random_bytes(50'000, 9));
  const auto hybrid =
      *torrent::parse_torrent(test::make_torrent(dir / "x", {test::TorrentSpec::Kind::hybrid}));
  const auto v1 =
      *torrent::parse_torrent(test::make_torrent(dir / "x", {test::TorrentSpec::Kind::v1_only}));
  const auto v2 =
      *torrent::parse_torrent(test::make_torrent(dir / "x", {test::TorrentSpec::Kind::v2_only}));
  const auto key = [](const torrent::EntryPtr& entry, const lt::sha1_hash& expected) {
    return entry->meta->hash().raw() == std::string_view(expected.data(), expected.size());
  };
  EXPECT_TRUE(hybrid->meta->has_v2());
  EXPECT_TRUE(key(hybrid, test::info_of(hybrid)->info_hashes().v1));
  EXPECT_FALSE(v1->meta->has_v2());
  EXPECT_TRUE(key(v1, test::info_of(v1)->info_hashes().v1));
  ASSERT_FALSE(test::info_of(v2)->info_hashes().has_v1());
  EXPECT_TRUE(
      key(v2, lt::sha1_hash(test::info_of(v2)->info_hashes().v2.data())));  // first 20 of 32 bytes
}

TEST_F(RouterTest, APlaylistListsTheMediaFilesWithAbsoluteUrlsFromTheHost) {
  for (const auto& target : {"/" + hex_ + "/?m3u", "/" + hex_ + ".m3u"}) {
    auto head = get(target);
    head.host = "gateway.local:8080";
    const auto reply = std::get<Reply>(route(head));
    EXPECT_EQ(reply.status, 200u) << target;
    EXPECT_EQ(*reply.find_header("Content-Type"), "audio/x-mpegurl; charset=utf-8");
    EXPECT_EQ(reply.body,
              "#EXTM3U\n#EXTINF:-1,ep 01.mkv\nhttp://gateway.local:8080" + file_url() + "\n")
        << "notes.txt is no media file";
  }
}

TEST_F(RouterTest, APlaylistBehindAProxyUsesTheForwardedHostAndScheme) {
  auto head = get("/" + hex_ + "/Show/Season%201?m3u");
  head.host = "127.0.0.1:8080";
  head.forwarded_host = "media.example, 10.0.0.2";
  head.forwarded_proto = "HTTPS";
  const auto reply = std::get<Reply>(route(head));
  EXPECT_NE(reply.body.find("https://media.example" + file_url()), std::string::npos) << reply.body;
  head.forwarded_host = "evil\r\n#EXTINF";  // not a host: the Host header is used
  EXPECT_NE(std::get<Reply>(route(head)).body.find("https://127.0.0.1:8080/"), std::string::npos);
}

TEST_F(RouterTest, AHostThatIsNoHostIsNotEchoed) {
  auto head = get("/" + hex_ + "/Show/Season%201?m3u");
  for (const auto* host : {"[::1]:80:evil", "a:b:c", "evil.example:", "evil.example:80x", "[::1",
                           "[evil.example]", "[::1]x"}) {
    head.host = host;
    const auto body = std::get<Reply>(route(head)).body;
    EXPECT_EQ(body.find("http"), std::string::npos) << host << ": " << body;
  }
  for (const auto* host :
       {"media.example", "media.example:8080", "127.0.0.1:80", "[::1]:8080", "[::1]"}) {
    head.host = host;
    EXPECT_NE(std::get<Reply>(route(head)).body.find(std::string("http://") + host + "/"),
              std::string::npos)
        << host;
  }
}

TEST_F(RouterTest, WithAPublicUrlAPlaylistIgnoresTheRequestsHostAndForwardedHeaders) {
  RouterOptions options;
  options.public_url = "https://media.example.org/seeder";
  const Router fixed(options);
  auto head = get("/" + hex_ + ".m3u");
  head.host = "evil.example";
  head.forwarded_host = "evil.example";
  const auto reply =
      std::get<Reply>(fixed.route(std::get<ParsedRequest>(fixed.parse(head)), entry_, nullptr));
  EXPECT_EQ(reply.body,
            "#EXTM3U\n#EXTINF:-1,ep 01.mkv\nhttps://media.example.org/seeder" + file_url() + "\n");
  EXPECT_EQ(reply.find_header("Vary"), nullptr) << "the same for every request";
}

TEST_F(RouterTest, APlaylistOfAPathThatIsNotInTheTorrentIs404) {
  EXPECT_EQ(std::get<Reply>(route(get("/" + hex_ + "/Show/nope?m3u"))).status, 404u);
}

TEST_F(RouterTest, ThePlaylistOfEveryTorrentComesFromTheRoot) {
  auto parsed = router_.parse(get("/?m3u"));
  auto& request = std::get<ParsedRequest>(parsed);
  request.head.host = "h:1";
  const auto reply = router_.root_index(request, {entry_->meta});
  EXPECT_EQ(reply.body, "#EXTM3U\n#EXTINF:-1,ep 01.mkv\nhttp://h:1" + file_url() + "\n");
}

TEST_F(RouterTest, PagesNameTheInstanceThatRenderedThem) {
  const Router named(RouterOptions{"*", "seeder-<2>", false, {}, {}});
  auto parsed = named.parse(get("/"));
  const auto page = named.root_index(std::get<ParsedRequest>(parsed), {entry_->meta});
  EXPECT_NE(page.body.find("instance <code>seeder-&lt;2&gt;</code>"), std::string::npos)
      << page.body;
}

TEST_F(RouterTest, TheIndexPagesShowEachTorrentsLiveStateAndRefreshIt) {
  LiveState live;
  live.pieces_had = 1;
  live.peers = 3;
  live.seeds = 1;
  live.download_rate = 2 << 20;
  live.seconds_joined = 10;
  const auto& meta = *entry_->meta;
  const auto pct = std::to_string(100 / meta.num_pieces());
  EXPECT_EQ(live_summary(meta, live),
            pct + "% on disk \u00b7 3 peers, 1 seed \u00b7 " + "2.0 MiB/s");
  auto waiting = live;
  waiting.peers = 0;
  waiting.seconds_joined = 1;
  EXPECT_EQ(live_summary(meta, waiting), pct + "% on disk \u00b7 looking for peers\u2026");
  waiting.seconds_joined = 5;
  EXPECT_EQ(live_summary(meta, waiting), pct + "% on disk \u00b7 no peers yet");
  waiting.known = 2;
  EXPECT_EQ(live_summary(meta, waiting), pct + "% on disk \u00b7 no peer connected yet (2 known)");
  EXPECT_EQ(live_summary(meta, std::nullopt),
            "not in the swarm now (joins it when a missing piece is read)");

  const LiveStateOf state_of = [&](const InfoHash&) { return std::optional<LiveState>(live); };
  auto json_head = get("/");
  json_head.accept = "application/json";
  const auto json = router_.root_index(std::get<ParsedRequest>(router_.parse(json_head)),
                                       {entry_->meta}, state_of);
  EXPECT_NE(json.body.find("\"state\":{\"live\":true,\"summary\":\"" + pct), std::string::npos)
      << json.body;
  EXPECT_NE(json.body.find("\"peers\":3"), std::string::npos);
  const auto html = router_.root_index(std::get<ParsedRequest>(router_.parse(get("/"))),
                                       {entry_->meta}, state_of);
  EXPECT_NE(html.body.find("data-state=\"" + hex_ + "\">" + pct + "% on disk"), std::string::npos);
  EXPECT_NE(html.body.find("<script>"), std::string::npos) << "refreshes itself";
  EXPECT_EQ(*html.find_header("Cache-Control"), "no-cache");

  const auto page = std::get<Reply>(router_.route(
      std::get<ParsedRequest>(router_.parse(get("/" + hex_ + "/"))), entry_, nullptr, live));
  EXPECT_NE(page.body.find("3 peers, 1 seed"), std::string::npos);
}

TEST_F(RouterTest, ABrowserGetsAnErrorPageThatSaysWhatWasSeenOthersTheLine) {
  const auto error =
      make_error(Errc::timeout, "no peer delivered piece 0 within 60s: no peer found");
  auto head = get("/" + hex_ + "/Show/notes.txt");
  head.accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
  const auto page = router_.error_reply(error, head);
  EXPECT_EQ(page.status, 504u);
  EXPECT_EQ(*page.find_header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<h1>504 Gateway Timeout</h1>"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("no peer delivered piece 0 within 60s: no peer found"),
            std::string::npos);
  EXPECT_NE(page.body.find("href=\"/" + hex_ + "/\""), std::string::npos) << "the torrent's page";
  head.accept = "*/*";
  EXPECT_EQ(router_.error_reply(error, head).body,
            "no peer delivered piece 0 within 60s: no peer found\n");
  // "//host/x" is a path here, never a link to another site.
  head.accept = "text/html";
  head.target = "//evil.example/x";
  EXPECT_NE(router_.error_reply(error, head).body.find("href=\"/evil.example/x?retry\""),
            std::string::npos);
}

TEST_F(RouterTest, AnErrorNeverShowsTheDataDirToTheClient) {
  RouterOptions options;
  options.hidden_paths = {"/srv/seeder/data"};
  const Router router(options);
  const auto error = make_error(Errc::unavailable,
                                "cannot open /srv/seeder/data/" + hex_ + "/content/0/0: too many");
  for (const auto* accept : {"*/*", "application/json", "text/html"}) {
    auto head = get("/" + hex_ + "/Show/notes.txt");
    head.accept = accept;
    const auto reply = router.error_reply(error, head);
    EXPECT_EQ(reply.status, 503u);
    EXPECT_EQ(reply.body.find("/srv/seeder"), std::string::npos) << accept << ": " << reply.body;
    EXPECT_NE(reply.body.find("too many"), std::string::npos) << "the reason stays";
  }
}

TEST_F(RouterTest, TorrentBytesAreNeverSniffedAndPagesInThemAreSandboxed) {
  test::write_file(dir_ / "Site" / "index.html", "<script>alert(1)</script>");
  test::write_file(dir_ / "Site" / "a.txt", "text");
  const auto site = *torrent::parse_torrent(test::make_torrent(dir_ / "Site", {}));
  const auto plan_of = [&](const std::string& path) {
    auto parsed = router_.parse(get("/" + site->meta->hash().hex() + "/" + path));
    const auto& request = std::get<ParsedRequest>(parsed);
    return std::get<FilePlan>(router_.route(request, site, site->meta->find_file(request.path)));
  };
  const auto page = plan_of("Site/index.html");
  EXPECT_EQ(*page.head.find_header("X-Content-Type-Options"), "nosniff");
  ASSERT_NE(page.head.find_header("Content-Security-Policy"), nullptr);
  EXPECT_EQ(*page.head.find_header("Content-Security-Policy"), "sandbox");
  const auto text = plan_of("Site/a.txt");
  EXPECT_EQ(*text.head.find_header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(text.head.find_header("Content-Security-Policy"), nullptr);
}

}  // namespace
}  // namespace seeder::http
