#include "seeder/torrent/sent_check.hpp"

#include <atomic>

#include <spdlog/spdlog.h>
#include <libtorrent/hasher.hpp>
#include <libtorrent/torrent_info.hpp>

#include "seeder/storage/torrent_store.hpp"

namespace seeder::torrent {
namespace {

std::atomic<std::uint64_t> failed{0};

}  // namespace

void check_sent_piece(storage::TorrentStore& store, const libtorrent::torrent_info& info,
                      int piece) {
  if (!info.info_hashes().has_v1() || piece < 0 || piece >= info.num_pieces()) return;
  // Forgotten since (its file removed or cut short behind our back, noticed meanwhile): the
  // store no longer vouches for it, and the reader sent from the file it had open.
  const auto record = store.record_of(piece);
  if (record == 0) return;
  libtorrent::hasher sha1;
  auto& files = store.files();
  const auto read =
      files.visit(piece, 0, files.layout().piece_size(piece), [&](std::span<const char> bytes) {
        sha1.update({bytes.data(), static_cast<std::ptrdiff_t>(bytes.size())});
      });
  if (read && sha1.final() == info.hash_for_piece(libtorrent::piece_index_t(piece))) return;
  // A content file deleted or cut short behind our back (and written again since) may not have
  // been noticed yet: check the piece's files as a reader would. Only bytes changed in a file
  // the store still vouches for count (an eviction forgets a piece before it punches it). A
  // piece forgotten and recorded again while it was hashed (a loss a write noticed meanwhile)
  // is another record: what was hashed was on its way out.
  for (const int file : files.files_of(piece))
    store.recheck_file(file);
  if (store.record_of(piece) != record) return;
  ++failed;
  spdlog::error("torrent {}: piece {} failed verification after it was sent{}", store.key().hex(),
                piece, read ? "" : ": " + read.error().message);
  store.on_piece_failed(piece);  // not vouched for any more: fetched again
}

std::uint64_t sent_pieces_failed() {
  return failed.load();
}

}  // namespace seeder::torrent
