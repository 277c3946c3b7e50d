#include "seeder/http/target.hpp"

#include <cctype>

#include "seeder/core/text.hpp"

namespace seeder::http {
namespace {

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(
    std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    auto key = percent_decode(item.substr(0, eq), true);
    auto value = percent_decode(
        eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1), true);
    if (!key || !value) return std::nullopt;
    out.emplace_back(std::move(*key), std::move(*value));
  }
  return out;
}

}  // namespace

bool Target::has_query(std::string_view key) const {
  for (const auto& [name, value] : query) {
    if (name == key) return true;
  }
  return false;
}

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
      continue;
    }
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;  // '%' needs two hex digits after it
    const int high = hex_digit_value(text[i + 1]);
    const int low = hex_digit_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    const char decoded = static_cast<char>(high * 16 + low);
    if (decoded == '\0') return std::nullopt;
    out.push_back(decoded);
    i += 2;
  }
  return out;
}

namespace {

// Absolute-form ("http://host/path?q", RFC 9112 §3.2.2), which a server must accept: the
// scheme and authority are dropped and the rest is read as origin-form.
std::string_view origin_form(std::string_view target) {
  const auto scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return target;
  for (const char c : target.substr(0, scheme_end)) {
    if (std::isalpha(static_cast<unsigned char>(c)) == 0) return target;
  }
  const auto rest = target.substr(scheme_end + 3);
  const auto path = rest.find_first_of("/?");
  if (path == std::string_view::npos) return "/";
  return rest[path] == '/' ? rest.substr(path) : std::string_view("/");
}

}  // namespace

std::optional<Target> parse_target(std::string_view target) {
  target = origin_form(target);
  if (target.empty() || target.front() != '/') return std::nullopt;
  const auto hash_mark = target.find('#');
  if (hash_mark != std::string_view::npos) target = target.substr(0, hash_mark);
  const auto question = target.find('?');
  auto path = percent_decode(
      target.substr(1, question == std::string_view::npos ? std::string_view::npos : question - 1));
  if (!path) return std::nullopt;
  Target out;
  out.path = std::move(*path);
  if (question != std::string_view::npos) {
    out.raw_query = std::string(target.substr(question + 1));
    auto query = parse_query(out.raw_query);
    if (!query) return std::nullopt;
    out.query = std::move(*query);
  }
  return out;
}

std::string percent_encode_path(std::string_view path) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_unreserved(byte) || c == '/') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(digits[byte >> 4]);
      out.push_back(digits[byte & 0xf]);
    }
  }
  return out;
}

std::string content_disposition(std::string_view file_name, bool attachment) {
  std::string fallback;
  for (const char c : file_name) {
    const auto byte = static_cast<unsigned char>(c);
    // The quoted-string fallback keeps printable ASCII minus the characters that would need
    // escaping; everything else becomes '_' and the exact name travels in filename*.
    fallback.push_back(byte >= 0x20 && byte < 0x7f && c != '"' && c != '\\' && c != '%' ? c : '_');
  }
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string encoded;
  for (const char c : file_name) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_unreserved(byte)) {
      encoded.push_back(c);
    } else {
      encoded.push_back('%');
      encoded.push_back(digits[byte >> 4]);
      encoded.push_back(digits[byte & 0xf]);
    }
  }
  return std::string(attachment ? "attachment" : "inline") + "; filename=\"" + fallback +
         "\"; filename*=UTF-8''" + encoded;
}

}  // namespace seeder::http
