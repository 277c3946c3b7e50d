// Fuzzes .torrent loading into the catalog (torrent::parse_torrent): hostile names, paths, sizes
// and piece counts. For every torrent that loads, walks its files the way routing does (by path,
// by URL, by selection) and checks the piece arithmetic and the JSON index page.
// Input: the .torrent bytes.

#include <cstdint>
#include <string>
#include <variant>

#include "seeder/http/render.hpp"
#include "seeder/http/router.hpp"
#include "seeder/http/target.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/selection.hpp"
#include "support.hpp"

namespace {

namespace http = seeder::http;
namespace torrent = seeder::torrent;

void check_pieces(const torrent::TorrentMeta& meta, std::uint64_t begin, std::uint64_t end) {
  const auto span = meta.pieces_for(begin, end);
  if (begin == end) {
    SEEDER_FUZZ_CHECK(span.empty());
    return;
  }
  SEEDER_FUZZ_CHECK(!span.empty());
  SEEDER_FUZZ_CHECK(span.first >= 0 && span.last < meta.num_pieces());
  SEEDER_FUZZ_CHECK(meta.piece_offset(span.first) <= begin);
  SEEDER_FUZZ_CHECK(meta.piece_offset(span.last) + meta.piece_size(span.last) >= end);
}

// README "File names": every URL path is made of non-empty components other than "." and "..",
// without control characters or backslashes, in valid UTF-8, each at most 255 bytes.
void check_url_path(std::string_view path) {
  SEEDER_FUZZ_CHECK(!path.empty());
  SEEDER_FUZZ_CHECK(seeder::fuzz::is_valid_utf8(path));
  SEEDER_FUZZ_CHECK(path != "source.torrent");  // reserved for the metadata route
  while (!path.empty()) {
    const auto slash = path.find('/');
    const auto component = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash + 1);
    SEEDER_FUZZ_CHECK(!component.empty() && component != "." && component != "..");
    SEEDER_FUZZ_CHECK(component.size() <= 255);
    for (const char c : component) {
      const auto byte = static_cast<unsigned char>(c);
      SEEDER_FUZZ_CHECK(byte >= 0x20 && byte != 0x7f && c != '\\');
    }
    if (slash != std::string_view::npos) SEEDER_FUZZ_CHECK(!path.empty());  // no trailing '/'
  }
}

void check_meta(const torrent::TorrentMeta& meta) {
  SEEDER_FUZZ_CHECK(meta.piece_length() > 0 && meta.num_pieces() > 0);
  const auto length = static_cast<std::uint64_t>(meta.piece_length());
  const auto pieces = static_cast<std::uint64_t>(meta.num_pieces());
  // The pieces cover the torrent exactly: the last one is partial, never empty.
  SEEDER_FUZZ_CHECK((pieces - 1) * length < meta.total_size() || meta.total_size() == 0);
  SEEDER_FUZZ_CHECK(pieces * length >= meta.total_size());
  SEEDER_FUZZ_CHECK(meta.piece_size(meta.num_pieces()) == 0);
  std::uint64_t previous_end = 0;
  for (const auto& file : meta.files()) {
    SEEDER_FUZZ_CHECK(file.offset >= previous_end);  // torrent order, pad files left out
    SEEDER_FUZZ_CHECK(file.size <= meta.total_size() &&
                      file.offset <= meta.total_size() - file.size);
    previous_end = file.offset + file.size;
    check_url_path(file.path);
    // Paths are unique within a torrent: each leads to its own file.
    SEEDER_FUZZ_CHECK(meta.find_file(file.path) == &file);
    check_pieces(meta, file.offset, file.offset + file.size);
    // A file's URL leads to that file.
    const auto target = http::parse_target("/" + http::percent_encode_path(file.path));
    SEEDER_FUZZ_CHECK(target && target->path == file.path);
  }
}

void check_selections(const torrent::TorrentMeta& meta) {
  const auto whole = torrent::select(meta, "");
  SEEDER_FUZZ_CHECK(whole.ok() && whole->files.size() == meta.files().size());
  SEEDER_FUZZ_CHECK(whole->size() <= meta.total_size());
  for (const auto& file : meta.files()) {
    const auto one = torrent::select(meta, file.path);
    SEEDER_FUZZ_CHECK(one.ok() && one->size() == meta.find_file(file.path)->size);
    const auto pieces = torrent::pieces_of(meta, one->intervals());
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      SEEDER_FUZZ_CHECK(pieces[i] >= 0 && pieces[i] < meta.num_pieces());
      if (i > 0) SEEDER_FUZZ_CHECK(pieces[i - 1] < pieces[i]);
    }
    const auto verified = torrent::verified_bytes(meta, one->intervals(), [](int) { return true; });
    SEEDER_FUZZ_CHECK(verified == one->size());
  }
}

// Routing a GET for each file's URL, as a browser following the index page would.
void check_routes(const torrent::EntryPtr& entry) {
  static const http::Router router{http::RouterOptions{}};
  const auto& meta = *entry->meta;
  for (const auto& file : meta.files()) {
    http::RequestHead head;
    head.method = "GET";
    head.target = "/" + meta.hash().hex() + "/" + http::percent_encode_path(file.path);
    head.range = "bytes=0-";
    auto parsed = router.parse(head);
    SEEDER_FUZZ_CHECK(std::holds_alternative<http::ParsedRequest>(parsed));
    const auto& request = std::get<http::ParsedRequest>(parsed);
    SEEDER_FUZZ_CHECK(request.path == file.path);
    auto decided = router.route(request, entry, entry->meta->find_file(request.path));
    const auto* plan = std::get_if<http::FilePlan>(&decided);
    SEEDER_FUZZ_CHECK(plan != nullptr && plan->file == &file && plan->first == 0);
    SEEDER_FUZZ_CHECK(plan->length == plan->file->size);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto entry = torrent::parse_torrent(std::string(reinterpret_cast<const char*>(data), size));
  if (!entry) {
    SEEDER_FUZZ_CHECK(entry.error().code == seeder::Errc::bad_request);
    return 0;
  }
  const auto& meta = *(*entry)->meta;
  SEEDER_FUZZ_CHECK((*entry)->held_bytes && (*entry)->held_bytes->size() == size);
  check_meta(meta);
  check_selections(meta);
  check_routes(*entry);
  SEEDER_FUZZ_CHECK(seeder::fuzz::parse_json_strings(http::render_torrent_json(meta)).has_value());
  (void)http::render_torrent_html(meta);
  return 0;
}
