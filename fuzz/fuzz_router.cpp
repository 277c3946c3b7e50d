// Fuzzes routing (seeder/http/router.hpp): Router::parse on a fuzzed request head, then route()
// or route_mode() against a small in-memory catalog, as the server does.
// Input, one item per line: the method, the target, then "name: value" headers (accept,
// x-info-hash, range, if-none-match, if-match, if-range, origin). "{A}" and "{B}" stand for the
// info-hashes of the catalog's two torrents, so that inputs reach their files.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "seeder/http/router.hpp"
#include "support.hpp"

namespace {

namespace http = seeder::http;
namespace torrent = seeder::torrent;

struct Fixture {
  torrent::Catalog catalog;
  http::Router star{http::RouterOptions{}};
  http::Router listed{
      http::RouterOptions{"https://a.example, https://b.example", "", false, {}, {}, {}}};
  // --auth-file: one view token ("view-token-0123456789").
  http::Router guarded{
      http::RouterOptions{"*",
                          "",
                          true,
                          {},
                          {},
                          std::make_shared<http::Gatekeeper>(
                              *http::AccessList::parse("view-token-0123456789 view\n", "auth"))}};
  std::string hex_a;
  std::string hex_b;

  Fixture() {
    auto a = seeder::fuzz::make_entry({{"Show/Season 1/ep 01.mkv", 100'000},
                                       {"Show/notes.txt", 5},
                                       {"Show/sub/\xc3\xbc.srt", 1'000},
                                       {"Show/empty", 0}},
                                      16 * 1024);
    auto b = seeder::fuzz::make_entry({{"clip.mp4", 40'000}}, 32 * 1024);
    hex_a = a->meta->hash().hex();
    hex_b = b->meta->hash().hex();
    catalog.add(std::move(a));
    catalog.add(std::move(b));
  }
};

const Fixture& fixture() {
  static const Fixture instance;
  return instance;
}

// Beast never hands over CR, LF or NUL inside a target or field value, so neither does this.
std::string field_text(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c != '\r' && c != '\n' && c != '\0') out.push_back(c);
  }
  for (std::size_t at; (at = out.find("{A}")) != std::string::npos;)
    out.replace(at, 3, fixture().hex_a);
  for (std::size_t at; (at = out.find("{B}")) != std::string::npos;)
    out.replace(at, 3, fixture().hex_b);
  return out;
}

http::RequestHead head_of(std::string_view input) {
  http::RequestHead head;
  int line_number = 0;
  while (!input.empty()) {
    const auto newline = input.find('\n');
    const auto line = input.substr(0, newline);
    input = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
    const auto item = line_number++;
    if (item == 0) {
      head.method = field_text(line);
      continue;
    }
    if (item == 1) {
      head.target = field_text(line);
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto name = line.substr(0, colon);
    auto value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    std::string* slot = nullptr;
    if (name == "accept") slot = &head.accept;
    if (name == "x-info-hash") slot = &head.x_info_hash;
    if (name == "range") slot = &head.range;
    if (name == "if-none-match") slot = &head.if_none_match;
    if (name == "if-match") slot = &head.if_match;
    if (name == "if-range") slot = &head.if_range;
    if (name == "origin") slot = &head.origin;
    if (slot != nullptr) *slot = field_text(value);
  }
  return head;
}

// Every reply must be writable as an HTTP/1.1 message: header lines without CR, LF or NUL
// (RFC 9110 §5.5), and JSON bodies that are JSON (RFC 8259, UTF-8 included).
void check_reply(const http::Reply& reply) {
  SEEDER_FUZZ_CHECK(reply.status >= 200 && reply.status <= 599);
  for (const auto& header : reply.headers) {
    SEEDER_FUZZ_CHECK(!header.name.empty());
    for (const char c : header.name + header.value)
      SEEDER_FUZZ_CHECK(c != '\r' && c != '\n' && c != '\0');
  }
  const auto* type = reply.find_header("Content-Type");
  if (type != nullptr && *type == "application/json" && !reply.body.empty()) {
    // Known bug (issue 10): error messages quote request bytes, invalid UTF-8 included.
    SEEDER_FUZZ_CHECK(seeder::fuzz::is_valid_utf8(reply.body));
    SEEDER_FUZZ_CHECK(seeder::fuzz::parse_json_strings(reply.body).has_value());
  }
}

bool owns(const torrent::TorrentMeta& meta, const torrent::FileInfo* file) {
  for (const auto& candidate : meta.files()) {
    if (&candidate == file) return true;
  }
  return false;
}

void check_file_plan(const http::ParsedRequest& request, const http::FilePlan& plan) {
  SEEDER_FUZZ_CHECK(plan.entry && plan.file != nullptr && owns(*plan.entry->meta, plan.file));
  SEEDER_FUZZ_CHECK(plan.file->path == request.path);
  SEEDER_FUZZ_CHECK(request.method == http::Method::get);
  SEEDER_FUZZ_CHECK(plan.first <= plan.file->size && plan.length <= plan.file->size - plan.first);
  SEEDER_FUZZ_CHECK(plan.head.status == 200 || plan.head.status == 206);
  if (plan.head.status == 206) {
    SEEDER_FUZZ_CHECK(plan.length > 0 && plan.head.find_header("Content-Range") != nullptr);
  } else {
    SEEDER_FUZZ_CHECK(plan.first == 0 && plan.length == plan.file->size);
  }
  SEEDER_FUZZ_CHECK(plan.head.content_length == plan.length);
  check_reply(plan.head);
}

void check_mode_plan(const http::ModePlan& plan) {
  SEEDER_FUZZ_CHECK(plan.entry != nullptr);
  for (const auto* file : plan.selection.files)
    SEEDER_FUZZ_CHECK(owns(*plan.entry->meta, file));
  const auto size = plan.selection.size();
  SEEDER_FUZZ_CHECK(plan.first <= size && plan.length <= size - plan.first);
  for (const auto& interval : plan.selection.intervals(plan.first, plan.length)) {
    SEEDER_FUZZ_CHECK(interval.begin < interval.end);
    SEEDER_FUZZ_CHECK(interval.end <= plan.entry->meta->total_size());
  }
  check_reply(plan.head);
}

void route(const http::Router& router, const http::RequestHead& head) {
  auto parsed = router.parse(head);
  if (const auto* reply = std::get_if<http::Reply>(&parsed)) {
    check_reply(*reply);
    return;
  }
  const auto& request = std::get<http::ParsedRequest>(parsed);
  SEEDER_FUZZ_CHECK(request.method != http::Method::options);  // preflights end in parse()
  if (request.magnet) {
    SEEDER_FUZZ_CHECK(!request.magnet_uri.empty());
    return;
  }
  if (!request.hash) {
    check_reply(router.root_index(request, fixture().catalog.list()));
    return;
  }
  const auto entry = fixture().catalog.find(*request.hash);
  if (!entry) {
    check_reply(router.error_reply(seeder::make_error(seeder::Errc::not_found, "unknown torrent"),
                                   request));
    return;
  }
  if (request.route == http::Route::probe || request.route == http::Route::login) return;
  if (request.mode != http::Mode::bytes) {  // as the handler's route_known does
    auto decided = router.route_mode(request, entry);
    if (const auto* reply = std::get_if<http::Reply>(&decided)) {
      check_reply(*reply);
    } else {
      check_mode_plan(std::get<http::ModePlan>(decided));
    }
    return;
  }
  auto decided = router.route(request, entry, entry->meta->find_file(request.path));
  if (const auto* reply = std::get_if<http::Reply>(&decided)) {
    check_reply(*reply);
  } else {
    check_file_plan(request, std::get<http::FilePlan>(decided));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto head = head_of(std::string_view(reinterpret_cast<const char*>(data), size));
  route(fixture().star, head);
  route(fixture().listed, head);
  route(fixture().guarded, head);
  auto with_token = head;
  with_token.authorization = "Bearer view-token-0123456789";
  route(fixture().guarded, with_token);
  return 0;
}
