#include "json_value.hpp"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace seeder::test {
namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  JsonValue document() {
    auto value = parse_value();
    skip_space();
    if (at_ != text_.size()) fail("trailing characters");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("json: " + what + " at offset " + std::to_string(at_));
  }
  void skip_space() {
    while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_])) != 0)
      ++at_;
  }
  char peek() {
    skip_space();
    if (at_ >= text_.size()) fail("unexpected end");
    return text_[at_];
  }
  void expect(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) fail("expected " + std::string(word));
    at_ += word.size();
  }

  JsonValue parse_value() {
    JsonValue value;
    switch (peek()) {
      case '{':
        return parse_object();
      case '[':
        return parse_array();
      case '"':
        value.kind = JsonValue::Kind::string;
        value.string = parse_string();
        return value;
      case 't':
        expect("true");
        value.kind = JsonValue::Kind::boolean;
        value.boolean = true;
        return value;
      case 'f':
        expect("false");
        value.kind = JsonValue::Kind::boolean;
        return value;
      case 'n':
        expect("null");
        return value;
      default:
        return parse_number();
    }
  }

  JsonValue parse_number() {
    const auto begin = at_;
    if (text_[at_] == '-') ++at_;
    while (at_ < text_.size() &&
           (std::isdigit(static_cast<unsigned char>(text_[at_])) != 0 || text_[at_] == '.' ||
            text_[at_] == 'e' || text_[at_] == 'E' || text_[at_] == '+' || text_[at_] == '-'))
      ++at_;
    if (at_ == begin) fail("unexpected character");
    JsonValue value;
    value.kind = JsonValue::Kind::number;
    value.number = std::strtod(std::string(text_.substr(begin, at_ - begin)).c_str(), nullptr);
    return value;
  }

  std::string parse_string() {
    expect("\"");
    std::string out;
    while (true) {
      if (at_ >= text_.size()) fail("unterminated string");
      const char c = text_[at_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ >= text_.size()) fail("unterminated escape");
      const char e = text_[at_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u':
          if (at_ + 4 > text_.size()) fail("short \\u escape");
          out += '?';  // tests never compare escaped code points
          at_ += 4;
          break;
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        default:
          fail("bad escape");
      }
    }
  }

  JsonValue parse_array() {
    expect("[");
    JsonValue value;
    value.kind = JsonValue::Kind::array;
    if (peek() == ']') {
      ++at_;
      return value;
    }
    while (true) {
      value.array.push_back(parse_value());
      const char c = peek();
      ++at_;
      if (c == ']') return value;
      if (c != ',') fail("expected , or ]");
    }
  }

  JsonValue parse_object() {
    expect("{");
    JsonValue value;
    value.kind = JsonValue::Kind::object;
    if (peek() == '}') {
      ++at_;
      return value;
    }
    while (true) {
      if (peek() != '"') fail("expected a key");
      auto key = parse_string();
      if (peek() != ':') fail("expected :");
      ++at_;
      value.object[std::move(key)] = parse_value();
      const char c = peek();
      ++at_;
      if (c == '}') return value;
      if (c != ',') fail("expected , or }");
    }
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

}  // namespace

const JsonValue& JsonValue::at(const std::string& key) const {
  const auto it = object.find(key);
  if (kind != Kind::object || it == object.end())
    throw std::runtime_error("json: no member '" + key + "'");
  return it->second;
}

JsonValue parse_json(std::string_view text) {
  return Parser(text).document();
}

}  // namespace seeder::test
