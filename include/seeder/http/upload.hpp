#pragma once
// The body of an upload (POST / with --allow-uploads) as what it carries: .torrent bytes or a
// magnet link. Pure logic; the request handler adds what it finds.
//
// Accepted bodies:
// - application/x-bittorrent, or a body that starts like a bencoded dictionary ("d<digit>")
//   whatever its type: the .torrent itself (curl --data-binary @x.torrent, which says
//   application/x-www-form-urlencoded);
// - text/plain (or a body that starts with "magnet:"): a magnet link;
// - application/x-www-form-urlencoded: a "magnet" field;
// - multipart/form-data (the index page's form): a "torrent" file part, else a "magnet" field.

#include <string>
#include <string_view>

#include "seeder/core/result.hpp"

namespace seeder::http {

struct Upload {
  enum class Kind { torrent, magnet };
  Kind kind = Kind::torrent;
  std::string content;  // the .torrent bytes, or the magnet URI
};

// Errc::bad_request, saying what was expected, when the body carries neither.
Result<Upload> parse_upload(std::string_view content_type, std::string body);

}  // namespace seeder::http
