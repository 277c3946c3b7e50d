#pragma once
// Access control (--auth-file): who may ask what. An AccessList holds the tokens of the auth
// file, each with its scope (view: pages, files, playlists, ?stats, ?probe; admin: also uploads,
// magnets and ?warmup); a Gatekeeper judges each request's credentials against it and
// throttles clients that keep presenting wrong ones.
//
// Credentials: `Authorization: Bearer <token>`, or the `seeder_token` cookie that POST /login
// sets for browsers. Tokens are kept as SHA-256 digests and compared in constant time.
//
// Any thread: AccessList is immutable; Gatekeeper locks its failure counts.

#include <array>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "seeder/core/mutex.hpp"
#include "seeder/core/result.hpp"
#include "seeder/http/reply.hpp"

namespace seeder::http {

enum class Scope { view, admin };

// The cookie POST /login sets.
inline constexpr std::string_view kTokenCookie = "seeder_token";

class AccessList {
 public:
  // One credential a line: `<token> <view|admin>`, the token as it is (16 to 256 characters of
  // A-Z a-z 0-9 . _ ~ + / = -) or as `sha256:<64 hex digits>` of it; `#` starts a comment.
  // Errors name the line (`where`: the file, for messages).
  static Result<AccessList> parse(std::string_view text, std::string_view where);
  static Result<AccessList> load(const std::filesystem::path& file);

  // The scope `token` grants, or nullopt. Every stored digest is compared, in constant time.
  [[nodiscard]] std::optional<Scope> scope_of(std::string_view token) const;
  [[nodiscard]] std::size_t size() const { return entries_.size(); }

 private:
  using Digest = std::array<unsigned char, 32>;
  std::vector<std::pair<Digest, Scope>> entries_;
};

// The token a request presents: the Bearer token, else the seeder_token cookie; "" when none.
std::string presented_token(const RequestHead& head);

class Gatekeeper {
 public:
  // Wrong tokens a client may present within kWindow before it is refused (429) until the
  // window ends.
  static constexpr int kFailures = 10;
  static constexpr std::chrono::seconds kWindow{60};
  using Clock = std::chrono::steady_clock;

  explicit Gatekeeper(AccessList tokens) : tokens_(std::move(tokens)) {}

  enum class Verdict { allowed, no_credentials, wrong_token, forbidden, throttled };
  // Whether `head` may ask for something of `needed` scope. A wrong token counts against its
  // client.
  Verdict check(const RequestHead& head, Scope needed, Clock::time_point now = Clock::now());
  // A browser's login: the scope of `token`, or the verdict that refuses it (wrong_token,
  // counted; throttled).
  Result<Scope> login(const std::string& client, std::string_view token,
                      Clock::time_point now = Clock::now());

 private:
  struct Failures {
    Clock::time_point since;
    int count = 0;
  };
  bool throttled_locked(const std::string& client, Clock::time_point now) REQUIRES(mutex_);
  void count_failure_locked(const std::string& client, Clock::time_point now) REQUIRES(mutex_);

  const AccessList tokens_;
  Mutex mutex_;
  std::unordered_map<std::string, Failures> failures_ GUARDED_BY(mutex_);
};

}  // namespace seeder::http
