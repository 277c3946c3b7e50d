#pragma once
// Signed links (--link-key-file, with --auth-file): a URL that opens one file, or one torrent's
// files, until it expires, without any header, so a player handed a plain URL (VLC) can open
// it. The query carries `exp` (Unix seconds), `scope` (file or torrent) and `sig`, the
// unpadded base64url HMAC-SHA256, under the key, of "seeder-link-v1", the method class (GET),
// the scope, the signed path and `exp`, one a line. The signed path is the request's decoded
// path ("/<hash>/<path>"), or "/<hash>/" for a torrent link, which covers every path below it.
//
// Immutable after load: any thread.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "seeder/core/result.hpp"
#include "seeder/http/target.hpp"

namespace seeder::http {

enum class LinkScope { file, torrent };

// Unix seconds `ahead` from now: a link's expiry, or (without `ahead`) the time it is checked at.
std::int64_t unix_time(std::chrono::system_clock::duration ahead = {});

class LinkKey {
 public:
  static constexpr std::size_t kMinKeyBytes = 32;

  // The key file's bytes (a trailing newline dropped): at least kMinKeyBytes.
  static Result<LinkKey> load(const std::filesystem::path& file);
  static Result<LinkKey> from(std::string key);

  // The query that signs `path` (decoded, "/<hash>/..."), to append after '?' or '&'.
  [[nodiscard]] std::string sign(std::string_view path, LinkScope scope,
                                 std::int64_t expires_unix) const;
  // `target` signed with a query of sign(); its own query, if any, is kept before it.
  // Errc::bad_request for a target that names no torrent path.
  [[nodiscard]] Result<std::string> sign_target(std::string_view target, LinkScope scope,
                                                std::int64_t expires_unix) const;

  enum class Verdict { valid, unsigned_link, expired, mismatch };
  // Whether `target` (parsed) carries a valid signature for its own path at `now_unix`.
  [[nodiscard]] Verdict check(const Target& target, std::int64_t now_unix) const;

 private:
  explicit LinkKey(std::string key) : key_(std::move(key)) {}
  [[nodiscard]] std::string signature(std::string_view signed_path, std::string_view scope,
                                      std::string_view expires) const;
  std::string key_;
};

}  // namespace seeder::http
