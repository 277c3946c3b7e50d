#include "seeder/http/target.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "seeder/core/text.hpp"
#include "seeder/core/utf8.hpp"

namespace seeder::http {
namespace {

bool is_unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

}  // namespace

std::optional<QueryPairs> parse_query(std::string_view query) {
  QueryPairs out;
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

std::optional<std::string_view> query_value(const QueryPairs& pairs, std::string_view key) {
  std::optional<std::string_view> found;
  for (const auto& [name, value] : pairs) {
    if (name == key) found = value;
  }
  return found;
}

bool Target::has_query(std::string_view key) const {
  return query_value(key).has_value();
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

namespace {

// ASCII for U+00C0..U+017F (Latin-1 Supplement letters and Latin Extended-A): the letter without
// its marks, ligatures spelled out. "" where there is no such letter.
constexpr std::array<const char*, 0x180 - 0xC0> kLatinToAscii{
    "A", "A", "A",  "A",  "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I",  "I",   // U+00C0
    "D", "N", "O",  "O",  "O", "O", "O",  "x", "O", "U", "U", "U", "U", "Y", "TH", "ss",  // U+00D0
    "a", "a", "a",  "a",  "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",   // U+00E0
    "d", "n", "o",  "o",  "o", "o", "o",  "",  "o", "u", "u", "u", "u", "y", "th", "y",   // U+00F0
    "A", "a", "A",  "a",  "A", "a", "C",  "c", "C", "c", "C", "c", "C", "c", "D",  "d",   // U+0100
    "D", "d", "E",  "e",  "E", "e", "E",  "e", "E", "e", "E", "e", "G", "g", "G",  "g",   // U+0110
    "G", "g", "G",  "g",  "H", "h", "H",  "h", "I", "i", "I", "i", "I", "i", "I",  "i",   // U+0120
    "I", "i", "IJ", "ij", "J", "j", "K",  "k", "k", "L", "l", "L", "l", "L", "l",  "L",   // U+0130
    "l", "L", "l",  "N",  "n", "N", "n",  "N", "n", "n", "N", "n", "O", "o", "O",  "o",   // U+0140
    "O", "o", "OE", "oe", "R", "r", "R",  "r", "R", "r", "S", "s", "S", "s", "S",  "s",   // U+0150
    "S", "s", "T",  "t",  "T", "t", "T",  "t", "U", "u", "U", "u", "U", "u", "U",  "u",   // U+0160
    "U", "u", "U",  "u",  "W", "w", "Y",  "y", "Y", "Z", "z", "Z", "z", "Z", "z",  "s",   // U+0170
};

// The code point of the valid UTF-8 sequence of `length` bytes at `text[at]`.
char32_t decode_utf8(std::string_view text, std::size_t at, std::size_t length) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  if (length == 1) return byte(0);
  char32_t point = byte(0) & (0x7f >> length);
  for (std::size_t i = 1; i < length; ++i)
    point = (point << 6) | (byte(i) & 0x3f);
  return point;
}

// What a quoted-string filename may hold as it is: printable ASCII but for '"' and '\\'
// (escapes few clients undo) and '%' (which some decode).
bool plain_in_fallback(char32_t point) {
  return point >= 0x20 && point < 0x7f && point != '"' && point != '\\' && point != '%';
}

// The name for clients that ignore filename*: each character as ASCII when it has an ASCII
// spelling (accented Latin letters lose their marks), a run of those that have none as one '_'.
// A name left with nothing readable before its extension is called "file".
std::string ascii_fallback(std::string_view name) {
  std::string out;
  for (std::size_t at = 0; at < name.size();) {
    const auto valid = utf8_sequence_length(name, at);  // 0: not UTF-8, one byte stands for it
    const auto point = valid == 0 ? U'\uFFFD' : decode_utf8(name, at, valid);
    at += std::max<std::size_t>(1, valid);
    std::string_view ascii;
    if (plain_in_fallback(point)) {
      out.push_back(static_cast<char>(point));
      continue;
    }
    if (point >= 0xC0 && point < 0x180) ascii = kLatinToAscii[point - 0xC0];
    if (!ascii.empty()) {
      out.append(ascii);
    } else if (out.empty() || out.back() != '_') {
      out.push_back('_');
    }
  }
  const auto dot = out.rfind('.');
  const auto stem = std::string_view(out).substr(0, dot);
  if (stem.find_first_not_of("_ ") == std::string_view::npos)
    out = "file" + (dot == std::string::npos ? std::string() : out.substr(dot));
  return out;
}

}  // namespace

std::string content_disposition(std::string_view file_name, bool attachment) {
  const auto fallback = ascii_fallback(file_name);
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
