// RequestHandler without a socket or a swarm: a fake Content records what the handler asks of
// the gateway and answers as each test says, synchronously.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "content.hpp"
#include "seeder/http/request_handler.hpp"
#include "temp_dir.hpp"

namespace seeder::http {
namespace {

class FakeSource : public ByteSource {
 public:
  explicit FakeSource(std::uint64_t size) : size_(size) {}
  [[nodiscard]] std::uint64_t size() const override { return size_; }
  void async_next(std::uint64_t, NextHandler handler) override {
    handler(make_error(Errc::internal, "not read in these tests"));
  }
  void cancel() override { cancelled = true; }
  void bytes_missing() override {}

  bool cancelled = false;

 private:
  std::uint64_t size_;
};

class FakeEvents : public EventStream {
 public:
  void async_next(NextHandler handler) override { handler(std::optional<std::string>{}); }
  void cancel() override { cancelled = true; }
  bool cancelled = false;
};

struct OpenCall {
  std::string path;
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};

class FakeContent : public Content {
 public:
  [[nodiscard]] std::vector<torrent::MetaPtr> list() const override {
    std::vector<torrent::MetaPtr> metas;
    for (const auto& entry : entries)
      metas.push_back(entry->meta);
    return metas;
  }
  void async_find(const InfoHash& hash, const std::string& client, Executor,
                  FindHandler handler) override {
    clients.push_back(client);
    for (const auto& entry : entries) {
      if (entry->meta->hash() == hash) {
        handler(entry);
        return;
      }
    }
    handler(make_error(Errc::not_found, "unknown torrent " + hash.hex()));
  }
  Status remember(const torrent::MagnetLink& magnet) override {
    if (!magnets_on) return make_error(Errc::not_found, "magnets are off");
    remembered.push_back(magnet.hash);
    return {};
  }
  [[nodiscard]] std::optional<LiveState> live_state(const InfoHash& hash) const override {
    if (live && entries.front()->meta->hash() == hash) return *live;
    return std::nullopt;
  }
  std::optional<LiveState> live;
  MetadataWait metadata_wait(const InfoHash&, bool) override { return {}; }
  void note_metadata_failure(const InfoHash&, const Error&) override {}
  void async_add_torrent(std::string bytes, const std::string& client, Executor,
                         FindHandler handler) override {
    clients.push_back(client);
    auto entry = torrent::parse_torrent(std::move(bytes));
    if (entry) entries.push_back(*entry);
    handler(std::move(entry));
  }
  void async_torrent_file(const torrent::EntryPtr& entry, Executor,
                          std::function<void(Result<std::string>)> handler) override {
    handler(entry->torrent_file());
  }
  [[nodiscard]] bool has_vault() const override { return vault_set_up; }
  void async_vault(const torrent::EntryPtr&, const std::string& path, Executor,
                   VaultHandler handler) override {
    vault_asked.push_back(path);
    if (path == vault_holds) {
      handler(net::VaultRedirect{302, "https://vault.example/" + path});
    } else {
      handler(std::nullopt);
    }
  }
  void async_open_file(const torrent::EntryPtr&, const torrent::FileInfo& file, std::uint64_t first,
                       std::uint64_t length, Executor, FileHandler handler) override {
    opened.push_back({file.path, first, length});
    if (open_error) {
      handler(*open_error);
      return;
    }
    last_source = std::make_shared<FakeSource>(length);
    if (hold_open) {
      held = [handler = std::move(handler), source = last_source] {
        handler(std::shared_ptr<ByteSource>(source));
      };
      return;
    }
    handler(std::shared_ptr<ByteSource>(last_source));
  }
  void warm(const torrent::EntryPtr&, const torrent::FileInfo*) override { ++warmed; }
  void async_done(const torrent::EntryPtr&, torrent::Selection, Executor,
                  DoneHandler handler) override {
    ++done_asked;
    handler(done);
  }
  void async_open_stats(const torrent::EntryPtr&, torrent::Selection, Executor,
                        EventsHandler handler) override {
    last_events = std::make_shared<FakeEvents>();
    handler(std::shared_ptr<EventStream>(last_events));
  }
  void async_open_warmup(const torrent::EntryPtr&, torrent::Selection, std::uint64_t, std::uint64_t,
                         Executor, EventsHandler handler) override {
    handler(make_error(Errc::unavailable, "warm-up refused in this test"));
  }

  std::vector<torrent::EntryPtr> entries;
  bool magnets_on = false;
  bool vault_set_up = false;
  std::string vault_holds;
  std::optional<Error> open_error;
  bool hold_open = false;
  bool done = false;

  std::vector<InfoHash> remembered;
  std::vector<std::string> clients;  // who asked, per find and upload
  std::vector<std::string> vault_asked;
  std::vector<OpenCall> opened;
  std::shared_ptr<FakeSource> last_source;
  std::shared_ptr<FakeEvents> last_events;
  std::function<void()> held;
  int warmed = 0;
  int done_asked = 0;
};

class RequestHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::write_file(dir_ / "Show" / "ep 01.mkv", test::random_bytes(100'000, 3));
    test::write_file(dir_ / "Show" / "notes.txt", "hello");
    auto entry = *torrent::parse_torrent(test::make_torrent(dir_ / "Show", {}));
    hex_ = entry->meta->hash().hex();
    content_.entries.push_back(std::move(entry));
  }

  // The response to `head`, or nullopt when the handler did not answer.
  std::optional<Response> handle(RequestHead head, CancelFlag cancelled = nullptr) {
    std::optional<Response> answer;
    handler_.handle(std::move(head), io_.get_executor(), std::move(cancelled),
                    [&answer](Response response) {
                      EXPECT_FALSE(answer) << "answered twice";
                      answer = std::move(response);
                    });
    return answer;
  }
  static RequestHead request(std::string target, std::string method = "GET") {
    RequestHead head;
    head.method = std::move(method);
    head.target = std::move(target);
    return head;
  }
  std::string url(const std::string& path) const { return "/" + hex_ + "/" + path; }

  boost::asio::io_context io_;
  test::TempDir dir_;
  FakeContent content_;
  Router router_{RouterOptions{"*", "", true, {}, {}}};  // uploads on
  RequestHandler handler_{router_, content_};
  std::string hex_;
};

TEST_F(RequestHandlerTest, AFileGetOpensItsBytesAndAnnouncesTheirLength) {
  auto head = request(url("Show/ep%2001.mkv"));
  head.range = "bytes=1000-1999";
  const auto response = handle(head);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->reply.status, 206u);
  ASSERT_EQ(content_.opened.size(), 1u);
  EXPECT_EQ(content_.opened[0].path, "Show/ep 01.mkv");
  EXPECT_EQ(content_.opened[0].first, 1000u);
  EXPECT_EQ(content_.opened[0].length, 1000u);
  EXPECT_EQ(response->file, content_.last_source);
  EXPECT_EQ(response->content_length(), 1000u);
  EXPECT_TRUE(response->announces_length());
  EXPECT_TRUE(response->sends_body());
  EXPECT_STREQ(response->route, "file");
}

TEST_F(RequestHandlerTest, AHeadOpensNothingWarmsTheTorrentAndSendsNoBody) {
  const auto response = handle(request(url("Show/ep%2001.mkv"), "HEAD"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->reply.status, 200u);
  EXPECT_TRUE(content_.opened.empty());
  EXPECT_EQ(content_.warmed, 1);
  EXPECT_EQ(response->content_length(), 100'000u);
  EXPECT_FALSE(response->sends_body());
}

TEST_F(RequestHandlerTest, AnEarlyAnswerToAHeadHasNoBodyEither) {
  const auto response = handle(request("/not-a-hash/x", "HEAD"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->reply.status, 400u);
  EXPECT_FALSE(response->sends_body());
  EXPECT_GT(response->content_length(), 0u);  // the GET's error text, announced
}

TEST_F(RequestHandlerTest, AnUnknownHashIs404WithoutOpeningAnything) {
  const auto response = handle(request("/" + std::string(40, 'a') + "/x"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->reply.status, 404u);
  EXPECT_TRUE(content_.opened.empty());
}

TEST_F(RequestHandlerTest, TheRootListsEveryTorrent) {
  const auto response = handle(request("/"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->reply.status, 200u);
  EXPECT_NE(response->reply.body.find(hex_), std::string::npos);
  EXPECT_STREQ(response->route, "root");
}

TEST_F(RequestHandlerTest, AFileTheVaultHoldsIsRedirectedThereAndNotOpened) {
  content_.vault_set_up = true;
  content_.vault_holds = "Show/ep 01.mkv";
  const auto response = handle(request(url("Show/ep%2001.mkv")));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->reply.status, 302u);
  ASSERT_TRUE(response->reply.find_header("Location"));
  EXPECT_EQ(*response->reply.find_header("Location"), "https://vault.example/Show/ep 01.mkv");
  EXPECT_TRUE(content_.opened.empty());

  const auto other = handle(request(url("Show/notes.txt")));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->reply.status, 200u);
  EXPECT_EQ(content_.opened.size(), 1u);
  EXPECT_EQ(content_.vault_asked.size(), 2u);
}

TEST_F(RequestHandlerTest, QueryModesAskTheVaultFirstToo) {
  content_.vault_set_up = true;
  content_.vault_holds = "Show/ep 01.mkv";
  const auto done = handle(request(url("Show/ep%2001.mkv?done")));
  ASSERT_TRUE(done);
  EXPECT_EQ(done->reply.status, 200u);
  EXPECT_EQ(content_.done_asked, 0);  // the vault answered
  const auto stats = handle(request(url("Show/ep%2001.mkv?stats")));
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->reply.status, 404u);
  EXPECT_FALSE(content_.last_events);
}

TEST_F(RequestHandlerTest, StatsAreAChunkedEventStream) {
  const auto response = handle(request(url("Show/ep%2001.mkv?stats")));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->reply.status, 200u);
  EXPECT_EQ(response->events, content_.last_events);
  EXPECT_FALSE(response->announces_length());
  EXPECT_TRUE(response->sends_body());
  EXPECT_STREQ(response->route, "stats");
}

TEST_F(RequestHandlerTest, AnOpenFailureBecomesItsStatus) {
  content_.open_error = make_error(Errc::unavailable, "cannot open the torrent's storage: full");
  const auto response = handle(request(url("Show/notes.txt")));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->reply.status, 503u);
  EXPECT_NE(response->reply.body.find("cannot open the torrent's storage"), std::string::npos);
  EXPECT_FALSE(response->file);

  const auto warmup = handle(request(url("Show/notes.txt?warmup")));
  ASSERT_TRUE(warmup);
  EXPECT_EQ(warmup->reply.status, 503u);
}

TEST_F(RequestHandlerTest, ACancelledRequestIsNotAnsweredAndItsSourceIsCancelled) {
  content_.hold_open = true;
  auto cancelled = std::make_shared<bool>(false);
  const auto response = handle(request(url("Show/ep%2001.mkv")), cancelled);
  EXPECT_FALSE(response);
  ASSERT_TRUE(content_.held);
  *cancelled = true;  // the client hung up while its bytes were being fetched
  bool answered = false;
  handler_.handle(request(url("Show/notes.txt")), io_.get_executor(), cancelled,
                  [&answered](Response) { answered = true; });
  EXPECT_FALSE(answered);
  const auto first_source = content_.last_source;
  content_.held();  // the first open completes after the hang-up
  EXPECT_TRUE(first_source->cancelled);
}

TEST_F(RequestHandlerTest, MagnetLinksAreRememberedOnlyWhenOn) {
  const auto link = "/magnet?uri=magnet%3A%3Fxt%3Durn%3Abtih%3A" + std::string(40, 'b');
  const auto off = handle(request(link));
  ASSERT_TRUE(off);
  EXPECT_EQ(off->reply.status, 404u);
  content_.magnets_on = true;
  const auto on = handle(request(link));
  ASSERT_TRUE(on);
  EXPECT_EQ(on->reply.status, 302u);
  EXPECT_EQ(*on->reply.find_header("Location"), "/" + std::string(40, 'b') + "/");
  EXPECT_EQ(content_.remembered.size(), 1u);
}

TEST_F(RequestHandlerTest, UnreadableRequestsAreRejectedWithTheirStatus) {
  EXPECT_EQ(handler_.reject(make_error(Errc::header_too_large, "too large")).reply.status, 431u);
  EXPECT_EQ(handler_.reject(make_error(Errc::bad_request, "malformed")).reply.status, 400u);
  EXPECT_EQ(handler_.reject(make_error(Errc::not_implemented, "gzip")).reply.status, 501u);
}

TEST_F(RequestHandlerTest, AnUploadedTorrentIsAddedAndTheClientSentToItsPage) {
  test::write_file(dir_ / "Other" / "a.bin", test::random_bytes(5000, 9));
  const auto bytes = test::make_torrent(dir_ / "Other", {});
  const auto hash = (*torrent::parse_torrent(bytes))->meta->hash().hex();
  auto head = request("/", "POST");
  head.content_type = "application/x-bittorrent";
  head.body = bytes;
  head.client = "192.0.2.7";
  const auto response = handle(head);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->reply.status, 303u);
  EXPECT_EQ(content_.clients, std::vector<std::string>{"192.0.2.7"}) << "its quota is counted";
  EXPECT_EQ(*response->reply.find_header("Location"), "/" + hash + "/");
  ASSERT_EQ(content_.entries.size(), 2u);
  EXPECT_EQ(content_.entries.back()->meta->hash().hex(), hash);
  EXPECT_STREQ(response->route, "upload");
}

TEST_F(RequestHandlerTest, AnUploadedMagnetIsRememberedAndBadUploadsAre400) {
  content_.magnets_on = true;
  auto head = request("/", "POST");
  head.content_type = "application/x-www-form-urlencoded";
  head.body = "magnet=magnet%3A%3Fxt%3Durn%3Abtih%3A" + std::string(40, 'c');
  const auto magnet = handle(head);
  ASSERT_TRUE(magnet);
  EXPECT_EQ(magnet->reply.status, 303u);
  EXPECT_EQ(*magnet->reply.find_header("Location"), "/" + std::string(40, 'c') + "/");
  EXPECT_EQ(content_.remembered.size(), 1u);

  head.content_type = "application/x-bittorrent";
  head.body = "d4:spam3:egge";  // bencoded, but no torrent
  const auto broken = handle(head);
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->reply.status, 400u);
  head.content_type = "text/plain";
  head.body = "hello";
  EXPECT_EQ(handle(head)->reply.status, 400u);
  EXPECT_EQ(content_.entries.size(), 1u);
}

TEST_F(RequestHandlerTest, PostIsOnlyForTheRootAndOnlyWhenUploadsAreOn) {
  EXPECT_EQ(handle(request(url("Show/notes.txt"), "POST"))->reply.status, 405u);
  const Router closed{RouterOptions{}};
  RequestHandler handler{closed, content_};
  std::optional<Response> answer;
  auto head = request("/", "POST");
  head.body = "magnet:?xt=urn:btih:" + std::string(40, 'c');
  handler.handle(head, io_.get_executor(), nullptr, [&](Response r) { answer = std::move(r); });
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->reply.status, 405u);
  EXPECT_NE(answer->reply.body.find("--allow-uploads"), std::string::npos);
}

TEST_F(RequestHandlerTest, SeveralRangesGetTheWholeFileWhileEveryMultipartSlotIsTaken) {
  RequestHandler handler{router_, content_, 1};
  const auto ask = [&] {
    auto head = request(url("Show/ep%2001.mkv"));
    head.range = "bytes=0-9,5000-5009";
    std::optional<Response> answer;
    handler.handle(head, io_.get_executor(), nullptr, [&](Response r) { answer = std::move(r); });
    return answer;
  };
  auto first = ask();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->reply.status, 206u);
  const auto second = ask();  // the first body still holds the only slot
  ASSERT_TRUE(second);
  EXPECT_EQ(second->reply.status, 200u);
  EXPECT_EQ(second->content_length(), 100'000u);
  first.reset();  // the first body is done: its slot is free again
  EXPECT_EQ(ask()->reply.status, 206u);
}

}  // namespace
}  // namespace seeder::http

namespace seeder::http {
namespace {

// One client may have so many file bodies open at once; its next gets 429 until one is done.
// Other clients, and loopback ones, are not counted against it.
TEST_F(RequestHandlerTest, AClientMayStreamSoManyFilesAtOnce) {
  RequestHandler capped(router_, content_, RequestHandler::kMultipartSlots, {}, {}, 2);
  const auto get = [&](const std::string& client) {
    auto head = request(url("Show/ep%2001.mkv"));
    head.client = client;
    std::optional<Response> answer;
    capped.handle(std::move(head), io_.get_executor(), nullptr,
                  [&](Response response) { answer = std::move(response); });
    return answer;
  };
  auto first = get("203.0.113.5");
  auto second = get("203.0.113.5");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->reply.status, 200u);
  const auto third = get("203.0.113.5");
  ASSERT_TRUE(third);
  EXPECT_EQ(third->reply.status, 429u);
  EXPECT_NE(third->reply.find_header("Retry-After"), nullptr);
  EXPECT_EQ(get("203.0.113.6")->reply.status, 200u) << "another client";
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(get("127.0.0.1")->reply.status, 200u) << "loopback is never capped";
  first.reset();  // the body is done: its place is free
  EXPECT_EQ(get("203.0.113.5")->reply.status, 200u);
}

}  // namespace
}  // namespace seeder::http
