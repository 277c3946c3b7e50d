// The HLS route: "/<hash>/<file>?hls" (the playlist), "?hls=media.m3u8", "?hls=init.mp4",
// "?hls=<n>.mp4", "?hls=sub<track>.m3u8", "?hls=sub<track>-<n>.vtt" (see HlsAsk, exchange.hpp
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
constexpr std::size_t kMaxNumberDigits = 9;  // past any film's last segment or stream: 404

// A segment's or a stream's number: a few digits (more are past any film's last segment).
std::optional<int> small_number(std::string_view text) {
  if (text.empty() || text.size() > kMaxNumberDigits) return std::nullopt;
  const auto number = parse_unsigned(text);
  if (!number) return std::nullopt;
  return static_cast<int>(*number);
}

// The query of how the remux is made: "audio=<stream>", "channels=6" and "video=h264", each
// when not the default.
std::string remux_query(const media::RemuxOptions& remux) {
  std::string query;
  const auto add = [&](const std::string& part) { query += (query.empty() ? "" : "&") + part; };
  if (remux.sound.stream != media::kDefaultAudio)
    add("audio=" + std::to_string(remux.sound.stream));
  if (remux.sound.surround) add("channels=6");
  if (remux.convert_video) add("video=h264");
  return query;
}

// The query every URI of a playlist carries: a signed link's parameters (the segments of a
// signed file are covered by its link) and how the remux is made.
std::string carried_query(const Target& target, const media::RemuxOptions& remux) {
  std::string query;
  for (const char* key : {"exp", "scope", "sig"}) {
    const auto value = target.query_value(key);
    if (!value) continue;
    if (!query.empty()) query += '&';
    query += std::string(key) + "=" + percent_encode_path(*value);
  }
  if (const auto remux_part = remux_query(remux); !remux_part.empty())
    query += (query.empty() ? "" : "&") + remux_part;
  return query;
}

// What a ?hls value asks for: "" (the playlist to open: a master playlist when the file has
// subtitle tracks), "media" (the video's playlist), "init", "<n>", "sub<stream>" (a subtitle
// track's playlist) or "sub<stream>-<n>" (its WebVTT segment n); each but "" may carry the
// extension the playlists write ("media.m3u8", "init.mp4", "<n>.mp4", "sub2.m3u8",
// "sub2-<n>.vtt").
struct HlsAsk {
  enum class Kind { playlist, media_playlist, init, segment, subtitle_playlist, subtitle_segment };
  Kind kind = Kind::playlist;
  int stream = -1;
  int number = -1;
  std::string name;  // the value without its extension: one cache entry for both spellings
  // ?audio=<stream>&channels=6&video=h264: how init and segments are made
  media::RemuxOptions remux;

  [[nodiscard]] bool is_playlist() const {
    return kind == Kind::playlist || kind == Kind::media_playlist ||
           kind == Kind::subtitle_playlist;
  }
  [[nodiscard]] std::string_view extension() const {
    if (is_playlist()) return "m3u8";
    return kind == Kind::subtitle_segment ? "vtt" : "mp4";
  }
  [[nodiscard]] const char* content_type() const {
    if (is_playlist()) return "application/vnd.apple.mpegurl";
    return kind == Kind::subtitle_segment ? "text/vtt; charset=utf-8" : "video/mp4";
  }
};

HlsAsk ask_for(HlsAsk::Kind kind, int stream = -1, int number = -1) {
  HlsAsk ask;
  ask.kind = kind;
  ask.stream = stream;
  ask.number = number;
  return ask;
}

std::optional<HlsAsk> parse_hls_name(std::string_view name) {
  using Kind = HlsAsk::Kind;
  if (name.empty()) return ask_for(Kind::playlist);
  if (name == "media") return ask_for(Kind::media_playlist);
  if (name == "init") return ask_for(Kind::init);
  if (const auto number = small_number(name)) return ask_for(Kind::segment, -1, *number);
  if (!name.starts_with("sub")) return std::nullopt;
  name.remove_prefix(3);
  const auto dash = name.find('-');
  const auto stream = small_number(name.substr(0, dash));
  if (!stream) return std::nullopt;
  if (dash == std::string_view::npos) return ask_for(Kind::subtitle_playlist, *stream);
  const auto number = small_number(name.substr(dash + 1));
  if (!number) return std::nullopt;
  return ask_for(Kind::subtitle_segment, *stream, *number);
}

std::optional<HlsAsk> parse_hls(std::string_view which, const Target& target) {
  const auto dot = which.rfind('.');
  const auto name = which.substr(0, dot);
  auto ask = parse_hls_name(name);
  if (!ask || (dot != std::string_view::npos &&
               (name.empty() || which.substr(dot + 1) != ask->extension())))
    return std::nullopt;
  ask->name = std::string(name);
  if (const auto audio = target.query_value("audio")) {
    const auto stream = small_number(*audio);
    if (!stream) return std::nullopt;
    ask->remux.sound.stream = *stream;
  }
  if (const auto channels = target.query_value("channels")) {
    if (*channels != "2" && *channels != "6") return std::nullopt;
    ask->remux.sound.surround = *channels == "6";
  }
  if (const auto video = target.query_value("video")) {
    if (*video != "h264") return std::nullopt;
    ask->remux.convert_video = true;
  }
  return ask;
}

// The playlist `ask` names, from the file's layout.
Result<std::string> playlist_of(const media::HlsLayout& layout, const HlsAsk& ask,
                                const std::string& base, const std::string& extra) {
  using Kind = HlsAsk::Kind;
  if (ask.kind == Kind::playlist && !layout.subtitles.empty())
    return media::master_playlist(layout, base, extra);
  if (ask.kind != Kind::subtitle_playlist)
    return media::media_playlist(layout.segments, base, extra);
  for (const auto& track : layout.subtitles)
    if (track.stream == ask.stream)
      return media::subtitle_playlist(layout.segments, ask.stream, base, extra);
  return make_error(Errc::not_found, "no text subtitle track " + std::to_string(ask.stream));
}

// What `ask` names, made from the file's bytes (blocking: on a media pool thread).
Result<std::string> make_hls(media::RandomAccess& reader, const std::string& name,
                             const HlsAsk& ask, const std::string& extra,
                             const media::ProbeLimits& limits) {
  using Kind = HlsAsk::Kind;
  switch (ask.kind) {
    case Kind::init:
      return media::hls_init(reader, name, limits, ask.remux);
    case Kind::segment:
      return media::hls_segment(reader, name, ask.number, limits, ask.remux);
    case Kind::subtitle_segment:
      return media::hls_subtitle_segment(reader, name, ask.stream, ask.number, limits);
    default: {
      auto layout = media::hls_layout(reader, name, limits, ask.remux);
      if (!layout) return layout.error();
      return playlist_of(*layout, ask, percent_encode_path(name), extra);
    }
  }
}

}  // namespace

void RequestHandler::Exchange::answer_hls() {
  if (!is_media_request("?hls")) return;
  const auto& which = *request.hls;
  const auto ask = parse_hls(which, request.target);
  if (!ask) {
    fail(make_error(Errc::bad_request,
                    "?hls takes no value, media, init, a segment number, sub<track> or "
                    "sub<track>-<number> (with .m3u8, .mp4 or .vtt as the playlists write them); "
                    "?audio a stream number, ?channels 2 or 6, ?video h264"));
    return;
  }
  if (ask->remux.convert_video && !shared.convert_video) {
    fail(make_error(Errc::bad_request,
                    "this gateway does not convert video (it runs without --transcode-video)"));
    return;
  }
  const auto extra = carried_query(request.target, ask->remux);
  const bool playlist = ask->is_playlist();
  const std::string type = ask->content_type();
  // A playlist carries the link's query; a segment is the same bytes for everyone who asks for
  // the same remux.
  const bool remuxed = ask->kind == HlsAsk::Kind::init || ask->kind == HlsAsk::Kind::segment;
  // '\0' cannot be in a path: a file named "a.mkv?hls=" has no key of a.mkv's (the probes'
  // cache keys are the plain path).
  const auto key = entry->meta->hash().hex() + "/" + file->path + '\0' + "hls=" + ask->name +
                   (playlist  ? "&" + extra
                    : remuxed ? "&" + remux_query(ask->remux)
                              : std::string());
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
  boost::asio::post(shared.probe_on, [self = shared_from_this(), reader, slot, ask = *ask, extra,
                                      key, name, limits, type, playlist] {
    Result<std::string> made = make_error(Errc::internal, "nothing made");
    {
      CpuSpent spent(*self->shared.hls_cpu_us);
      made = make_hls(*reader, name, ask, extra, limits);
    }
    boost::asio::post(self->executor,
                      [self, made = std::move(made), type, key, playlist]() mutable {
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
