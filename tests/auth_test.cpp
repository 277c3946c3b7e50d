// --auth-file over real HTTP: every route needs a token of its scope; browsers sign in for a
// cookie; wrong tokens are throttled; without the file nothing changes.
#include <gtest/gtest.h>

#include "http_client.hpp"
#include "seeder/http/signed_link.hpp"
#include "swarm.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kView = "view-token-0123456789";
constexpr const char* kAdmin = "admin-token-0123456789";

Headers bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

class AuthTest : public GatewaySuite {
 protected:
  void with_auth() {
    const auto file = extra_content() / "auth";
    write_file(file, std::string("# who may\n") + kView + " view\n" + kAdmin + " admin\n");
    config_.auth_file = file;
    config_.allow_uploads = true;
    config_.allow_magnets = true;
  }
  const TestTorrent& torrent() { return swarm().big_v1(); }
  std::string file_url() { return torrent().url(torrent().name); }
};

TEST_F(AuthTest, EveryRouteNeedsATokenOfItsScope) {
  with_auth();
  start();
  const auto magnet = "/magnet?uri=magnet:%3Fxt=urn:btih:" + torrent().hash.hex();
  for (const auto& target : {std::string("/"), "/" + torrent().hash.hex() + "/", file_url(),
                             file_url() + "?stats", file_url() + "?done", std::string("/?m3u"),
                             "/" + torrent().hash.hex() + "/source.torrent", magnet}) {
    const auto refused = http_get(port_, target);
    EXPECT_EQ(refused.status, 401u) << target;
    EXPECT_EQ(refused.header("www-authenticate"), "Bearer realm=\"seeder\"") << target;
    EXPECT_EQ(refused.body.find(torrent().name), std::string::npos) << target << ": leaked";
  }
  const auto file =
      http_get(port_, file_url(),
               {{"Authorization", std::string("Bearer ") + kView}, {"Range", "bytes=0-99"}});
  EXPECT_EQ(file.status, 206u);
  EXPECT_TRUE(file.body == torrent().files.at(torrent().name).substr(0, 100));
  EXPECT_EQ(http_get(port_, "/", bearer(kView)).status, 200u);
  EXPECT_EQ(http_get(port_, magnet, bearer(kView)).status, 403u) << "adding is the admin's";
  EXPECT_EQ(http_get(port_, file_url() + "?warmup", bearer(kView)).status, 403u);
  EXPECT_EQ(http_get(port_, magnet, bearer(kAdmin)).status, 302u);
  const auto upload = http_request(port_, "POST", "/",
                                   {{"Authorization", std::string("Bearer ") + kView},
                                    {"Content-Type", "application/x-bittorrent"}});
  EXPECT_EQ(upload.status, 403u);
  EXPECT_EQ(http_get(port_, "/", bearer("wrong-token-0000000000")).status, 401u);
}

TEST_F(AuthTest, ABrowserSignsInOnceAndKeepsACookie) {
  with_auth();
  start();
  const Headers browser = {{"Accept", "text/html"}};
  const auto page = http_get(port_, file_url() + "?play", browser);
  ASSERT_EQ(page.status, 401u);
  EXPECT_NE(page.body.find("action=\"/login\""), std::string::npos) << "a sign-in form";

  HttpConnection form(port_);
  const auto next = "/" + torrent().hash.hex() + "/?sort=name";
  std::string encoded_next;
  for (const char c : next)
    encoded_next += c == '?' ? std::string("%3F") : std::string(1, c);
  const auto wrong =
      form.request("POST", "/login", {{"Content-Type", "application/x-www-form-urlencoded"}}, 10s,
                   "next=" + encoded_next + "&token=wrong-token-00000000000");
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(wrong.header("set-cookie"), "");
  const auto signed_in =
      form.request("POST", "/login", {{"Content-Type", "application/x-www-form-urlencoded"}}, 10s,
                   "next=" + encoded_next + "&token=" + kView);
  ASSERT_EQ(signed_in.status, 303u) << signed_in.body;
  EXPECT_EQ(signed_in.header("location"), next);
  const auto cookie = signed_in.header("set-cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(cookie.find("SameSite=Lax"), std::string::npos);
  const auto again = http_get(
      port_, next, {{"Accept", "text/html"}, {"Cookie", cookie.substr(0, cookie.find(';'))}});
  EXPECT_EQ(again.status, 200u) << "the torrent's page, signed in";
  EXPECT_NE(again.body.find(torrent().name), std::string::npos);

  const auto elsewhere =
      form.request("POST", "/login", {{"Content-Type", "application/x-www-form-urlencoded"}}, 10s,
                   "next=//evil.example/&token=" + std::string(kView));
  EXPECT_EQ(elsewhere.header("location"), "/") << "never sent to another site";
  const auto split =
      form.request("POST", "/login", {{"Content-Type", "application/x-www-form-urlencoded"}}, 10s,
                   "next=/x%0d%0aSet-Cookie:%20evil=1&token=" + std::string(kView));
  EXPECT_EQ(split.header("location"), "/") << "no header of the client's making";
}

TEST_F(AuthTest, WrongTokensAreThrottledPerClient) {
  with_auth();
  start();
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(http_get(port_, "/", bearer("wrong-token-0000000000")).status, 401u);
  const auto throttled = http_get(port_, "/", bearer(kView));
  EXPECT_EQ(throttled.status, 429u) << "a good token too, for a minute";
  EXPECT_EQ(throttled.header("retry-after"), "1");
}

// A signed link (seeder sign) opens what it names, with a Range, without a header, until it
// expires; nothing else, and never an admin route.
TEST_F(AuthTest, ASignedLinkOpensItsFileAndNothingElse) {
  with_auth();
  const auto key_file = extra_content() / "link.key";
  write_file(key_file, std::string(40, 'k'));
  config_.link_key_file = key_file;
  write_file(extra_content() / "Clips" / "clip.mp4", random_bytes(40'000, 5));
  const auto clips = seed_extra(extra_content() / "Clips", "clips");
  start();
  const auto key = *http::LinkKey::load(key_file);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto link = *key.sign_target(file_url(), http::LinkScope::file, now + 600);
  const auto part = http_get(port_, link, {{"Range", "bytes=100-199"}});
  EXPECT_EQ(part.status, 206u) << part.body;
  EXPECT_TRUE(part.body == torrent().files.at(torrent().name).substr(100, 100));
  const auto expired = *key.sign_target(file_url(), http::LinkScope::file, now - 1);
  EXPECT_EQ(http_get(port_, expired).status, 403u);
  const auto& other = swarm().big_hybrid();
  const auto query = link.substr(link.find('?') + 1);
  EXPECT_EQ(http_get(port_, other.url(other.name) + "?" + query).status, 403u)
      << "another torrent's file";
  EXPECT_EQ(http_get(port_, link + "&warmup").status, 403u) << "a link only reads";
  const auto torrent_link =
      *key.sign_target("/" + torrent().hash.hex() + "/", http::LinkScope::torrent, now + 600);
  EXPECT_EQ(http_get(port_, torrent_link).status, 200u) << "the torrent's page";

  // A playlist fetched with a token hands out links that open without one (VLC).
  const auto playlist = http_get(port_, "/" + clips.hash.hex() + "/?m3u", bearer(kView));
  ASSERT_EQ(playlist.status, 200u);
  const auto at = playlist.body.find("http://");
  ASSERT_NE(at, std::string::npos) << playlist.body;
  const auto entry = playlist.body.substr(at, playlist.body.find('\n', at) - at);
  EXPECT_NE(entry.find("&sig="), std::string::npos) << entry;
  const auto from_list =
      http_get(port_, entry.substr(entry.find('/', 7)), {{"Range", "bytes=0-9"}});
  EXPECT_EQ(from_list.status, 206u) << entry;
}

TEST_F(AuthTest, WithoutAnAuthFileNothingIsAskedAndThereIsNoSignIn) {
  start();
  EXPECT_EQ(http_get(port_, file_url()).status, 200u);
  EXPECT_EQ(http_get(port_, "/login").status, 404u);
}

}  // namespace
}  // namespace seeder::test
