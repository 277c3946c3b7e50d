#include "seeder/http/access.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>

#include "seeder/core/read_file.hpp"
#include "seeder/core/text.hpp"

namespace seeder::http {
namespace {

constexpr std::size_t kMinToken = 16;
constexpr std::size_t kMaxToken = 256;
// Failure counts kept at most for this many clients (a flood of addresses forgets the oldest
// windows, never grows without bound).
constexpr std::size_t kMaxClients = 10'000;

bool token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '~' ||
         c == '+' || c == '/' || c == '=' || c == '-';
}

bool plausible_token(std::string_view token) {
  return token.size() >= kMinToken && token.size() <= kMaxToken &&
         std::all_of(token.begin(), token.end(), token_char);
}

std::array<unsigned char, 32> digest_of(std::string_view token) {
  std::array<unsigned char, 32> digest{};
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), digest.data());
  return digest;
}

std::optional<std::array<unsigned char, 32>> digest_from_hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  std::array<unsigned char, 32> digest{};
  for (std::size_t i = 0; i < 32; ++i) {
    const int high = hex_digit_value(hex[2 * i]);
    const int low = hex_digit_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    digest[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return digest;
}

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  while (!line.empty()) {
    const auto start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    const auto end = line.find_first_of(" \t");
    words.push_back(line.substr(0, end));
    line = end == std::string_view::npos ? std::string_view{} : line.substr(end);
  }
  return words;
}

std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semicolon = header.find(';');
    auto pair = trim_ows(header.substr(0, semicolon));
    header =
        semicolon == std::string_view::npos ? std::string_view{} : header.substr(semicolon + 1);
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name)
      return pair.substr(equals + 1);
  }
  return {};
}

}  // namespace

Result<AccessList> AccessList::parse(std::string_view text, std::string_view where) {
  AccessList list;
  int number = 0;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    auto line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
    ++number;
    line = line.substr(0, line.find('#'));
    const auto words = words_of(line);
    if (words.empty()) continue;
    const auto at = std::string(where) + ":" + std::to_string(number) + ": ";
    if (words.size() != 2)
      return make_error(Errc::bad_request, at + "expected `<token> <view|admin>`");
    std::optional<Scope> scope;
    if (words[1] == "view") scope = Scope::view;
    if (words[1] == "admin") scope = Scope::admin;
    if (!scope) return make_error(Errc::bad_request, at + "the scope is view or admin");
    std::optional<Digest> digest;
    if (words[0].starts_with("sha256:")) {
      digest = digest_from_hex(words[0].substr(7));
      if (!digest) return make_error(Errc::bad_request, at + "sha256: takes 64 hex digits");
    } else if (plausible_token(words[0])) {
      digest = digest_of(words[0]);
    } else {
      return make_error(Errc::bad_request,
                        at + "a token is 16 to 256 characters of A-Z a-z 0-9 . _ ~ + / = -");
    }
    list.entries_.emplace_back(*digest, *scope);
  }
  if (list.entries_.empty())
    return make_error(Errc::bad_request, std::string(where) + ": no credential in it");
  return list;
}

Result<AccessList> AccessList::load(const std::filesystem::path& file) {
  const auto text = read_file(file);
  if (!text) return make_error(Errc::io, "cannot read the auth file " + file.string());
  return parse(*text, file.string());
}

std::optional<Scope> AccessList::scope_of(std::string_view token) const {
  if (!plausible_token(token)) return std::nullopt;
  const auto digest = digest_of(token);
  std::optional<Scope> granted;
  for (const auto& [stored, scope] : entries_) {
    // No early exit: the time taken does not say which entry, if any, matched.
    const bool match = CRYPTO_memcmp(stored.data(), digest.data(), digest.size()) == 0;
    if (match && (!granted || scope == Scope::admin)) granted = scope;
  }
  return granted;
}

std::string presented_token(const RequestHead& head) {
  constexpr std::string_view kBearer = "Bearer ";
  std::string_view authorization = trim_ows(head.authorization);
  if (authorization.size() > kBearer.size() &&
      to_lower(authorization.substr(0, kBearer.size())) == "bearer ")
    return std::string(trim_ows(authorization.substr(kBearer.size())));
  return std::string(cookie_value(head.cookie, kTokenCookie));
}

Gatekeeper::Verdict Gatekeeper::check(const RequestHead& head, Scope needed,
                                      Clock::time_point now) {
  const auto token = presented_token(head);
  LockGuard lock(mutex_);
  if (throttled_locked(head.client, now)) return Verdict::throttled;
  if (token.empty()) return Verdict::no_credentials;
  const auto scope = tokens_.scope_of(token);
  if (!scope) {
    count_failure_locked(head.client, now);
    return Verdict::wrong_token;
  }
  return needed == Scope::admin && *scope != Scope::admin ? Verdict::forbidden : Verdict::allowed;
}

Result<Scope> Gatekeeper::login(const std::string& client, std::string_view token,
                                Clock::time_point now) {
  LockGuard lock(mutex_);
  if (throttled_locked(client, now))
    return make_error(Errc::too_many_requests, "too many wrong tokens: wait a minute");
  if (const auto scope = tokens_.scope_of(token)) return *scope;
  count_failure_locked(client, now);
  return make_error(Errc::unauthenticated, "wrong token");
}

bool Gatekeeper::throttled_locked(const std::string& client, Clock::time_point now) {
  const auto it = failures_.find(client);
  if (it == failures_.end()) return false;
  if (now - it->second.since >= kWindow) {
    failures_.erase(it);
    return false;
  }
  return it->second.count >= kFailures;
}

void Gatekeeper::count_failure_locked(const std::string& client, Clock::time_point now) {
  if (failures_.size() >= kMaxClients && failures_.count(client) == 0) failures_.clear();
  auto& failures = failures_[client];
  if (failures.count == 0) failures.since = now;
  ++failures.count;
}

}  // namespace seeder::http
