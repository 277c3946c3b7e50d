// TorrentStore (and the registry that opens it): real files, real mmap, real SQLite in temp
// dirs; no swarm.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <thread>

#include <libtorrent/torrent_info.hpp>

#include "content.hpp"
#include "one_file_torrent.hpp"
#include "seeder/storage/completion_writer.hpp"
#include "seeder/storage/content_layout.hpp"
#include "seeder/storage/content_path.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/storage/torrent_store.hpp"
#include "seeder/torrent/catalog.hpp"
#include "temp_dir.hpp"

namespace seeder::storage {
namespace {

using test::TempDir;

// A real torrent (v1-only and hybrid) over a few files, laid out in a fresh data dir.
class StoreTest : public ::testing::TestWithParam<test::TorrentSpec::Kind> {
 protected:
  void SetUp() override {
    test::write_file(content_ / "T" / "a.bin", test::random_bytes(100'000, 1));
    test::write_file(content_ / "T" / "b.bin", test::random_bytes(70'000, 2));
    test::write_file(content_ / "T" / "c.bin", test::random_bytes(5'000, 3));
    entry_ = *torrent::parse_torrent(test::make_torrent(content_ / "T", {GetParam(), 16 * 1024}));
    spec_ = spec_for(entry_->meta->hash(), *test::info_of(entry_), *entry_->torrent_file());
  }
  // Writes piece `piece` with the source bytes, as libtorrent would after downloading it.
  void write_piece(TorrentStore& store, int piece) {
    const auto& layout = store.files().layout();
    std::string bytes;
    for (const auto& slice : layout.map_block(piece, 0, layout.piece_size(piece))) {
      if (layout.file(slice.file).pad) {
        bytes.append(static_cast<std::size_t>(slice.length), '\0');
      } else {
        const auto source = test::read_file(content_ / layout.file(slice.file).name);
        bytes += source.substr(static_cast<std::size_t>(slice.offset),
                               static_cast<std::size_t>(slice.length));
      }
    }
    ASSERT_TRUE(store.files().write(piece, 0, bytes));
  }
  std::shared_ptr<TorrentStore> open(StoreRegistry& stores) {
    auto store = stores.open(spec_);
    EXPECT_TRUE(store) << store.error().message;
    return store ? *store : nullptr;
  }

  TempDir content_{"seeder-content"};
  TempDir data_{"seeder-data"};
  torrent::EntryPtr entry_;
  StoreSpec spec_;
};

TEST_P(StoreTest, CompletedPiecesAndFilesSurviveAReopen) {
  const int pieces = entry_->meta->num_pieces();
  {
    StoreRegistry stores(data_.path());
    auto store = open(stores);
    ASSERT_TRUE(store);
    EXPECT_EQ(store->complete_pieces(), 0);
    EXPECT_TRUE(std::filesystem::exists(metadata_path(data_.path(), entry_->meta->hash())));
    for (int piece = 0; piece < pieces; ++piece) {
      write_piece(*store, piece);
      store->on_piece_passed(piece);
    }
    EXPECT_TRUE(store->file_complete(entry_->meta->files()[0].index));
    stores.flush();
  }
  StoreRegistry stores(data_.path());
  auto store = open(stores);
  ASSERT_TRUE(store);
  EXPECT_EQ(store->complete_pieces(), pieces);
  for (const auto& file : entry_->meta->files())
    EXPECT_TRUE(store->file_complete(file.index)) << file.path;
  EXPECT_EQ(store->have_pieces().count(), pieces);
}

TEST_P(StoreTest, PadFilesAreNeverCreated) {
  StoreRegistry stores(data_.path());
  auto store = open(stores);
  ASSERT_TRUE(store);
  for (int piece = 0; piece < entry_->meta->num_pieces(); ++piece)
    write_piece(*store, piece);
  const auto& layout = store->files().layout();
  int pads = 0;
  for (int index = 0; index < layout.num_files(); ++index) {
    const auto path = content_path(data_.path(), entry_->meta->hash(), index);
    EXPECT_EQ(std::filesystem::exists(path), !layout.file(index).pad) << path;
    pads += layout.file(index).pad ? 1 : 0;
  }
  if (GetParam() == test::TorrentSpec::Kind::hybrid) {
    EXPECT_GT(pads, 0) << "hybrid torrents have pad files";
  }
}

TEST_P(StoreTest, RecordedPiecesWhoseBytesAreGoneAreForgottenOnReopen) {
  const auto& files = entry_->meta->files();
  {
    StoreRegistry stores(data_.path());
    auto store = open(stores);
    for (int piece = 0; piece < entry_->meta->num_pieces(); ++piece) {
      write_piece(*store, piece);
      store->on_piece_passed(piece);
    }
    stores.flush();
  }
  // b.bin deleted outright; a hole punched into a.bin (as a crash before write-back could leave).
  std::filesystem::remove(content_path(data_.path(), entry_->meta->hash(), files[1].index));
  const int fd =
      ::open(content_path(data_.path(), entry_->meta->hash(), files[0].index).c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 32 * 1024, 16 * 1024), 0);
  ::close(fd);

  StoreRegistry stores(data_.path());
  auto store = open(stores);
  ASSERT_TRUE(store);
  const auto& meta = *entry_->meta;
  const auto b_pieces = meta.pieces_for(files[1].offset, files[1].offset + files[1].size);
  const auto c_pieces = meta.pieces_for(files[2].offset, files[2].offset + files[2].size);
  EXPECT_FALSE(store->file_complete(files[0].index));
  EXPECT_FALSE(store->file_complete(files[1].index));
  // In a v1 torrent c.bin shares its piece with b.bin's tail; hybrid torrents align files.
  EXPECT_EQ(store->file_complete(files[2].index), c_pieces.first > b_pieces.last);
  EXPECT_FALSE(store->piece_complete(2)) << "the piece with the hole";
  EXPECT_TRUE(store->piece_complete(0));
  for (int piece = b_pieces.first; piece <= b_pieces.last; ++piece)
    EXPECT_FALSE(store->piece_complete(piece));
}

TEST_P(StoreTest, ACorruptDatabaseIsMovedAsideAndTheStoreAsksForAFullCheck) {
  {
    StoreRegistry stores(data_.path());
    auto store = open(stores);
    write_piece(*store, 0);
    store->on_piece_passed(0);
    stores.flush();
  }
  const auto db = database_path(data_.path(), entry_->meta->hash());
  std::filesystem::remove(db.string() + "-wal");
  std::filesystem::remove(db.string() + "-shm");
  test::write_file(db, test::random_bytes(8192, 7));
  StoreRegistry stores(data_.path());
  auto store = open(stores);
  ASSERT_TRUE(store) << "a corrupt database must not stop the torrent";
  EXPECT_TRUE(store->needs_full_check());
  EXPECT_EQ(store->complete_pieces(), 0) << "nothing is believed before it is hashed again";
  EXPECT_FALSE(store->file_complete(entry_->meta->files()[0].index));
  int aside = 0;
  for (const auto& item : std::filesystem::directory_iterator(db.parent_path())) {
    aside += item.path().filename().string().find(".corrupt-") != std::string::npos ? 1 : 0;
  }
  EXPECT_GE(aside, 1);
  // The hash check (driven by libtorrent in a session) re-verifies pieces; then it is trusted.
  store->on_piece_passed(0);
  store->on_full_check_finished();
  stores.flush();
  StoreRegistry reopened(data_.path());
  auto again = reopened.open(spec_);
  ASSERT_TRUE(again);
  EXPECT_FALSE((*again)->needs_full_check());
  EXPECT_TRUE((*again)->piece_complete(0));
}

TEST_P(StoreTest, TheRegistryHandsOutOneStorePerTorrent) {
  StoreRegistry stores(data_.path());
  auto first = open(stores);
  auto second = open(stores);
  EXPECT_EQ(first, second);
  EXPECT_EQ(stores.find(entry_->libtorrent_key), first);
  std::weak_ptr<TorrentStore> weak = first;
  first.reset();
  second.reset();
  EXPECT_FALSE(weak.expired()) << "recently used stores stay open";
}

TEST_P(StoreTest, AStoreOutlivesItsRegistryEntryWhileSomeoneHoldsIt) {
  std::shared_ptr<TorrentStore> held;
  StoreRegistry stores(data_.path(), {}, /*keep_recent=*/0);
  held = open(stores);
  write_piece(*held, 0);
  std::weak_ptr<TorrentStore> weak = held;
  EXPECT_EQ(open(stores), held);  // a second open while held gives the same store and mapping
  std::string back(100, '\0');
  ASSERT_TRUE(held->files().read(0, 0, back));
  EXPECT_EQ(back, test::read_file(content_ / "T" / "a.bin").substr(0, 100));
  held.reset();
  EXPECT_TRUE(weak.expired());
}

// Shutdown with the completion writer busy: each round records every piece and destroys the
// registry at once, inside the writer's batch delay or mid-commit. The destructor must finish
// what was scheduled (a reopen sees every piece) and return in time. A round that hangs ends
// the process with the rounds done, rather than hanging the suite.
TEST_P(StoreTest, DestroyingTheRegistryWhileItsWriterIsBusyNeverHangsOrLosesARecord) {
  const int pieces = entry_->meta->num_pieces();
  constexpr int kRounds = 12;
  const auto budget = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int round = 0; round < kRounds; ++round) {
    {
      auto stores = std::make_unique<StoreRegistry>(data_.path());
      auto store = open(*stores);
      ASSERT_TRUE(store);
      for (int piece = 0; piece < pieces; ++piece) {
        if (round % 2 == 0) write_piece(*store, piece);  // odd rounds: the bytes are there
        store->on_piece_passed(piece);
        if (piece == round % pieces) std::this_thread::sleep_for(std::chrono::milliseconds(round));
      }
      store.reset();
      auto destroyed = std::make_shared<std::promise<void>>();
      auto done = destroyed->get_future();
      std::thread([stores = std::move(stores), destroyed]() mutable {
        stores.reset();
        destroyed->set_value();
      }).detach();
      if (done.wait_until(budget) != std::future_status::ready) {
        std::fprintf(stderr, "registry destruction hung in round %d of %d\n", round + 1, kRounds);
        std::_Exit(1);
      }
    }
    StoreRegistry reopened(data_.path());
    auto store = open(reopened);
    ASSERT_TRUE(store);
    ASSERT_EQ(store->complete_pieces(), pieces) << "round " << round + 1 << " lost records";
  }
}

INSTANTIATE_TEST_SUITE_P(V1AndHybrid, StoreTest,
                         ::testing::Values(test::TorrentSpec::Kind::v1_only,
                                           test::TorrentSpec::Kind::hybrid),
                         [](const auto& info) {
                           return info.param == test::TorrentSpec::Kind::hybrid
                                      ? std::string("hybrid")
                                      : std::string("v1");
                         });

}  // namespace
}  // namespace seeder::storage

namespace seeder::storage {
namespace {

class BudgetTest : public ::testing::Test {
 protected:
  static constexpr int kPiece = 16 * 1024;
  void complete(TorrentStore& store, int piece) { torrent_.complete(store, piece); }
  std::uint64_t allocated() const {
    struct stat info {};
    ::stat(torrent_.content_file().c_str(), &info);
    return static_cast<std::uint64_t>(info.st_blocks) * 512;
  }

  test::OneFileTorrent torrent_{64, kPiece, 21};
};

TEST_F(BudgetTest, OverTheBudgetTheLeastRecentlyUsedPiecesAreEvictedToTheWatermark) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{16 * kPiece});
  auto store = *stores.open(torrent_.spec());
  std::vector<int> evicting;
  store->set_piece_listener({nullptr, [&](int piece) { evicting.push_back(piece); }});
  for (int piece = 0; piece < 16; ++piece)
    complete(*store, piece);  // exactly the budget
  store->touch(0);            // piece 0 was just read: it stays
  for (int piece = 16; piece < 20; ++piece)
    complete(*store, piece);  // over: the evictor runs
  ASSERT_TRUE((store->enforce_budget(), store->persist_pending()));
  EXPECT_LE(store->bytes_on_disk(), 16u * kPiece);
  EXPECT_GE(store->evictions(), 4u)
      << "down to the low watermark (80%) each time, not just under the budget";
  EXPECT_TRUE(store->piece_complete(0));
  EXPECT_FALSE(store->piece_complete(1)) << "the least recently used goes first";
  EXPECT_TRUE(store->piece_complete(19));
  EXPECT_EQ(evicting.size(), store->evictions());
  EXPECT_LE(allocated(), store->bytes_on_disk() + 2 * 4096) << "evicted pieces are holes on disk";
  std::string buffer(100, '\0');
  EXPECT_EQ(store->read_for_peer(1, 0, buffer).error().code, Errc::not_found);
  EXPECT_TRUE(store->read_for_peer(19, 0, buffer));
}

// A view that follows the listener (any observer of the store's; the live torrent's PieceMap
// reads the store instead) ends where the store is, for every piece, with the evictor running
// while pieces complete. A one-piece budget
// evicts every piece, the newest too, so completions and evictions of one piece do meet.
TEST_F(BudgetTest, AViewFollowingTheListenerAgreesWithTheStore) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{kPiece});
  auto store = *stores.open(torrent_.spec());
  std::mutex mutex;
  std::vector<int> view(64, 0);
  std::vector<std::string> events(64);  // per piece: 'c' completed, 'e' evicted, in order
  store->set_piece_listener({[&](int piece) {
                               std::lock_guard lock(mutex);
                               view[static_cast<std::size_t>(piece)] = 1;
                               events[static_cast<std::size_t>(piece)] += 'c';
                             },
                             [&](int piece) {
                               std::lock_guard lock(mutex);
                               view[static_cast<std::size_t>(piece)] = 0;
                               events[static_cast<std::size_t>(piece)] += 'e';
                             }});
  std::atomic<bool> done{false};
  std::thread evictor([&] {
    for (int round = 0; round < 100000 && !done; ++round)
      store->enforce_budget();
  });
  for (int piece = 0; piece < 32; ++piece)
    complete(*store, piece);
  // Already complete: not reported again, unless an evictor took it meanwhile.
  store->on_piece_passed(31);
  done = true;
  evictor.join();
  // The registry's own evictor may still be at work: wait until evictions stop.
  auto evictions = store->evictions();
  for (int round = 0; round < 50; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (store->evictions() == evictions) break;
    evictions = store->evictions();
  }
  std::vector<int> truth(64, 0);
  for (int piece = 0; piece < 64; ++piece)
    truth[static_cast<std::size_t>(piece)] = store->piece_complete(piece) ? 1 : 0;
  std::lock_guard lock(mutex);
  EXPECT_EQ(view, truth);
  // Each piece completes first, and never twice without an eviction between.
  for (int piece = 0; piece < 32; ++piece) {
    const auto& seen = events[static_cast<std::size_t>(piece)];
    ASSERT_FALSE(seen.empty()) << piece;
    for (std::size_t i = 0; i < seen.size(); ++i)
      EXPECT_EQ(seen[i], i % 2 == 0 ? 'c' : 'e') << "piece " << piece << ": " << seen;
  }
  EXPECT_GT(store->evictions(), 16u);
}

// libtorrent may download a piece the store has verified (after a resync it is not told of
// the pieces on disk); a peer's bytes must never replace verified ones.
TEST_F(BudgetTest, AVerifiedPieceIsNeverRewritten) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{16 * kPiece});
  auto store = *stores.open(torrent_.spec());
  complete(*store, 3);
  const std::string garbage(kPiece, 'x');
  ASSERT_TRUE(store->write_block(3, 0, garbage)) << "dropped, not an error";
  std::string read(kPiece, '\0');
  ASSERT_TRUE(store->read_for_peer(3, 0, read));
  EXPECT_EQ(read, torrent_.bytes().substr(3 * kPiece, kPiece));
  EXPECT_EQ(stores.counters().verified_writes_dropped, 1u);
}

// The disk backend hashes a piece, then libtorrent reports it passed on another thread: an
// eviction in between would record a hole as verified bytes, served as zeros until a restart.
TEST_F(BudgetTest, APassForBytesEvictedAfterTheirHashIsNotRecorded) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{4 * kPiece});
  auto store = *stores.open(torrent_.spec());
  complete(*store, 0);
  const auto token = store->begin_hash(0);  // libtorrent hashes it again (told nothing)
  store->end_hash(0, token);
  for (int piece = 1; piece < 8; ++piece)
    complete(*store, piece);
  store->enforce_budget();
  ASSERT_FALSE(store->piece_complete(0)) << "set-up: the oldest piece is evicted";
  store->on_piece_passed(0);  // the verdict on the hash that ran before the eviction
  EXPECT_FALSE(store->piece_complete(0));
  EXPECT_EQ(stores.counters().stale_passes_refused, 1u);
  // Downloaded and hashed again, it passes.
  const auto bytes = torrent_.bytes().substr(0, kPiece);
  ASSERT_TRUE(store->write_block(0, 0, bytes));
  store->end_hash(0, store->begin_hash(0));
  store->on_piece_passed(0);
  EXPECT_TRUE(store->piece_complete(0));
}

TEST_F(BudgetTest, APassForAPieceWrittenWhileItWasHashedIsNotRecorded) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{16 * kPiece});
  auto store = *stores.open(torrent_.spec());
  const auto bytes = torrent_.bytes().substr(kPiece, kPiece);
  ASSERT_TRUE(store->write_block(1, 0, bytes));
  const auto token = store->begin_hash(1);
  ASSERT_TRUE(store->write_block(1, 0, bytes));  // a late block (another handle's) lands
  store->end_hash(1, token);
  store->on_piece_passed(1);
  EXPECT_FALSE(store->piece_complete(1));
}

// What a reader's copy is checked against: its pieces still complete and unchanged since the
// slice was taken. Forgotten and fetched again meanwhile is not the same bytes.
TEST_F(BudgetTest, AVouchHoldsUntilThePieceIsForgottenEvenIfItIsVerifiedAgain) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{16 * kPiece});
  auto store = *stores.open(torrent_.spec());
  complete(*store, 2);
  complete(*store, 3);
  const auto vouched = store->vouch(2, 3);
  EXPECT_TRUE(vouched());
  store->on_piece_failed(3);  // forgotten, as an eviction or a loss noticed would
  EXPECT_FALSE(vouched()) << "forgotten";
  complete(*store, 3);
  EXPECT_FALSE(vouched()) << "verified again: other bytes may have been read in between";
  EXPECT_TRUE(store->vouch(2, 3)()) << "a new slice is vouched for";
  EXPECT_FALSE(store->vouch(4, 4)()) << "never complete";
}

// A content file cut behind our back inside a piece's last block, found short when it is
// opened again (a resync closes files): it used to be grown back silently, and the zeros the cut
// left in that block passed every check for holes. It stays short now, so the piece is forgotten.
TEST_F(BudgetTest, AFileFoundShortWhenReopenedStaysShortAndItsPiecesAreForgotten) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{16 * kPiece});
  auto store = *stores.open(torrent_.spec());
  complete(*store, 3);
  const auto path = torrent_.content_file();
  const auto full = std::filesystem::file_size(path);
  const auto cut = static_cast<std::uintmax_t>(4 * kPiece - 100);  // in piece 3's last block
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(cut)), 0);
  store->files().release();
  std::string bytes(kPiece, '\1');
  ASSERT_TRUE(store->files().read(3, 0, {bytes.data(), bytes.size()}));  // opens it again
  EXPECT_EQ(std::filesystem::file_size(path), cut) << "not grown back behind the store's back";
  EXPECT_GE(store->recheck_file(0), 1);
  EXPECT_FALSE(store->piece_complete(3));
  complete(*store, 5);  // a write grows it back, once the store has forgotten what was lost
  EXPECT_EQ(std::filesystem::file_size(path), full);
}

// A write that finds its file cut short forgets every piece recorded of it, the one whose last
// block held the cut included: once the file is sized back, that block's zeros read as data, and
// no check for holes would find them.
TEST_F(BudgetTest, AWriteThatFindsItsFileCutShortForgetsEveryPieceOfIt) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{16 * kPiece});
  auto store = *stores.open(torrent_.spec());
  complete(*store, 2);
  complete(*store, 3);
  const auto path = torrent_.content_file();
  const auto full = std::filesystem::file_size(path);
  // Forgotten while the file is still short: sized back first, the cut would read as zeros a
  // reader could send while the piece was still vouched for.
  std::vector<std::uintmax_t> size_when_forgotten;
  store->set_piece_listener(
      {[](int) {}, [&](int) { size_when_forgotten.push_back(std::filesystem::file_size(path)); }});
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(4 * kPiece - 100)), 0);
  complete(*store, 5);
  ASSERT_FALSE(size_when_forgotten.empty());
  EXPECT_EQ(size_when_forgotten.front(), 4u * kPiece - 100) << "forgotten before sized back";
  EXPECT_EQ(std::filesystem::file_size(path), full) << "sized back for the write";
  EXPECT_FALSE(store->piece_complete(3)) << "the cut fell in its last block";
  EXPECT_FALSE(store->piece_complete(2)) << "recorded before the file was cut";
  EXPECT_TRUE(store->piece_complete(5)) << "written after it was sized back";
  EXPECT_EQ(store->recheck_file(0), 0) << "nothing recorded is missing now";
}

TEST_F(BudgetTest, ProtectedPiecesAreNeverEvicted) {
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{4 * kPiece});
  auto store = *stores.open(torrent_.spec());
  for (int piece = 0; piece < 12; ++piece)
    store->protect(piece);
  for (int piece = 0; piece < 12; ++piece)
    complete(*store, piece);
  ASSERT_TRUE((store->enforce_budget(), store->persist_pending()));
  EXPECT_EQ(store->complete_pieces(), 12) << "all protected: nothing may go, whatever the budget";
  EXPECT_FALSE(store->protect_if_complete(11, 13)) << "13 is not complete";
  for (int piece = 0; piece < 12; ++piece)
    store->unprotect(piece);
  ASSERT_TRUE((store->enforce_budget(), store->persist_pending()));
  EXPECT_LE(store->bytes_on_disk(), 4u * kPiece);
}

TEST_F(BudgetTest, EvictedPiecesAreNotBelievedCompleteAfterARestart) {
  {
    StoreRegistry stores(torrent_.data_dir(), StoreOptions{8 * kPiece});
    auto store = *stores.open(torrent_.spec());
    for (int piece = 0; piece < 30; ++piece)
      complete(*store, piece);
    stores.flush();
    EXPECT_LE(store->complete_pieces(), 8);
  }
  StoreRegistry unlimited(torrent_.data_dir());  // even without a budget now
  auto store = *unlimited.open(torrent_.spec());
  EXPECT_LE(store->complete_pieces(), 8);
  EXPECT_FALSE(store->piece_complete(0));
  EXPECT_TRUE(store->piece_complete(29));
  EXPECT_FALSE(store->file_complete(0));
}

TEST_F(BudgetTest, ASmallerBudgetAtStartEvictsAtOnce) {
  {
    StoreRegistry stores(torrent_.data_dir());
    auto store = *stores.open(torrent_.spec());
    for (int piece = 0; piece < 40; ++piece)
      complete(*store, piece);
    stores.flush();
  }
  StoreRegistry stores(torrent_.data_dir(), StoreOptions{10 * kPiece});
  auto store = *stores.open(torrent_.spec());
  EXPECT_LE(store->bytes_on_disk(), 10u * kPiece);
  EXPECT_LE(allocated(), 10u * kPiece + 2 * 4096);
}

}  // namespace
}  // namespace seeder::storage
