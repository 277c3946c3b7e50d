// http/router_replies: the statuses typed errors become, CORS headers, and the error reply's
// forms (JSON, HTML, text). Router parts that need no torrent.
#include <gtest/gtest.h>

#include "seeder/http/router.hpp"

namespace seeder::http {
namespace {

TEST(RouterCors, AnOriginListEchoesOnlyListedOrigins) {
  Router router(RouterOptions{"https://a.example, https://b.example", "", false, {}, {}});
  RequestHead head;
  head.origin = "https://b.example";
  Reply reply;
  router.add_cors(reply, head);
  EXPECT_EQ(*reply.find_header("Access-Control-Allow-Origin"), "https://b.example");
  head.origin = "https://evil.example";
  Reply denied;
  router.add_cors(denied, head);
  EXPECT_EQ(denied.find_header("Access-Control-Allow-Origin"), nullptr);
}

TEST(RouterErrors, EachErrorCodeHasItsStatus) {
  EXPECT_EQ(status_for(Errc::bad_request), 400u);
  EXPECT_EQ(status_for(Errc::not_found), 404u);
  EXPECT_EQ(status_for(Errc::unavailable), 503u);
  EXPECT_EQ(status_for(Errc::timeout), 504u);
  EXPECT_EQ(status_for(Errc::internal), 500u);
  EXPECT_EQ(status_for(Errc::not_implemented), 501u);
}

TEST(RouterRepliesTest, EveryOtherErrorCodeHasItsStatusToo) {
  EXPECT_EQ(status_for(Errc::header_too_large), 431u);
  EXPECT_EQ(status_for(Errc::payload_too_large), 413u);
  EXPECT_EQ(status_for(Errc::method_not_allowed), 405u);
  EXPECT_EQ(status_for(Errc::forbidden), 403u);
  EXPECT_EQ(status_for(Errc::precondition_failed), 412u);
  EXPECT_EQ(status_for(Errc::range_not_satisfiable), 416u);
  EXPECT_EQ(status_for(Errc::unauthenticated), 401u);
  EXPECT_EQ(status_for(Errc::too_many_requests), 429u);
  EXPECT_EQ(status_for(Errc::upstream), 502u);
  EXPECT_EQ(status_for(Errc::cancelled), 500u);
  EXPECT_EQ(status_for(Errc::io), 500u);
  EXPECT_EQ(status_for(Errc::corrupt), 500u);
}

TEST(RouterRepliesTest, AnyOriginAllowedIsAStarThatVariesWithNothing) {
  Router router(RouterOptions{});
  RequestHead head;
  head.origin = "https://a.example";
  Reply reply;
  router.add_cors(reply, head);
  EXPECT_EQ(*reply.find_header("Access-Control-Allow-Origin"), "*");
  ASSERT_NE(reply.find_header("Access-Control-Expose-Headers"), nullptr);
  EXPECT_NE(reply.find_header("Access-Control-Expose-Headers")->find("Content-Range"),
            std::string::npos);
  EXPECT_EQ(reply.find_header("Vary"), nullptr);
}

TEST(RouterRepliesTest, AnOriginListIgnoresSpacesAroundEachOriginAndAlwaysVaries) {
  Router router(RouterOptions{"https://a.example ,https://b.example", "", false, {}, {}});
  RequestHead head;
  head.origin = "https://a.example";
  Reply reply;
  router.add_cors(reply, head);
  ASSERT_NE(reply.find_header("Access-Control-Allow-Origin"), nullptr);
  EXPECT_EQ(*reply.find_header("Access-Control-Allow-Origin"), "https://a.example");
  EXPECT_EQ(*reply.find_header("Vary"), "Origin");

  head.origin.clear();
  Reply none;
  router.add_cors(none, head);
  EXPECT_EQ(none.find_header("Access-Control-Allow-Origin"), nullptr);
  EXPECT_EQ(*none.find_header("Vary"), "Origin") << "a cache must not give it to a listed origin";
}

TEST(RouterRepliesTest, NoCorsMeansNoCorsHeaders) {
  Router router(RouterOptions{"", "", false, {}, {}});
  RequestHead head;
  head.origin = "https://a.example";
  Reply reply;
  router.add_cors(reply, head);
  EXPECT_TRUE(reply.headers.empty());
}

TEST(RouterRepliesTest, AnErrorIsNeverCachedAndTooManyRequestsSaysWhenToRetry) {
  Router router(RouterOptions{});
  RequestHead head;
  head.target = "/x";
  const auto busy = router.error_reply(make_error(Errc::too_many_requests, "busy"), head);
  EXPECT_EQ(busy.status, 429u);
  EXPECT_EQ(busy.body, "busy\n");
  EXPECT_EQ(*busy.find_header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(*busy.find_header("Cache-Control"), "no-store");
  ASSERT_NE(busy.find_header("Retry-After"), nullptr);
  EXPECT_EQ(*busy.find_header("Retry-After"), "1");

  head.accept = "application/json";
  const auto json = router.error_reply(make_error(Errc::not_found, "no \"such\" file"), head);
  EXPECT_EQ(json.status, 404u);
  EXPECT_EQ(json.body, "{\"status\":404,\"error\":\"no \\\"such\\\" file\"}\n");
  EXPECT_EQ(*json.find_header("Content-Type"), "application/json");
  EXPECT_EQ(json.find_header("Retry-After"), nullptr);
  EXPECT_EQ(*json.find_header("Access-Control-Allow-Origin"), "*") << "CORS on errors too";
}

}  // namespace
}  // namespace seeder::http
