// The probe route: "/<hash>/<file>?probe" (see exchange.hpp).
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "counted_slot.hpp"
#include "exchange.hpp"
#include "media_cache.hpp"
#include "media_reader.hpp"
#include "seeder/torrent/file_plan.hpp"
#include "seeder/torrent/selection.hpp"

namespace seeder::http {
namespace {

// How long a probe may take, its reads included (the swarm's first pieces among them).
constexpr std::chrono::seconds kProbeTime{30};

}  // namespace

bool RequestHandler::Exchange::is_media_request(std::string_view what) {
  // A folder (or the torrent) is no file to read: 400 below; a path that names nothing: 404.
  if (file == nullptr && !torrent::select(*entry->meta, request.path)) {
    fail(make_error(Errc::not_found,
                    "no file '" + request.path + "' in torrent " + entry->meta->hash().hex()));
    return false;
  }
  if (file == nullptr || !torrent::is_media_file(file->path)) {
    fail(make_error(Errc::bad_request, std::string(what) + " is for video and audio files"));
    return false;
  }
  if (!media::available()) {
    fail(make_error(Errc::not_implemented,
                    "this gateway was built without media support (-DSEEDER_MEDIA=OFF)"));
    return false;
  }
  return true;
}

std::shared_ptr<MediaReader> RequestHandler::Exchange::media_reader(std::chrono::seconds time) {
  // The reader's opens run on this exchange's strand and stop when the client has left; while
  // a read waits, the strand is asked every so often whether the client is still there.
  auto open = [self = shared_from_this()](std::uint64_t first, std::uint64_t length,
                                          MediaReader::Opened opened) {
    if (self->gone()) {
      opened(make_error(Errc::cancelled, "the client left"));
      return;
    }
    self->content.async_open_file(self->entry, *self->file, first, length, self->executor,
                                  std::move(opened));
  };
  const auto deadline = std::chrono::steady_clock::now() + time;
  auto reader = std::make_shared<MediaReader>(file->size, std::move(open), executor, deadline);
  reader->on_wait([weak_self = weak_from_this(), weak_reader = std::weak_ptr(reader)] {
    const auto self = weak_self.lock();
    if (!self) return;
    boost::asio::post(self->executor, [self, weak_reader] {
      if (!self->gone()) return;
      if (const auto reader = weak_reader.lock()) reader->abandon();
    });
  });
  return reader;
}

bool RequestHandler::Exchange::answered_from(MediaCache& cache, const std::string& key,
                                             const std::function<Reply(std::string)>& made) {
  auto known = cache.find(key);
  if (!known) return false;
  if (*known)
    reply(made(std::move(**known)));
  else
    fail(known->error());
  return true;
}

void RequestHandler::Exchange::answer_probe() {
  if (!is_media_request("?probe")) return;
  const auto key = entry->meta->hash().hex() + "/" + file->path;
  if (answered_from(*shared.probes, key,
                    [&](std::string json) { return router.probe_reply(request, std::move(json)); }))
    return;
  auto slot = CountedSlot::take(shared.probe_free);
  if (!slot) {
    fail(make_error(Errc::too_many_requests, "the gateway is probing other files: try again"));
    return;
  }
  auto reader = media_reader(kProbeTime);
  boost::asio::post(shared.probe_on, [self = shared_from_this(), reader, slot, key] {
    media::ProbeLimits limits;
    limits.deadline = kProbeTime;
    limits.stop = [reader] { return reader->stopped(); };
    CpuSpent spent(*self->shared.probe_cpu_us);
    auto info = media::probe(*reader, self->file->path, limits);
    boost::asio::post(self->executor, [self, info = std::move(info), key]() mutable {
      self->on_probed(std::move(info), key);
    });
  });
}

// The answer is kept even when its client has left: the next ask (a reload) need not probe again.
void RequestHandler::Exchange::on_probed(Result<media::MediaInfo> info, const std::string& key) {
  if (!info) {
    // Bytes that are no media stay so: kept, and logged as the client's problem, once.
    if (info.error().code == Errc::upstream) {
      spdlog::warn("?probe torrent {} path '{}': {}", entry->meta->hash().hex(), request.path,
                   info.error().message);
      shared.probes->put(key, info.error());
    } else if (!gone()) {
      log_failure(info.error());
    }
    if (!gone()) fail(info.error());
    return;
  }
  info->converts_video = shared.convert_video;
  auto json = media::to_json(*info);
  shared.probes->put(key, json);
  if (!gone()) reply(router.probe_reply(request, std::move(json)));
}

}  // namespace seeder::http
