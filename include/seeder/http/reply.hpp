#pragma once
// Plain request/response descriptions shared by the router and the server, free of Beast types
// so that routing can be tested without a socket.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace seeder::http {

struct Header {
  std::string name;
  std::string value;
};

// The parts of a request the router reads.
struct RequestHead {
  std::string method;  // as sent, e.g. "GET"
  std::string target;  // origin-form, e.g. "/<hash>/a%20b.mkv?download"
  std::string accept;
  std::string x_info_hash;
  std::string range;
  std::string if_none_match;
  std::string if_match;
  std::string if_range;
  std::string origin;
  // Where the client reached us, for absolute URLs (playlists): Host, and what a reverse proxy
  // says in X-Forwarded-Host / X-Forwarded-Proto.
  // Believed only from a trusted proxy (believe_proxies); cleared otherwise.
  std::string host;
  std::string forwarded_host;
  std::string forwarded_proto;
  std::string forwarded_for;  // X-Forwarded-For, as sent
  std::string content_type;
  std::string authorization;  // never logged
  std::string cookie;
  // Who asks: the peer's address as the connection shows it (no port), or, from a trusted
  // proxy, the client it names (believe_proxies). Costly asks (uploads, lookups in the swarm)
  // are limited per client.
  std::string client;
  std::string body;  // a POST's body (an upload); empty for every other request
};

// A response whose body is in memory (or absent).
struct Reply {
  unsigned status = 200;
  std::vector<Header> headers;
  std::string body;
  // Set for header-only answers (HEAD) that announce a length they do not send.
  std::optional<std::uint64_t> content_length;

  [[nodiscard]] const std::string* find_header(std::string_view name) const;
  void set_header(std::string name, std::string value);
  // Adds `field` to the one Vary header (several Vary lines would collapse into the last).
  void add_vary(std::string_view field);
};

// A plain-text reply.
Reply text_reply(unsigned status, std::string body);

}  // namespace seeder::http
