#pragma once
// SentCheck: a test mode (--verify-sent, on in every test and in the churn soak) that hashes
// again each piece a response sent bytes from, right after they were sent and while the reader
// still holds the piece, against the torrent's v1 piece hash. A mismatch is logged as an error
// and counted: it means a piece was recorded verified while its bytes on disk were not those,
// or they changed while a reader held them. (Bytes changed in the socket after they left the
// file are not seen here; the churn soak compares those.)
//
// Any thread: hashes through the store's files (page cache), so never in production.

#include <cstdint>

namespace libtorrent {
class torrent_info;
}

namespace seeder::storage {
class TorrentStore;
}

namespace seeder::torrent {

// Hashes `piece` as the store holds it and compares; a v2-only torrent, and a piece the store
// no longer records verified, are not checked. On a mismatch the piece's files are checked as a
// reader checks them (TorrentStore::recheck_file): a file deleted or cut short behind our back
// is a loss the store then handles, not a failure.
void check_sent_piece(storage::TorrentStore& store, const libtorrent::torrent_info& info,
                      int piece);
// Pieces that failed the check in this process (tests assert 0).
std::uint64_t sent_pieces_failed();

}  // namespace seeder::torrent
