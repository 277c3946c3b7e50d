#pragma once
// RequestHandler: turns a request head into a response, without a socket. Every lookup,
// redirect and error status before the status line is decided here: the router reads the
// request; the torrent is found (catalog, torrent store, swarm); for a file, the vault is asked
// and then the router decides (for ?done/?stats the router's plan comes first, then the vault);
// the body's source is opened (a file's bytes, an event stream). Every failure becomes the
// status through Router::error_reply; failures to open content are logged here, once (a body
// cut short after its status line is the connection's to log).
//
// Called on a connection's strand. `respond` runs once, on the executor given, unless the
// request is cancelled first (the client hung up, the server stopped, a write failed); a body
// source opened meanwhile is then cancelled and dropped.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "seeder/core/byte_source.hpp"
#include "seeder/core/event_stream.hpp"
#include "seeder/http/content.hpp"
#include "seeder/http/reply.hpp"
#include "seeder/http/router.hpp"

namespace seeder::http {

struct Response {
  Reply reply;                          // status and headers; the body when it is in memory
  std::shared_ptr<ByteSource> file;     // or a file's bytes: exactly file->size() of them
  std::shared_ptr<EventStream> events;  // or a chunked body, one chunk per frame
  bool head_only = false;               // HEAD: the GET's headers, no body
  const char* route = "invalid";        // metrics label

  // The body's length as Content-Length announces it (also for HEAD).
  [[nodiscard]] std::uint64_t content_length() const;
  // Whether the head carries a Content-Length (not 204/304, not a chunked event stream).
  [[nodiscard]] bool announces_length() const;
  // Whether bytes follow the head.
  [[nodiscard]] bool sends_body() const;
};

// Set by the connection once it is closed (client gone, server stopped, a write failed); read
// on the connection's strand only.
using CancelFlag = std::shared_ptr<const bool>;

class ClientStreams;
class MediaCache;
class SubtitleCache;

class RequestHandler {
 public:
  using Executor = boost::asio::any_io_executor;
  using Respond = std::function<void(Response)>;

  // At most this many multipart/byteranges bodies at once: each holds two descriptors more
  // than the budget gives a connection (the part heads' memfd, the next range's file); a
  // request over it gets the whole file.
  static constexpr int kMultipartSlots = 16;

  // Media probes at once (each holds a thread of `probe_on`, which has as many, while the
  // file's bytes come); one more is told to try again (429).
  static constexpr int kProbeSlots = 4;
  // HLS segments kept once made (a seek back, a second viewer), least recently used dropped.
  static constexpr std::uint64_t kSegmentCacheBytes = 128ull << 20;

  // Both outlive the handler. `convert_on`: where subtitles are converted; `probe_on`: where
  // media files are probed (never an HTTP thread; the system executor when none is given).
  // `streams_per_client`: file bodies one (non-loopback) client may have open at once; more
  // get 429; 0: no cap. `convert_video`: ?hls may convert a film's picture to H.264 when asked
  // (&video=h264; --transcode-video).
  RequestHandler(const Router& router, Content& content, int multipart_slots = kMultipartSlots,
                 Executor convert_on = {}, Executor probe_on = {}, int streams_per_client = 0,
                 bool convert_video = false);
  ~RequestHandler();

  void handle(RequestHead head, Executor executor, CancelFlag cancelled, Respond respond) const;
  // The answer to a request that could not be read (malformed, headers over the limit).
  [[nodiscard]] Response reject(const Error& error) const;
  // CPU seconds the media pool spent probing and making HLS (for /metrics).
  [[nodiscard]] double probe_cpu_seconds() const;
  [[nodiscard]] double hls_cpu_seconds() const;

  struct Exchange;
  // What every exchange shares.
  struct Shared {
    std::shared_ptr<std::atomic<int>> multipart_free;  // slots left; each response holds one
    std::shared_ptr<SubtitleCache> subtitles;
    std::shared_ptr<std::atomic<int>> probe_free;  // probes that may start
    std::shared_ptr<MediaCache> probes;            // answers and playlists already made
    std::shared_ptr<MediaCache> segments;          // HLS segments made (kSegmentCacheBytes)
    Executor probe_on;
    // Thread CPU time the media pool spent, in microseconds: probing, and making HLS.
    std::shared_ptr<std::atomic<std::uint64_t>> probe_cpu_us;
    std::shared_ptr<std::atomic<std::uint64_t>> hls_cpu_us;
    std::shared_ptr<ClientStreams> streams;  // bodies open per client
    bool convert_video = false;              // --transcode-video
  };

 private:
  const Router& router_;
  Content& content_;
  Shared shared_;
};

}  // namespace seeder::http
