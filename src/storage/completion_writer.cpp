#include "seeder/storage/completion_writer.hpp"

#include <spdlog/spdlog.h>

#include "seeder/storage/torrent_store.hpp"

namespace seeder::storage {
namespace {

// A failure leaves the changes pending: they are retried with the next batch for this torrent,
// and until then completed pieces are served (their bytes are in the page cache) but not claimed.
void record(TorrentStore& store) {
  if (auto written = store.persist_pending(); !written) {
    spdlog::error("torrent {}: cannot record completed pieces: {}", store.key().hex(),
                  written.error().message);
  }
}

}  // namespace

CompletionWriter::CompletionWriter(std::chrono::milliseconds batch_delay)
    : StoreWorker(record, batch_delay) {}

}  // namespace seeder::storage
