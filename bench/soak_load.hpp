#pragma once
// The load of soak_bench: HTTP clients on one io_context, each looping over random range
// requests for the files of one torrent and checking every body byte against the source held
// in memory. run_soak_load owns the clients and runs them on the calling thread; nothing here is
// shared with another thread.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "bench_util.hpp"

namespace seeder::bench {

struct SourceFile {
  std::string path;   // in the torrent: "soak-pack/movie.mkv"
  std::string url;    // "/<hash>/<percent-encoded path>"
  std::string bytes;  // the whole file, as seeded
};

// Every regular file under `top` (the torrent's top directory), read into memory, by path.
std::vector<SourceFile> load_sources(const std::filesystem::path& top, const std::string& hash);

struct LoadOptions {
  std::uint16_t port = 0;
  int clients = 200;
  Clock::duration duration = std::chrono::seconds(120);
  // A request that receives no byte for this long is abandoned (and counted). Longer than the
  // gateway's 60 s piece timeout, so a piece that never comes shows first as its 504 or close;
  // an idle timeout, not a total one, because a whole-movie GET under this load is slow.
  Clock::duration idle_timeout = std::chrono::seconds(75);
};

// What one run of the load saw. A "request" ends as a complete response, a deliberate hang-up,
// a timeout, a transport error, or cut off by the end of the run.
struct LoadTally {
  std::uint64_t responses = 0;  // complete responses, any status
  std::map<unsigned, std::uint64_t> by_status;
  std::uint64_t wrong_bytes = 0;                // body bytes that differ from the source
  std::uint64_t requests_with_wrong_bytes = 0;  // complete or not
  std::uint64_t framing_errors = 0;             // 200/206/416 when another was due, or a wrong
                                                // Content-Range / Content-Length / extra bytes
  std::uint64_t hung_up = 0;                    // the client closed mid-body on purpose
  std::uint64_t stalled = 0;                    // the client left the response unread for a second
  std::uint64_t timeouts_head = 0;              // idle timeout before the response's head arrived
  std::uint64_t timeouts_body = 0;              // idle timeout mid-body
  std::uint64_t transport_errors = 0;           // refused connects, resets, closes mid-response
  std::uint64_t cut_by_deadline = 0;            // in flight when the run ended
  std::uint64_t body_bytes = 0;                 // every body byte received (all of them checked)
  // Of complete responses the client did not stall: request sent -> first body byte (end of
  // the header for an empty body), and -> last body byte.
  std::vector<double> first_byte_s;
  std::vector<double> total_s;
  std::vector<std::uint64_t> responses_per_file;  // index as in the sources
  // Complete responses and body bytes by the second of the run they ended or arrived in.
  std::vector<std::uint64_t> responses_by_second;
  std::vector<std::uint64_t> body_bytes_by_second;
  double seconds = 0;  // wall time of the run
};

LoadTally run_soak_load(const LoadOptions& options, const std::vector<SourceFile>& files);

}  // namespace seeder::bench
