#include "support.hpp"

#include <libtorrent/create_torrent.hpp>
#include <libtorrent/file_storage.hpp>

namespace seeder::fuzz {
namespace {

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not a valid one.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint32_t code = 0;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
    code = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    code = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;  // continuation byte, C0/C1 (overlong 2-byte) or F5..FF
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  if (length == 3 && (code < 0x800 || (code >= 0xd800 && code <= 0xdfff))) return 0;
  if (length == 4 && (code < 0x10000 || code > 0x10ffff)) return 0;
  return length;
}

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
  }
}

// A recursive-descent reader of RFC 8259's grammar; depth is bounded by the input size, which
// libFuzzer bounds (-max_len).
class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  bool document() {
    skip_space();
    if (!value(0)) return false;
    skip_space();
    return pos_ == text_.size();
  }
  std::vector<std::string> strings;

 private:
  static constexpr int kMaxDepth = 512;

  bool value(int depth) {
    if (depth > kMaxDepth || pos_ >= text_.size()) return false;
    switch (text_[pos_]) {
      case '{':
        return object(depth);
      case '[':
        return array(depth);
      case '"':
        return string();
      case 't':
        return literal("true");
      case 'f':
        return literal("false");
      case 'n':
        return literal("null");
      default:
        return number();
    }
  }

  bool object(int depth) {
    ++pos_;
    skip_space();
    if (peek('}')) return ++pos_, true;
    for (;;) {
      skip_space();
      if (!peek('"') || !string()) return false;
      skip_space();
      if (!peek(':')) return false;
      ++pos_;
      skip_space();
      if (!value(depth + 1)) return false;
      skip_space();
      if (peek('}')) return ++pos_, true;
      if (!peek(',')) return false;
      ++pos_;
    }
  }

  bool array(int depth) {
    ++pos_;
    skip_space();
    if (peek(']')) return ++pos_, true;
    for (;;) {
      skip_space();
      if (!value(depth + 1)) return false;
      skip_space();
      if (peek(']')) return ++pos_, true;
      if (!peek(',')) return false;
      ++pos_;
    }
  }

  std::optional<std::uint32_t> hex4() {
    if (pos_ + 4 > text_.size()) return std::nullopt;
    std::uint32_t code = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text_[pos_++];
      code <<= 4;
      if (c >= '0' && c <= '9') {
        code |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        code |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        code |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
    }
    return code;
  }

  bool escape(std::string& out) {
    if (pos_ >= text_.size()) return false;
    const char c = text_[pos_++];
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out.push_back(c);
        return true;
      case 'b':
        out.push_back('\b');
        return true;
      case 'f':
        out.push_back('\f');
        return true;
      case 'n':
        out.push_back('\n');
        return true;
      case 'r':
        out.push_back('\r');
        return true;
      case 't':
        out.push_back('\t');
        return true;
      case 'u': {
        auto code = hex4();
        if (!code) return false;
        if (*code >= 0xdc00 && *code <= 0xdfff) return false;  // a lone low surrogate
        if (*code >= 0xd800 && *code <= 0xdbff) {              // needs its low half
          if (pos_ + 2 > text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u')
            return false;
          pos_ += 2;
          auto low = hex4();
          if (!low || *low < 0xdc00 || *low > 0xdfff) return false;
          *code = 0x10000 + ((*code - 0xd800) << 10) + (*low - 0xdc00);
        }
        append_utf8(out, *code);
        return true;
      }
      default:
        return false;
    }
  }

  bool string() {
    ++pos_;
    std::string out;
    while (pos_ < text_.size()) {
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        strings.push_back(std::move(out));
        return true;
      }
      if (c < 0x20) return false;  // RFC 8259 §7: control characters must be escaped
      if (c == '\\') {
        ++pos_;
        if (!escape(out)) return false;
        continue;
      }
      const auto length = utf8_sequence(text_, pos_);
      if (length == 0) return false;
      out.append(text_.substr(pos_, length));
      pos_ += length;
    }
    return false;
  }

  bool number() {
    const auto start = pos_;
    if (peek('-')) ++pos_;
    if (peek('0')) {
      ++pos_;
    } else if (!digits()) {
      return false;
    }
    if (peek('.')) {
      ++pos_;
      if (!digits()) return false;
    }
    if (peek('e') || peek('E')) {
      ++pos_;
      if (peek('+') || peek('-')) ++pos_;
      if (!digits()) return false;
    }
    return pos_ > start;
  }

  bool digits() {
    const auto start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9')
      ++pos_;
    return pos_ > start;
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool peek(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
  void skip_space() {
    while (peek(' ') || peek('\t') || peek('\n') || peek('\r'))
      ++pos_;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    const auto length = utf8_sequence(text, i);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::optional<std::vector<std::string>> parse_json_strings(std::string_view text) {
  JsonReader reader(text);
  if (!reader.document()) return std::nullopt;
  return std::move(reader.strings);
}

torrent::EntryPtr make_entry(const std::vector<std::pair<std::string, std::int64_t>>& files,
                             int piece_length) {
  lt::file_storage storage;
  for (const auto& [path, size] : files)
    storage.add_file(path, size);
  lt::create_torrent creator(storage, piece_length, lt::create_torrent::v1_only);
  // Any non-zero hash: create_torrent takes an all-zero one for "not set" and refuses it.
  lt::sha1_hash hash;
  hash[0] = 1;
  for (const auto piece : creator.piece_range())
    creator.set_hash(piece, hash);
  const auto buffer = creator.generate_buf();
  auto entry = torrent::parse_torrent(std::string(buffer.begin(), buffer.end()));
  SEEDER_FUZZ_CHECK(entry.ok());
  return *entry;
}

}  // namespace seeder::fuzz
