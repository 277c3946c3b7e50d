#include "seeder/torrent/streamer.hpp"

#include <boost/asio/post.hpp>

namespace seeder::torrent {
namespace {

class EmptySource final : public ByteSource {
 public:
  [[nodiscard]] std::uint64_t size() const override { return 0; }
  void async_next(std::uint64_t, NextHandler handler) override {
    handler(make_error(Errc::internal, "read past the end of an empty body"));
  }
  void cancel() override {}
};

}  // namespace

Streamer::Streamer(Registry& registry, storage::ContentFiles& files, ReaderOptions options)
    : registry_(registry), files_(files), options_(options) {}

void Streamer::async_open(const EntryPtr& entry, const FileInfo& file, std::uint64_t first,
                          std::uint64_t length, boost::asio::any_io_executor executor,
                          OpenHandler handler) {
  if (length == 0) {
    boost::asio::post(executor, [handler = std::move(handler)] {
      handler(std::shared_ptr<ByteSource>(std::make_shared<EmptySource>()));
    });
    return;
  }
  auto torrent = registry_.acquire(entry);
  if (!torrent) {
    boost::asio::post(executor, [handler = std::move(handler)] {
      handler(make_error(Errc::unavailable, "gateway shutting down"));
    });
    return;
  }
  auto reader =
      std::make_shared<RangeReader>(torrent, file, first, length, files_, executor, options_);
  torrent->async_when_ready(executor, [reader, handler = std::move(handler)](Status ready) mutable {
    if (!ready) {
      handler(ready.error());
      return;
    }
    reader->async_start([reader, handler = std::move(handler)](Status started) {
      if (!started) {
        handler(started.error());
        return;
      }
      handler(std::shared_ptr<ByteSource>(reader));
    });
  });
}

void Streamer::warm(const EntryPtr& entry) {
  registry_.acquire(entry);
}

}  // namespace seeder::torrent
