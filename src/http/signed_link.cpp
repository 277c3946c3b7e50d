#include "seeder/http/signed_link.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <charconv>

#include "seeder/core/read_file.hpp"

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

std::string_view query_value(const Target& target, std::string_view key) {
  for (const auto& [name, value] : target.query)
    if (name == key) return value;
  return {};
}

// "/<hash>/" for a torrent link; the whole path for a file link.
std::string signed_path_of(std::string_view path, LinkScope scope) {
  if (scope == LinkScope::file) return std::string(path);
  const auto slash = path.find('/', 1);
  return std::string(path.substr(0, slash)) + "/";
}

}  // namespace

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
  const auto sig = query_value(target, "sig");
  const auto expires = query_value(target, "exp");
  const auto scope = query_value(target, "scope");
  if (sig.empty()) return Verdict::unsigned_link;
  if (scope != "file" && scope != "torrent") return Verdict::mismatch;
  std::int64_t at = 0;
  const auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), at);
  if (ec != std::errc() || end != expires.data() + expires.size()) return Verdict::mismatch;
  const auto path = "/" + target.path;
  const auto link_scope = scope == "torrent" ? LinkScope::torrent : LinkScope::file;
  const auto expected = signature(signed_path_of(path, link_scope), scope, expires);
  const bool match =
      expected.size() == sig.size() && CRYPTO_memcmp(expected.data(), sig.data(), sig.size()) == 0;
  if (!match) return Verdict::mismatch;
  return now_unix > at ? Verdict::expired : Verdict::valid;
}

}  // namespace seeder::http
