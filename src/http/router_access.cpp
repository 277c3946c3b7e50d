// Router's access decisions with --auth-file: the scope each route needs, the answers to a
// request without a good token, and the browser's sign-in (see access.hpp).
#include <algorithm>
#include <chrono>

#include "request_traits.hpp"
#include "seeder/http/render.hpp"
#include "seeder/http/router.hpp"
#include "seeder/http/target.hpp"

namespace seeder::http {
namespace {

// How long a browser stays signed in.
constexpr int kCookieSeconds = 30 * 24 * 3600;

// Adding torrents and fetching arbitrary ranges are the operator's; reading is the viewer's.
Scope scope_needed(const ParsedRequest& request) {
  if (request.route == Route::upload || request.route == Route::magnet) return Scope::admin;
  if (request.route == Route::torrent_mode && request.mode == Mode::warmup) return Scope::admin;
  return Scope::view;
}

// Where a sign-in goes back to: a path on this gateway only ("/x", never "//host" or a URL),
// and nothing that could end the Location header.
std::string safe_next(std::string_view next) {
  const bool control = std::any_of(next.begin(), next.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (control || !next.starts_with('/') || next.starts_with("//") || next.starts_with("/\\"))
    return "/";
  return std::string(next);
}

}  // namespace

std::optional<Reply> Router::admit(const ParsedRequest& request) const {
  if (request.route == Route::login) return login_reply(request);
  if (request.route == Route::asset) return std::nullopt;  // the player's script: no secret
  if (options_.links && request.target.has_query("sig")) return admit_signed(request);
  switch (options_.gate->check(request.head, scope_needed(request))) {
    case Gatekeeper::Verdict::allowed:
      return std::nullopt;
    case Gatekeeper::Verdict::no_credentials:
      return unauthorized_reply(request,
                                "this gateway needs a token: Authorization: Bearer <token>");
    case Gatekeeper::Verdict::wrong_token:
      return unauthorized_reply(request, "wrong token");
    case Gatekeeper::Verdict::forbidden:
      return error_reply(make_error(Errc::forbidden, "this needs an admin token"), request);
    case Gatekeeper::Verdict::throttled:
      break;
  }
  return error_reply(make_error(Errc::too_many_requests, "too many wrong tokens: wait a minute"),
                     request);
}

std::string Router::share_query(const torrent::TorrentMeta& meta,
                                const torrent::FileInfo& file) const {
  if (!options_.links || !options_.gate) return {};
  return options_.links->sign("/" + meta.hash().hex() + "/" + file.path, LinkScope::file,
                              unix_time(options_.link_lifetime));
}

// A signed link reads what it names until it expires, and nothing else; no token is looked at.
std::optional<Reply> Router::admit_signed(const ParsedRequest& request) const {
  switch (options_.links->check(request.target, unix_time())) {
    case LinkKey::Verdict::valid:
      if (scope_needed(request) == Scope::view) return std::nullopt;
      return error_reply(make_error(Errc::forbidden, "a signed link only reads"), request);
    case LinkKey::Verdict::expired:
      return error_reply(make_error(Errc::forbidden, "this signed link has expired"), request);
    case LinkKey::Verdict::unsigned_link:
    case LinkKey::Verdict::mismatch:
      break;
  }
  return error_reply(make_error(Errc::forbidden, "this signed link is not for this path"), request);
}

// 401: a browser gets the sign-in page, which comes back here; others a line or JSON.
Reply Router::unauthorized_reply(const ParsedRequest& request, std::string_view why) const {
  Reply reply;
  if (request.wants_html) {
    reply = ok_reply(request, "text/html; charset=utf-8",
                     render_login_html(request.head.target, why, options_.instance_name));
    reply.status = 401;
    reply.headers.push_back({"Cache-Control", "no-store"});
  } else {
    reply = error_reply(make_error(Errc::unauthenticated, std::string(why)), request);
  }
  reply.headers.push_back({"WWW-Authenticate", "Bearer realm=\"seeder\""});
  return reply;
}

// GET /login: the page. POST /login (token, next): the cookie and 303 to `next`, or the page
// again saying what was wrong.
Reply Router::login_reply(const ParsedRequest& request) const {
  if (request.method != Method::post) {
    const auto next = safe_next(request.target.query_value("next").value_or("/"));
    auto page = ok_reply(request, "text/html; charset=utf-8",
                         render_login_html(next, {}, options_.instance_name));
    page.headers.push_back({"Cache-Control", "no-store"});
    return page;
  }
  // An application/x-www-form-urlencoded body; a malformed one has no fields.
  const auto form = parse_query(request.head.body).value_or(QueryPairs{});
  const auto token = std::string(query_value(form, "token").value_or(""));
  const auto next = safe_next(query_value(form, "next").value_or(""));
  const auto signed_in = options_.gate->login(request.head.client, token);
  if (!signed_in) {
    if (signed_in.error().code == Errc::too_many_requests)
      return error_reply(signed_in.error(), request);
    auto page =
        ok_reply(request, "text/html; charset=utf-8",
                 render_login_html(next, signed_in.error().message, options_.instance_name));
    page.status = 401;
    page.headers.push_back({"Cache-Control", "no-store"});
    return page;
  }
  Reply reply;
  reply.status = 303;
  reply.headers.push_back({"Location", next});
  // Secure when a trusted proxy says the client came over TLS (the cookie then never travels
  // in the clear).
  const bool tls = request.head.forwarded_proto == "https";
  reply.headers.push_back({"Set-Cookie", std::string(kTokenCookie) + "=" + token +
                                             "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
                                             std::to_string(kCookieSeconds) +
                                             (tls ? "; Secure" : "")});
  reply.headers.push_back({"Cache-Control", "no-store"});
  return reply;
}

}  // namespace seeder::http
