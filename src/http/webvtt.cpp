#include "seeder/http/webvtt.hpp"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <vector>

#include "seeder/core/text.hpp"
#include "seeder/core/utf8.hpp"

namespace seeder::http {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Valid UTF-8 as it is; each byte that starts no valid sequence becomes U+FFFD.
std::string sanitized_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t at = 0; at < bytes.size();) {
    const auto length = utf8_sequence_length(bytes, at);
    if (length == 0) {
      out.append(kReplacement);
      ++at;
    } else {
      out.append(bytes.substr(at, length));
      at += length;
    }
  }
  return out;
}

bool valid_utf8(std::string_view bytes) {
  for (std::size_t at = 0; at < bytes.size();) {
    const auto length = utf8_sequence_length(bytes, at);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

class Iconv {
 public:
  explicit Iconv(const char* from) : handle_(iconv_open("UTF-8", from)) {}
  ~Iconv() {
    if (ok()) iconv_close(handle_);
  }
  Iconv(const Iconv&) = delete;
  Iconv& operator=(const Iconv&) = delete;
  [[nodiscard]] bool ok() const { return handle_ != reinterpret_cast<iconv_t>(-1); }
  [[nodiscard]] iconv_t get() const { return handle_; }

 private:
  iconv_t handle_;
};

// `bytes` in encoding `from` as UTF-8; what cannot be converted becomes U+FFFD, one code unit
// (`unit` bytes: 2 for UTF-16, so the rest stays aligned) at a time.
std::string to_utf8(std::string_view bytes, const char* from, std::size_t unit = 1) {
  const Iconv converter(from);
  if (!converter.ok()) return sanitized_utf8(bytes);  // no such gconv module: keep what is valid
  std::string out(bytes.size() * 3 + 16, '\0');
  auto* in = const_cast<char*>(bytes.data());  // iconv's signature; it does not write the input
  std::size_t in_left = bytes.size();
  std::size_t used = 0;
  while (in_left > 0) {
    char* write = out.data() + used;
    std::size_t out_left = out.size() - used;
    const auto result = iconv(converter.get(), &in, &in_left, &write, &out_left);
    used = out.size() - out_left;
    if (result != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    // EILSEQ or EINVAL: a unit (or a truncated one) with no meaning; skip it.
    const auto skip = std::min(unit, in_left);
    in += skip;
    in_left -= skip;
    if (out.size() - used < kReplacement.size()) out.resize(out.size() * 2);
    out.replace(used, kReplacement.size(), kReplacement);
    used += kReplacement.size();
  }
  out.resize(used);
  return out;
}

// Cyrillic text in Windows-1251 is mostly bytes above 0xBF; Western text in Windows-1252 is
// mostly ASCII letters with a few accented ones.
const char* legacy_code_page(std::string_view bytes) {
  std::size_t high_letters = 0;
  std::size_t ascii_letters = 0;
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0xC0) ++high_letters;
    if ((byte | 0x20) >= 'a' && (byte | 0x20) <= 'z') ++ascii_letters;
  }
  return high_letters > ascii_letters ? "CP1251" : "CP1252";
}

// Milliseconds of an SRT timestamp: [[h]h:]mm:ss[,fraction] (or '.'), digits counted loosely.
std::optional<std::uint64_t> parse_timestamp(std::string_view text) {
  std::vector<std::uint64_t> fields;
  std::uint64_t millis = 0;
  std::uint64_t value = 0;
  bool digits = false;
  std::size_t at = 0;
  for (; at < text.size(); ++at) {
    const char c = text[at];
    if (c >= '0' && c <= '9') {
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
      digits = true;
      if (value > 1'000'000) return std::nullopt;
    } else if (c == ':' && digits) {
      fields.push_back(value);
      value = 0;
      digits = false;
    } else if ((c == ',' || c == '.') && digits) {
      break;
    } else {
      return std::nullopt;
    }
  }
  if (!digits) return std::nullopt;
  fields.push_back(value);
  if (at < text.size()) {  // the fraction: up to three digits count
    std::uint64_t scale = 100;
    for (++at; at < text.size(); ++at) {
      const char c = text[at];
      if (c < '0' || c > '9') return std::nullopt;
      millis += static_cast<std::uint64_t>(c - '0') * scale;
      scale /= 10;
    }
  }
  if (fields.size() < 2 || fields.size() > 3) return std::nullopt;
  const auto hours = fields.size() == 3 ? fields[0] : 0;
  const auto minutes = fields[fields.size() - 2];
  const auto seconds = fields.back();
  if (minutes > 59 || seconds > 59) return std::nullopt;
  return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
}

// "start --> end[ hints]" as a WebVTT timing line, or nothing when the line is not one.
std::optional<std::string> webvtt_timing(std::string_view line) {
  const auto arrow = line.find("-->");
  if (arrow == std::string_view::npos) return std::nullopt;
  const auto start = parse_timestamp(trim_space(line.substr(0, arrow)));
  auto rest = trim_space(line.substr(arrow + 3));
  const auto end = parse_timestamp(rest.substr(0, rest.find_first_of(" \t")));
  if (!start || !end) return std::nullopt;
  return webvtt_timestamp(*start) + " --> " + webvtt_timestamp(*end);
}

bool all_digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

struct Cue {
  std::string id;
  std::string timing;
  std::vector<std::string> text;
};

void write_cue(const Cue& cue, std::string& out) {
  if (!cue.id.empty()) out += cue.id + "\n";
  out += cue.timing + "\n";
  for (const auto& line : cue.text) {
    std::string_view rest = line;
    for (auto arrow = rest.find("-->"); arrow != std::string_view::npos; arrow = rest.find("-->")) {
      out.append(rest.substr(0, arrow));
      out += "--&gt;";
      rest.remove_prefix(arrow + 3);
    }
    out.append(rest);
    out += "\n";
  }
  out += "\n";
}

// One line at a time: a timing line starts a cue (the line before it, if any, is its id); a
// blank line ends it.
class CueWriter {
 public:
  void line(std::string_view text) {
    if (auto timing = webvtt_timing(text)) {
      start(std::move(*timing));
    } else if (cue_) {
      if (trim_space(text).empty()) {
        flush();
      } else {
        cue_->text.emplace_back(text);
      }
    } else {
      pending_id_ = std::string(trim_space(text));
    }
  }
  std::string finish() {
    flush();
    return std::move(out_);
  }

 private:
  void start(std::string timing) {
    std::string id = std::move(pending_id_);
    // No blank line before this cue: its number is the last text line of the one before.
    if (cue_ && !cue_->text.empty() && all_digits(trim_space(cue_->text.back()))) {
      id = std::string(trim_space(cue_->text.back()));
      cue_->text.pop_back();
    }
    flush();
    cue_ = Cue{std::move(id), std::move(timing), {}};
  }
  void flush() {
    if (cue_) write_cue(*cue_, out_);
    cue_.reset();
    pending_id_.clear();
  }

  std::string out_ = "WEBVTT\n\n";
  std::optional<Cue> cue_;
  std::string pending_id_;
};

// UTF-16 without a byte-order mark: subtitle text is mostly ASCII, so one byte of most pairs is
// NUL — the second in little-endian, the first in big-endian. Nullopt when it does not look so.
std::optional<const char*> unmarked_utf16(std::string_view bytes) {
  const auto pairs = std::min<std::size_t>(bytes.size() / 2, 4096);
  if (pairs < 2) return std::nullopt;
  std::size_t even_nuls = 0;
  std::size_t odd_nuls = 0;
  for (std::size_t i = 0; i < pairs; ++i) {
    even_nuls += bytes[2 * i] == '\0' ? 1 : 0;
    odd_nuls += bytes[2 * i + 1] == '\0' ? 1 : 0;
  }
  if (odd_nuls * 10 >= pairs * 7 && even_nuls * 10 < pairs) return "UTF-16LE";
  if (even_nuls * 10 >= pairs * 7 && odd_nuls * 10 < pairs) return "UTF-16BE";
  return std::nullopt;
}

}  // namespace

std::string subtitle_text_as_utf8(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) return sanitized_utf8(bytes.substr(3));
  if (bytes.starts_with("\xFF\xFE")) return to_utf8(bytes.substr(2), "UTF-16LE", 2);
  if (bytes.starts_with("\xFE\xFF")) return to_utf8(bytes.substr(2), "UTF-16BE", 2);
  if (const auto utf16 = unmarked_utf16(bytes)) return to_utf8(bytes, *utf16, 2);
  if (valid_utf8(bytes)) return std::string(bytes);
  return to_utf8(bytes, legacy_code_page(bytes));
}

std::string srt_to_webvtt(std::string_view srt) {
  const auto text = subtitle_text_as_utf8(srt);
  CueWriter writer;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto end = rest.find_first_of("\r\n");
    writer.line(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    const bool crlf = rest[end] == '\r' && end + 1 < rest.size() && rest[end + 1] == '\n';
    rest.remove_prefix(end + (crlf ? 2 : 1));
  }
  return writer.finish();
}

}  // namespace seeder::http
