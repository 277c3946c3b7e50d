// The HLS route: "/<hash>/<file>?hls" (the playlist), "?hls=init", "?hls=<n>" (see exchange.hpp
// and seeder/media/hls.hpp).
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "counted_slot.hpp"
#include "exchange.hpp"
#include "media_cache.hpp"
#include "media_reader.hpp"
#include "seeder/core/text.hpp"
#include "seeder/http/target.hpp"
#include "seeder/media/hls.hpp"

namespace seeder::http {
namespace {

// A segment's reads (its pieces among them, fetched first) and its conversion.
constexpr std::chrono::seconds kHlsTime{60};
constexpr std::size_t kMaxSegmentDigits = 9;  // past any film's last segment: 404

// A signed link's parameters, carried into every URI of the playlist: the segments of a signed
// file are covered by its link.
std::string link_query(const Target& target) {
  std::string query;
  for (const char* key : {"exp", "scope", "sig"}) {
    const auto value = target.query_value(key);
    if (!value) continue;
    if (!query.empty()) query += '&';
    query += std::string(key) + "=" + percent_encode_path(*value);
  }
  return query;
}

std::optional<int> segment_number(std::string_view text) {
  if (text.empty() || text.size() > kMaxSegmentDigits) return std::nullopt;
  const auto number = parse_unsigned(text);
  if (!number) return std::nullopt;
  return static_cast<int>(*number);
}

}  // namespace

void RequestHandler::Exchange::answer_hls() {
  if (!is_media_request("?hls")) return;
  const auto& which = *request.hls;
  const bool playlist = which.empty();
  const bool init = which == "init";
  const auto number = segment_number(which);
  if (!playlist && !init && !number) {
    fail(make_error(Errc::bad_request, "?hls takes no value, init, or a segment number"));
    return;
  }
  const auto extra = link_query(request.target);
  const auto type = playlist ? "application/vnd.apple.mpegurl" : "video/mp4";
  // A playlist carries the link's query; a segment is the same bytes for everyone.
  const auto key = entry->meta->hash().hex() + "/" + file->path + "?hls=" + which +
                   (playlist ? "&" + extra : std::string());
  auto& cache = playlist ? *shared.probes : *shared.segments;
  if (answered_from(cache, key, [&](std::string made) {
        return router.hls_reply(request, std::move(made), type);
      }))
    return;
  auto slot = CountedSlot::take(shared.probe_free);
  if (!slot) {
    fail(make_error(Errc::too_many_requests, "the gateway is converting other media: try again"));
    return;
  }
  auto reader = media_reader(kHlsTime);
  const auto name = file->path.substr(file->path.rfind('/') + 1);
  media::ProbeLimits limits;
  limits.deadline = kHlsTime;
  limits.stop = [reader] { return reader->stopped(); };  // the client left: the work stops
  boost::asio::post(shared.probe_on, [self = shared_from_this(), reader, slot, playlist, init,
                                      number, extra, key, name, limits, type] {
    Result<std::string> made = make_error(Errc::internal, "nothing made");
    {
      CpuSpent spent(*self->shared.hls_cpu_us);
      if (playlist) {
        auto segments = media::hls_segments(*reader, name, limits);
        if (segments)
          made = media::media_playlist(*segments, percent_encode_path(name), extra);
        else
          made = segments.error();
      } else if (init) {
        made = media::hls_init(*reader, name, limits);
      } else {
        made = media::hls_segment(*reader, name, *number, limits);
      }
    }
    boost::asio::post(self->executor, [self, made = std::move(made), type = std::string(type), key,
                                       playlist]() mutable {
      self->on_hls_made(std::move(made), type, key, playlist);
    });
  });
}

// What was made is kept (playlists with the probes' answers, segments in their own cache under a
// byte budget), and so is the reason a file's bytes are no film: it stays so.
void RequestHandler::Exchange::on_hls_made(Result<std::string> made,
                                           const std::string& content_type,
                                           const std::string& cache_key, bool playlist) {
  auto& cache = playlist ? *shared.probes : *shared.segments;
  if (!made) {
    if (made.error().code == Errc::upstream) {
      spdlog::warn("?hls torrent {} path '{}': {}", entry->meta->hash().hex(), request.path,
                   made.error().message);
      cache.put(cache_key, made.error());
    } else if (!gone() && made.error().code != Errc::not_found) {
      log_failure(made.error());  // past the last segment is the client's, and not logged
    }
    if (!gone()) fail(made.error());
    return;
  }
  cache.put(cache_key, *made);
  if (!gone()) reply(router.hls_reply(request, std::move(*made), content_type));
}

}  // namespace seeder::http
