#include "seeder/http/signed_link.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>

#include "seeder/core/read_file.hpp"
#include "seeder/core/text.hpp"

namespace seeder::http {
namespace {

std::string_view scope_name(LinkScope scope) {
  return scope == LinkScope::torrent ? "torrent" : "file";
}

std::string base64url(const unsigned char* bytes, std::size_t size) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t bits = 0;
  int held = 0;
  for (std::size_t i = 0; i < size; ++i) {
    bits = (bits << 8) | bytes[i];
    held += 8;
    while (held >= 6) {
      held -= 6;
      out += kAlphabet[(bits >> held) & 0x3f];
    }
  }
  if (held > 0) out += kAlphabet[(bits << (6 - held)) & 0x3f];
  return out;
}

// "/<hash>/" for a torrent link; the whole path for a file link.
std::string signed_path_of(std::string_view path, LinkScope scope) {
  if (scope == LinkScope::file) return std::string(path);
  const auto slash = path.find('/', 1);
  return std::string(path.substr(0, slash)) + "/";
}

}  // namespace

std::int64_t unix_time(std::chrono::system_clock::duration ahead) {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch() + ahead)
      .count();
}

Result<LinkKey> LinkKey::from(std::string key) {
  while (!key.empty() && (key.back() == '\n' || key.back() == '\r'))
    key.pop_back();
  if (key.size() < kMinKeyBytes) {
    return make_error(Errc::bad_request, "a link key is at least " + std::to_string(kMinKeyBytes) +
                                             " bytes (openssl rand -hex 32 makes one)");
  }
  return LinkKey(std::move(key));
}

Result<LinkKey> LinkKey::load(const std::filesystem::path& file) {
  auto bytes = read_file(file);
  if (!bytes) return make_error(Errc::io, "cannot read the link key file " + file.string());
  auto key = from(std::move(*bytes));
  if (!key) return make_error(key.error().code, file.string() + ": " + key.error().message);
  return key;
}

std::string LinkKey::signature(std::string_view signed_path, std::string_view scope,
                               std::string_view expires) const {
  const std::string message = "seeder-link-v1\nGET\n" + std::string(scope) + "\n" +
                              std::string(signed_path) + "\n" + std::string(expires);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(), &length);
  return base64url(mac.data(), length);
}

std::string LinkKey::sign(std::string_view path, LinkScope scope, std::int64_t expires_unix) const {
  const auto expires = std::to_string(expires_unix);
  return "exp=" + expires + "&scope=" + std::string(scope_name(scope)) +
         "&sig=" + signature(signed_path_of(path, scope), scope_name(scope), expires);
}

Result<std::string> LinkKey::sign_target(std::string_view target, LinkScope scope,
                                         std::int64_t expires_unix) const {
  // A fragment never reaches the server: kept, it would swallow the signature's query.
  target = target.substr(0, target.find('#'));
  const auto parsed = parse_target(target);
  if (!parsed || parsed->path.find('/') == std::string::npos)
    return make_error(Errc::bad_request, "expected a URL of a torrent's path: /<hash>/<path>");
  // An absolute URL keeps its scheme and host; the path is what is signed.
  const auto query_at = target.find('?');
  std::string out(target.substr(0, query_at));
  out += '?';
  if (query_at != std::string_view::npos && query_at + 1 < target.size())
    out += std::string(target.substr(query_at + 1)) + "&";
  return out + sign("/" + parsed->path, scope, expires_unix);
}

LinkKey::Verdict LinkKey::check(const Target& target, std::int64_t now_unix) const {
  const auto sig = target.query_value("sig").value_or("");
  const auto expires = target.query_value("exp").value_or("");
  const auto scope = target.query_value("scope").value_or("");
  if (sig.empty()) return Verdict::unsigned_link;
  if (scope != "file" && scope != "torrent") return Verdict::mismatch;
  const auto at = parse_unsigned(expires);
  if (!at) return Verdict::mismatch;
  const auto path = "/" + target.path;
  const auto link_scope = scope == "torrent" ? LinkScope::torrent : LinkScope::file;
  const auto expected = signature(signed_path_of(path, link_scope), scope, expires);
  const bool match =
      expected.size() == sig.size() && CRYPTO_memcmp(expected.data(), sig.data(), sig.size()) == 0;
  if (!match) return Verdict::mismatch;
  const auto now = static_cast<std::uint64_t>(std::max<std::int64_t>(now_unix, 0));
  return now > *at ? Verdict::expired : Verdict::valid;
}

}  // namespace seeder::http
