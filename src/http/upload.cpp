#include "seeder/http/upload.hpp"

#include <cctype>
#include <optional>

#include "seeder/core/text.hpp"
#include "seeder/http/target.hpp"

namespace seeder::http {
namespace {

constexpr std::string_view kExpected =
    "expected a .torrent (application/x-bittorrent), a magnet link (text/plain), or the index "
    "page's form (a 'torrent' file or a 'magnet' field)";

Error bad(std::string what) {
  return make_error(Errc::bad_request, std::move(what));
}

// The media type, lower case, without parameters.
std::string media_type(std::string_view content_type) {
  return to_lower(trim_ows(content_type.substr(0, content_type.find(';'))));
}

// A parameter of a header value ("boundary" of multipart/form-data, "name" of a part's
// Content-Disposition), unquoted; nullopt when absent.
std::optional<std::string> parameter(std::string_view value, std::string_view name) {
  for (auto semicolon = value.find(';'); semicolon != std::string_view::npos;
       semicolon = value.find(';', semicolon + 1)) {
    auto item =
        trim_ows(value.substr(semicolon + 1, value.find(';', semicolon + 1) - semicolon - 1));
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || to_lower(trim_ows(item.substr(0, eq))) != name) continue;
    auto text = trim_ows(item.substr(eq + 1));
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
      text = text.substr(1, text.size() - 2);
    return std::string(text);
  }
  return std::nullopt;
}

// Without the spaces and line breaks a text field or a file usually ends with.
std::string_view trim_space(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

std::optional<Upload> as_magnet(std::string_view text) {
  const auto trimmed = trim_space(text);
  if (!to_lower(trimmed.substr(0, 7)).starts_with("magnet:")) return std::nullopt;
  return Upload{Upload::Kind::magnet, std::string(trimmed)};
}

struct FormPart {
  std::string name;
  bool file = false;
  std::string_view content;
};

// The parts of a multipart/form-data body (RFC 7578); nullopt when it is not well formed.
std::optional<std::vector<FormPart>> form_parts(std::string_view body, std::string_view boundary) {
  const std::string delimiter = "--" + std::string(boundary);
  auto at = body.find(delimiter);
  if (at == std::string_view::npos) return std::nullopt;
  std::vector<FormPart> parts;
  for (int guard = 0; guard < 64; ++guard) {
    at += delimiter.size();
    if (body.substr(at, 2) == "--") return parts;  // the close delimiter
    if (body.substr(at, 2) != "\r\n") return std::nullopt;
    const auto headers_end = body.find("\r\n\r\n", at);
    if (headers_end == std::string_view::npos) return std::nullopt;
    // "--b\r\n\r\n": a part without headers (and so without a name).
    const auto headers =
        headers_end == at ? std::string_view{} : body.substr(at + 2, headers_end - at - 2);
    const auto next = body.find("\r\n" + delimiter, headers_end + 4);
    if (next == std::string_view::npos) return std::nullopt;
    FormPart part;
    part.content = body.substr(headers_end + 4, next - headers_end - 4);
    for (std::size_t line = 0; line < headers.size();) {
      const auto end = std::min(headers.find("\r\n", line), headers.size());
      const auto header = headers.substr(line, end - line);
      const auto colon = header.find(':');
      if (colon != std::string_view::npos &&
          to_lower(trim_ows(header.substr(0, colon))) == "content-disposition") {
        const auto value = header.substr(colon + 1);
        part.name = parameter(value, "name").value_or("");
        part.file = parameter(value, "filename").has_value();
      }
      line = end + 2;
    }
    parts.push_back(part);
    at = next + 2;
  }
  return std::nullopt;
}

Result<Upload> from_form(std::string_view content_type, std::string_view body) {
  const auto boundary = parameter(content_type, "boundary");
  if (!boundary || boundary->empty()) return bad("multipart/form-data without a boundary");
  const auto parts = form_parts(body, *boundary);
  if (!parts) return bad("malformed multipart/form-data body");
  for (const auto& part : *parts) {
    if (part.name == "torrent" && !part.content.empty())
      return Upload{Upload::Kind::torrent, std::string(part.content)};
  }
  for (const auto& part : *parts) {
    if (part.name != "magnet" || trim_space(part.content).empty()) continue;
    if (auto magnet = as_magnet(part.content)) return *magnet;
    return bad("the magnet field does not hold a magnet link");
  }
  return bad("the form has neither a .torrent file nor a magnet link");
}

Result<Upload> from_urlencoded(std::string_view body) {
  const auto fields = parse_query(body);
  if (!fields) return bad("malformed application/x-www-form-urlencoded body");
  for (const auto& [key, value] : *fields) {
    if (key != "magnet") continue;
    if (auto magnet = as_magnet(value)) return *magnet;
    return bad("the magnet field does not hold a magnet link");
  }
  return bad("the form has no magnet field");
}

}  // namespace

Result<Upload> parse_upload(std::string_view content_type, std::string body) {
  if (body.empty()) return bad(std::string("empty upload: ") + std::string(kExpected));
  const auto type = media_type(content_type);
  if (type == "multipart/form-data") return from_form(content_type, body);
  // "d8:announce...": curl --data-binary sends it as a urlencoded form unless told otherwise.
  const bool bencoded =
      body.size() > 1 && body[0] == 'd' && std::isdigit(static_cast<unsigned char>(body[1])) != 0;
  if (type == "application/x-bittorrent" || bencoded)
    return Upload{Upload::Kind::torrent, std::move(body)};
  if (type == "application/x-www-form-urlencoded") return from_urlencoded(body);
  if (auto magnet = as_magnet(body)) return *magnet;
  return bad(std::string(kExpected));
}

}  // namespace seeder::http
