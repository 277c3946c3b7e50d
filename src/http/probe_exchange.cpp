// The probe route: "/<hash>/<file>?probe" (see exchange.hpp).
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "counted_slot.hpp"
#include "exchange.hpp"
#include "media_reader.hpp"
#include "probe_cache.hpp"
#include "seeder/torrent/file_plan.hpp"

namespace seeder::http {
namespace {

// How long one window of the file may take to come (the swarm's first pieces included).
constexpr std::chrono::seconds kProbeReadTimeout{30};

}  // namespace

void RequestHandler::Exchange::answer_probe() {
  if (file == nullptr) {
    fail(make_error(Errc::not_found,
                    "no file '" + request.path + "' in torrent " + entry->meta->hash().hex()));
    return;
  }
  if (!torrent::is_media_file(file->path)) {
    fail(make_error(Errc::bad_request, "?probe is for video and audio files"));
    return;
  }
  if (!media::available()) {
    fail(make_error(Errc::not_implemented,
                    "this gateway was built without media support (-DSEEDER_MEDIA=OFF)"));
    return;
  }
  const auto key = entry->meta->hash().hex() + "/" + file->path;
  if (auto known = shared.probes->find(key)) {
    reply(router.probe_reply(request, std::move(*known)));
    return;
  }
  auto slot = CountedSlot::take(shared.probe_free);
  if (!slot) {
    fail(make_error(Errc::too_many_requests, "the gateway is probing other files: try again"));
    return;
  }
  // The reader's opens run on this exchange's strand and stop when the client has left.
  auto open = [self = shared_from_this()](std::uint64_t first, std::uint64_t length,
                                          MediaReader::Opened opened) {
    if (self->gone()) {
      opened(make_error(Errc::cancelled, "the client left"));
      return;
    }
    self->content.async_open_file(self->entry, *self->file, first, length, self->executor,
                                  std::move(opened));
  };
  auto reader =
      std::make_shared<MediaReader>(file->size, std::move(open), executor, kProbeReadTimeout);
  boost::asio::post(shared.probe_on, [self = shared_from_this(), reader, slot, key] {
    auto info = media::probe(*reader, self->file->path);
    boost::asio::post(self->executor, [self, info = std::move(info), key]() mutable {
      self->on_probed(std::move(info), key);
    });
  });
}

void RequestHandler::Exchange::on_probed(Result<media::MediaInfo> info, const std::string& key) {
  if (gone()) return;
  if (!info) {
    log_failure(info.error());
    fail(info.error());
    return;
  }
  auto json = media::to_json(*info);
  shared.probes->put(key, json);
  reply(router.probe_reply(request, std::move(json)));
}

}  // namespace seeder::http
