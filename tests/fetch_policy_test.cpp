// What the gateway fetches, and when, in a swarm found the way users find one: two libtorrent
// seeders with default settings, each capped at 20 MiB/s (loopback included), announced to a
// real HTTP tracker; the gateway is given no peer. Every served byte is compared with the source.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <set>
#include <thread>
#include <utility>

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <libtorrent/peer_info.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_status.hpp>

#include "http_client.hpp"
#include "seeder/storage/torrent_store.hpp"

#include "seeder/torrent/file_plan.hpp"
#include "seeder/torrent/registry.hpp"
#include "swarm.hpp"
#include "tracker.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

constexpr int kPiece = 64 * 1024;
constexpr std::size_t kMovieSize = (12u << 20) + 777;  // ends mid-piece

class FetchPolicyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = std::make_unique<Shared>();
    auto& s = *shared_;
    write_file(s.dir / "content" / "Show" / "movie.mp4", random_bytes(kMovieSize, 21));
    write_file(s.dir / "content" / "Show" / "notes.txt", random_bytes(100'000, 22));
    std::filesystem::create_directories(s.dir / "input");
    s.show = build(s.dir / "content" / "Show", s.dir / "input",
                   {TorrentSpec::Kind::v1_only, kPiece, s.tracker.announce_url()}, "show");
    for (auto& seeder : s.seeders) {
      seeder.limit_upload(20 << 20);
      seeder.seed(s.show.torrent_file, s.dir / "content");
    }
    // Both seeders have announced before any gateway asks.
    ASSERT_TRUE(wait_until([&] { return s.tracker.peers(s.raw_hash()).size() == 2; }, 10s));
  }
  static void TearDownTestSuite() { shared_.reset(); }

  void SetUp() override {
    config_.host = "127.0.0.1";
    config_.port = 0;
    config_.input = shared_->dir / "input";
    config_.data_dir = data_.path() / "data";
    config_.bt_listen = "127.0.0.1:0";
    config_.dht = config_.lsd = config_.upnp = config_.natpmp = false;
    config_.piece_timeout = 30s;
    config_.log_level = "warn";
    config_.probe_port = 0;
    config_.metrics_port = 0;
    // No config_.peers: the tracker is the only way to the seeders.
  }

  static const TestTorrent& show() { return shared_->show; }
  static const std::string& movie() { return show().files.at("Show/movie.mp4"); }
  static lt::torrent_handle seeded(SeedSession& seeder) {
    return seeder.native().find_torrent(lt::sha1_hash(show().hash.raw().data()));
  }
  static std::int64_t uploaded_by_seeders() {
    std::int64_t total = 0;
    for (auto& seeder : shared_->seeders)
      total += seeded(seeder).status().total_payload_upload;
    return total;
  }
  static std::string range(std::uint64_t first, std::uint64_t length) {
    return "bytes=" + std::to_string(first) + "-" + std::to_string(first + length - 1);
  }
  static const torrent::FileInfo& movie_info(const torrent::TorrentMeta& meta) {
    return *meta.find_file("Show/movie.mp4");
  }

  struct Shared {
    TempDir dir{"seeder-fetch-policy"};
    Tracker tracker;
    SeedSession seeders[2];
    TestTorrent show;
    [[nodiscard]] std::string raw_hash() const {
      return std::string(reinterpret_cast<const char*>(show.hash.raw().data()), 20);
    }
  };
  static inline std::unique_ptr<Shared> shared_;
  TempDir data_{"seeder-fetch-policy-gw"};
  app::Config config_;
};

// The REQUESTs of the gateway's peer log (config_.log_peers) while it lives, in order.
class PeerLog {
 public:
  PeerLog() : level_(spdlog::get_level()) {
    sink_->set_pattern("%v");
    spdlog::default_logger()->sinks().push_back(sink_);
    spdlog::set_level(spdlog::level::debug);
  }
  ~PeerLog() { stop(); }
  PeerLog(const PeerLog&) = delete;
  PeerLog& operator=(const PeerLog&) = delete;

  struct Request {
    std::string seed;
    int piece = -1;
    std::string start;    // the block's offset in its piece, as logged
    bool urgent = false;  // ours (URGENT_REQUEST), beyond libtorrent's
  };
  // Stops capturing and returns the requests seen.
  std::vector<Request> requests() {
    stop();
    std::vector<Request> seen;
    for (const auto& line : sink_->last_formatted()) {
      std::smatch match;
      if (std::regex_search(line, match, request_))
        seen.push_back({match[1], std::stoi(match[3]), match[4], match[2].matched});
    }
    return seen;
  }
  // Stops capturing; the NOT_INTERESTED messages sent to seeds before the first request for a
  // piece other than `piece`.
  int not_interested_before_a_piece_other_than(int piece) {
    stop();
    const std::regex not_interested(R"(^peer \S+ (?:->|--) \S+ NOT_INTERESTED)");
    int count = 0;
    for (const auto& line : sink_->last_formatted()) {
      std::smatch match;
      if (std::regex_search(line, match, request_) && std::stoi(match[3]) != piece) break;
      if (std::regex_search(line, not_interested)) ++count;
    }
    return count;
  }

 private:
  void stop() {
    auto& sinks = spdlog::default_logger()->sinks();
    const auto it = std::find(sinks.begin(), sinks.end(), sink_);
    if (it == sinks.end()) return;
    sinks.erase(it);
    spdlog::set_level(level_);
  }
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_ =
      std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(50'000);
  spdlog::level::level_enum level_;
  // libtorrent logs a request as it queues it ("--"), just before it is written; the peer
  // plugin logs its own as it writes them.
  const std::regex request_{
      R"(^peer (\S+) (?:->|--) \S+ (URGENT_)?REQUEST piece: (\d+)(?: s: (\w+))?)"};
};

TEST_F(FetchPolicyTest, TrackerFoundPeersServeEightFarApartRangesByteForByte) {
  auto gateway = app::Gateway::start(config_);
  ASSERT_TRUE(gateway) << gateway.error().message;
  const auto port = (*gateway)->http_port();
  constexpr std::uint64_t kSpan = 256 * 1024 + 3;
  for (int k = 7; k >= 0; --k) {
    const auto offset = kMovieSize / 16 * static_cast<std::uint64_t>(2 * k + 1);
    const auto response =
        http_get(port, show().url("Show/movie.mp4"), {{"Range", range(offset, kSpan)}});
    ASSERT_EQ(response.status, 206u) << "k=" << k << ": " << response.body;
    ASSERT_TRUE(response.body == movie().substr(offset, kSpan)) << "wrong bytes, k=" << k;
  }
}

// A torrent's page joins the swarm (so the GET after it finds seeds connected): for its largest
// file, a film, that fetches the film's ends, which its player reads first; nothing more: no
// background. (A HEAD joins the same way: AReadRightAfterAJoinIsEverySeedsFirstRequest.)
TEST_F(FetchPolicyTest, TheTorrentPageOfAFilmFetchesItsEndsAndNothingMore) {
  auto gateway = app::Gateway::start(config_);
  ASSERT_TRUE(gateway) << gateway.error().message;
  const auto port = (*gateway)->http_port();
  const auto before = uploaded_by_seeders();
  EXPECT_EQ(http_get(port, "/" + show().hash.hex() + "/").status, 200u);
  EXPECT_EQ(http_get(port, "/").status, 200u);
  const auto torrent = (*gateway)->registry().find(show().hash);
  ASSERT_TRUE(torrent);
  const auto ends = torrent::file_ends(torrent->meta(), movie_info(torrent->meta()));
  const auto& pieces = torrent->pieces();
  const auto all_of = [&](torrent::PieceSpan span) {
    for (int piece = span.first; piece <= span.last; ++piece)
      if (!pieces.have(piece)) return false;
    return true;
  };
  EXPECT_TRUE(wait_until([&] { return all_of(ends.head) && all_of(ends.tail); }, 10s))
      << "the film's ends were not fetched";
  // Long enough for a torrent that joined its swarm to have pulled megabytes more (it used to).
  std::this_thread::sleep_for(2s);
  const int end_pieces = ends.head.count() + ends.tail.count();
  const auto piece = torrent->meta().piece_length();
  EXPECT_EQ(pieces.have_count(), end_pieces) << "a HEAD or a page view fetched beyond the ends";
  EXPECT_LE(uploaded_by_seeders() - before, (end_pieces + 2) * piece);
}

// --join-on-start: with no request at all, each torrent of --input joins its swarm as a page view
// would, the ends of its largest file fetched.
TEST_F(FetchPolicyTest, JoinOnStartFetchesTheEndsOfEachInputTorrentsFilmWithNoRequest) {
  config_.join_on_start = true;
  auto gateway = app::Gateway::start(config_);
  ASSERT_TRUE(gateway) << gateway.error().message;
  std::shared_ptr<torrent::LiveTorrent> torrent;
  ASSERT_TRUE(wait_until(
      [&] { return (torrent = (*gateway)->registry().find(show().hash)) != nullptr; }, 5s))
      << "not started";
  const auto ends = torrent::file_ends(torrent->meta(), movie_info(torrent->meta()));
  const auto& pieces = torrent->pieces();
  EXPECT_TRUE(
      wait_until([&] { return pieces.have(ends.head.first) && pieces.have(ends.tail.last); }, 10s))
      << "the film's ends were not fetched";
}

// Another file's HEAD joins for one piece: enough for the seeds to stay, nothing to waste.
TEST_F(FetchPolicyTest, AHeadOfAnotherFileJoinsTheSwarmForOnePiece) {
  auto gateway = app::Gateway::start(config_);
  ASSERT_TRUE(gateway) << gateway.error().message;
  const auto port = (*gateway)->http_port();
  const auto before = uploaded_by_seeders();
  EXPECT_EQ(http_request(port, "HEAD", show().url("Show/notes.txt")).status, 200u);
  const auto torrent = (*gateway)->registry().find(show().hash);
  ASSERT_TRUE(torrent);
  EXPECT_TRUE(wait_until([&] { return torrent->pieces().have_count() == 1; }, 10s)) << "joined";
  std::this_thread::sleep_for(2s);
  const auto piece = torrent->meta().piece_length();
  EXPECT_LE(uploaded_by_seeders() - before, 2 * piece) << "a HEAD pulled more";
  EXPECT_EQ(torrent->pieces().have_count(), 1);
}

// Between readers the torrent wants nothing and libtorrent tells its peers NOT_INTERESTED; a
// seed then chokes it. The seeds must go on seeing the gateway interested and unchoked while
// the gateway's own libtorrent, rightly, requests nothing; and once the torrent has had no
// reader for --keep-interest, they must hear NOT_INTERESTED and free the slots we held.
TEST_F(FetchPolicyTest, SeedsSeeTheGatewayInterestedBetweenReadersUntilKeepInterestEnds) {
  config_.per_torrent_cache_budget = 8ull << 20;  // no background fetching: nothing is wanted
  config_.keep_interest = 8s;
  auto gateway = app::Gateway::start(config_);
  ASSERT_TRUE(gateway) << gateway.error().message;
  const auto port = (*gateway)->http_port();
  // A first read joins the swarm; the one measured comes once both seeds are connected, so
  // that each connection was interested during it.
  const auto& notes = show().files.at("Show/notes.txt");
  const auto first = http_get(port, show().url("Show/notes.txt"), {{"Range", "bytes=0-0"}});
  ASSERT_EQ(first.status, 206u);
  ASSERT_EQ(first.body, notes.substr(0, 1));
  const auto torrent = (*gateway)->registry().find(show().hash);
  ASSERT_TRUE(torrent);
  const auto idle_seeds = [&] {  // the gateway's side: connected seeds it is not interested in
    const auto handle = torrent->handle();  // invalid while the torrent is being added
    if (!handle.is_valid()) return 0;
    std::vector<lt::peer_info> peers;
    handle.get_peer_info(peers);
    int idle = 0;
    for (const auto& peer : peers)
      if ((peer.flags & lt::peer_info::seed) && !(peer.flags & lt::peer_info::interesting)) ++idle;
    return idle;
  };
  ASSERT_TRUE(wait_until([&] { return idle_seeds() == 2; }, 10s)) << "not connected to both seeds";
  const auto whole = http_get(port, show().url("Show/notes.txt"));
  ASSERT_EQ(whole.status, 200u);
  ASSERT_TRUE(whole.body == notes);
  ASSERT_TRUE(wait_until([&] { return idle_seeds() == 2; }, 10s)) << "still interested";

  struct Seen {
    int connected = 0, interested = 0, unchoked_and_interested = 0;
  };
  const auto seen_by = [&](SeedSession& seeder) {
    std::vector<lt::peer_info> peers;
    seeded(seeder).get_peer_info(peers);
    Seen seen;
    for (const auto& peer : peers) {
      if (peer.flags & lt::peer_info::seed) continue;  // the other seeder
      // A dial still under way (a seed tries the gateway's port, which it heard of since).
      if (peer.flags & (lt::peer_info::connecting | lt::peer_info::handshake)) continue;
      const bool interested = static_cast<bool>(peer.flags & lt::peer_info::remote_interested);
      ++seen.connected;
      seen.interested += interested ? 1 : 0;
      seen.unchoked_and_interested += interested && !(peer.flags & lt::peer_info::choked) ? 1 : 0;
    }
    return seen;
  };
  // Blocks already on their way when the read ended (a duplicate the gateway cancelled too
  // late) still arrive: count from when the seeds have gone quiet for longer than their tick
  // (500 ms), which a block waiting for upload quota waits for (a 300 ms quiet spell let one
  // through under ASan with another swarm test beside it).
  std::int64_t uploaded = uploaded_by_seeders();
  ASSERT_TRUE(wait_until(
      [&] {
        std::this_thread::sleep_for(700ms);
        const auto now = uploaded_by_seeders();
        return std::exchange(uploaded, now) == now;
      },
      10s));
  // Past the seeds' tick (500 ms), when a slot given up would have gone.
  std::this_thread::sleep_for(1500ms);
  for (auto& seeder : shared_->seeders)
    EXPECT_GE(seen_by(seeder).unchoked_and_interested, 1)
        << "a seed no longer sees the gateway interested and unchoked";
  EXPECT_EQ(idle_seeds(), 2);
  EXPECT_EQ(uploaded_by_seeders(), uploaded) << "the kept interest fetched pieces";

  // --keep-interest (8 s) after the reader, and the once-a-second reconcile; told, not dropped.
  EXPECT_TRUE(wait_until(
      [&] {
        for (auto& seeder : shared_->seeders) {
          const auto seen = seen_by(seeder);
          if (seen.connected == 0 || seen.interested != 0) return false;
        }
        return true;
      },
      14s))
      << "the seeds still see the gateway interested long after its last reader";
}

// The reader's own piece goes out first: a cold read of a media file's head asked both seeds
// for 42 blocks of the tail prefetch before its own piece 0, and a seed whose upload quota was
// spent made the reader wait its next tick. Watched in the gateway's peer log: every seed's
// first REQUEST is for piece 0, and no other piece is asked for before piece 0 is done.
// A seed named with --peer goes away while a reader waits, and comes back on the same address.
// The gateway redials it every second while the reader waits; each failed dial counts against
// the peer, and libtorrent stops dialling a peer after max_failcount failures, so the reader
// used to wait its whole piece timeout (504), and every read after it, with the seed back.
TEST_F(FetchPolicyTest, AReaderWaitingWhileItsOnlySeedIsAwayIsServedOnceItComesBack) {
  const auto& content = shared_->dir / "content";
  const auto input = data_.path() / "input";
  std::filesystem::create_directories(input);
  const auto alone = build(content / "Show", input, {TorrentSpec::Kind::v1_only, kPiece}, "alone");
  auto seed = std::make_unique<SeedSession>();
  const auto seed_port = seed->port();
  seed->limit_upload(256 << 10);  // the far range is not fetched behind the first read
  seed->seed(alone.torrent_file, content);
  config_.input = input;
  config_.peers = {"127.0.0.1:" + std::to_string(seed_port)};
  auto gateway = app::Gateway::start(config_);
  ASSERT_TRUE(gateway) << gateway.error().message;
  const auto port = (*gateway)->http_port();
  const auto url = alone.url("Show/movie.mp4");
  ASSERT_EQ(http_get(port, url, {{"Range", "bytes=0-999"}}).status, 206u);

  seed.reset();  // gone: dialling it is refused
  const std::uint64_t far = kMovieSize / 2;
  HttpResponse waited;
  std::thread reader([&] { waited = http_get(port, url, {{"Range", range(far, 1000)}}); });
  std::this_thread::sleep_for(6s);  // several redials, each refused
  seed = std::make_unique<SeedSession>(seed_port);
  seed->seed(alone.torrent_file, content);
  const auto back = std::chrono::steady_clock::now();
  reader.join();
  EXPECT_EQ(waited.status, 206u) << waited.body;
  EXPECT_TRUE(waited.body == movie().substr(far, 1000)) << "the bytes of the source";
  EXPECT_LT(std::chrono::steady_clock::now() - back, 10s) << "served soon after the seed came back";
}

TEST_F(FetchPolicyTest, NoSeedIsAskedForAnythingBeforeTheReadersOwnPiece) {
  config_.log_peers = true;
  PeerLog log;
  {
    auto gateway = app::Gateway::start(config_);
    ASSERT_TRUE(gateway) << gateway.error().message;
    const auto port = (*gateway)->http_port();
    const auto head = http_get(port, show().url("Show/movie.mp4"), {{"Range", "bytes=0-65535"}});
    ASSERT_EQ(head.status, 206u);
    ASSERT_TRUE(head.body == movie().substr(0, 65'536));
    std::this_thread::sleep_for(1s);  // the tail's requests go out meanwhile
  }
  // Between the reader's piece and the tail's, libtorrent wanted nothing for a moment and told
  // every seed NOT_INTERESTED; a seed chokes such a peer at once and gives its slot away.
  EXPECT_EQ(log.not_interested_before_a_piece_other_than(0), 0)
      << "a seed was told NOT_INTERESTED before the tail was asked for";
  const auto requests = log.requests();
  ASSERT_FALSE(requests.empty()) << "no REQUEST in the peer log";
  EXPECT_EQ(requests.front().piece, 0) << "the first request of all";
  // Each seed is first asked for piece 0, or for another piece only once every block of piece 0
  // is asked for (a seed that unchokes late finds the reader's pieces taken): the tail never
  // goes out before the reader's own piece.
  constexpr std::size_t kBlocksOfAPiece = kPiece / (16 * 1024);
  std::set<std::string> blocks_of_zero;
  std::set<std::string> seeds_asked;
  bool others_begun = false;
  for (const auto& [seed, piece, start, urgent] : requests) {
    if (seeds_asked.insert(seed).second && piece != 0) {
      EXPECT_GE(blocks_of_zero.size(), kBlocksOfAPiece)
          << "the first request to " << seed << ": piece " << piece << " when "
          << blocks_of_zero.size() << " blocks of piece 0 were asked for";
    }
    if (piece == 0) blocks_of_zero.insert(start);
    if (piece != 0) others_begun = true;
    EXPECT_FALSE(piece == 0 && others_begun && blocks_of_zero.size() < kBlocksOfAPiece)
        << "piece 0 asked for after another before it was asked for whole, of " << seed;
  }
  EXPECT_TRUE(others_begun) << "the tail prefetch never went out";
}

// A seed out of upload quota sends nothing until its limiter's next tick: the blocks of a read
// libtorrent asked of it alone are asked of a seed that connects meanwhile too (the peer
// plugin's URGENT_REQUEST), and the first copy serves the read. libtorrent itself gives the
// newcomer the blocks nobody has asked for yet, and asks it for a busy one only once none is
// left (its end game).
TEST_F(FetchPolicyTest, BlocksAskedOfASeedOutOfQuotaAreAskedOfAnotherSeedToo) {
  const auto content = data_.path() / "starved";
  const auto film = random_bytes(8 * kPiece, 23);
  write_file(content / "film.mkv", film);
  const auto input = data_.path() / "input";
  std::filesystem::create_directories(input);
  const auto torrent =
      build(content / "film.mkv", input, {TorrentSpec::Kind::v1_only, kPiece}, "s");
  SeedSession starved;
  starved.limit_upload(4 << 10);  // a block every four seconds: it starts with no quota banked
  starved.seed(torrent.torrent_file, content);
  SeedSession fresh;
  fresh.seed(torrent.torrent_file, content);
  config_.input = input;
  config_.peers = {"127.0.0.1:" + std::to_string(starved.port())};
  config_.log_peers = true;
  PeerLog log;
  std::uint64_t won = 0;
  {
    auto gateway = app::Gateway::start(config_);
    ASSERT_TRUE(gateway) << gateway.error().message;
    const auto port = (*gateway)->http_port();
    HttpResponse read;
    const auto started = std::chrono::steady_clock::now();
    std::thread reader([&] {
      read = http_get(port, torrent.url("film.mkv"), {{"Range", range(0, 4 * kPiece)}});
    });
    // The read's blocks are asked of the starved seed before the other one comes.
    const auto handle = starved.native().find_torrent(lt::sha1_hash(torrent.hash.raw().data()));
    EXPECT_TRUE(wait_until(
        [&] {
          std::vector<lt::peer_info> peers;
          handle.get_peer_info(peers);
          return std::any_of(peers.begin(), peers.end(), [](const lt::peer_info& peer) {
            return peer.upload_queue_length > 0;
          });
        },
        10s))
        << "the starved seed was asked for nothing";
    fresh.connect(torrent.hash, static_cast<std::uint16_t>((*gateway)->bittorrent_port()));
    reader.join();
    EXPECT_EQ(read.status, 206u);
    EXPECT_TRUE(read.body == film.substr(0, 4 * kPiece))
        << "the bytes of the source: " << read.body.size() << " bytes, status " << read.status;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 8s)
        << "the starved seed alone takes 16 s for a piece";
    won = (*gateway)->registry().urgent_tally().won;
  }
  const auto requests = log.requests();
  const auto urgent_to_fresh = std::count_if(requests.begin(), requests.end(), [&](const auto& r) {
    return r.urgent && r.seed != "127.0.0.1:" + std::to_string(starved.port());
  });
  EXPECT_GT(urgent_to_fresh, 0) << "no block asked of the other seed by the plugin";
  EXPECT_GT(won, 0u) << "no block came first from a request of the plugin";
}

// The same when other pieces are wanted already: a HEAD of a film joins its swarm for the film's
// ends, and a read of the middle follows before any seed is reachable (the tracker holds its
// answers until both are wanted). libtorrent picked a torrent's first pieces at random among
// every wanted one, whatever their priority, so the ends went first about as often as not.
TEST_F(FetchPolicyTest, AReadRightAfterAJoinIsEverySeedsFirstRequest) {
  config_.log_peers = true;
  PeerLog log;
  struct Held {  // released however the test ends: the tracker serves the whole suite
    Tracker& tracker;
    explicit Held(Tracker& held) : tracker(held) { tracker.hold(); }
    ~Held() { tracker.release(); }
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
  } held{shared_->tracker};
  const std::uint64_t offset = kMovieSize / 2;
  int wanted = -1;
  {
    auto gateway = app::Gateway::start(config_);
    ASSERT_TRUE(gateway) << gateway.error().message;
    const auto port = (*gateway)->http_port();
    ASSERT_EQ(http_request(port, "HEAD", show().url("Show/movie.mp4")).status, 200u);
    HttpResponse middle;
    std::thread reader([&] {
      middle = http_get(port, show().url("Show/movie.mp4"), {{"Range", range(offset, 1000)}});
    });
    std::shared_ptr<torrent::LiveTorrent> torrent;
    const bool asked = wait_until(
        [&] {
          torrent = (*gateway)->registry().find(show().hash);
          if (!torrent) return false;
          wanted = torrent->meta().pieces_for(offset, offset + 1).first;
          return torrent->interest(wanted) == torrent::LiveTorrent::Interest::high;
        },
        5s);
    held.tracker.release();
    reader.join();
    ASSERT_TRUE(asked) << "the read's piece was never wanted";
    ASSERT_EQ(middle.status, 206u);
    ASSERT_TRUE(middle.body == movie().substr(offset, 1000));
  }
  std::map<std::string, int> first_asked;  // per seed
  for (const auto& request : log.requests())
    first_asked.try_emplace(request.seed, request.piece);
  ASSERT_FALSE(first_asked.empty()) << "no REQUEST in the peer log";
  for (const auto& [seed, piece] : first_asked)
    EXPECT_EQ(piece, wanted) << "the first request to " << seed;
}

TEST_F(FetchPolicyTest, ReadingTheHeadOfAMediaFileFetchesItsTail) {
  config_.per_torrent_cache_budget = 8ull << 20;  // no background fetching: only the ends
  auto gateway = app::Gateway::start(config_);
  ASSERT_TRUE(gateway) << gateway.error().message;
  const auto port = (*gateway)->http_port();
  const auto head = http_get(port, show().url("Show/movie.mp4"), {{"Range", "bytes=0-1023"}});
  ASSERT_EQ(head.status, 206u);
  ASSERT_TRUE(head.body == movie().substr(0, 1024));

  const auto torrent = (*gateway)->registry().find(show().hash);
  ASSERT_TRUE(torrent);
  const auto ends = torrent::file_ends(torrent->meta(), movie_info(torrent->meta()));
  ASSERT_GT(ends.tail.count(), 1);
  EXPECT_TRUE(wait_until(
      [&] {
        for (int piece = ends.tail.first; piece <= ends.tail.last; ++piece)
          if (!torrent->pieces().have(piece)) return false;
        return true;
      },
      20s))
      << "the tail of the file was not fetched after its head was read";
  // Nothing but the ends: the middle of the file stays unfetched.
  const int middle = (ends.head.last + ends.tail.first) / 2;
  EXPECT_FALSE(torrent->pieces().have(middle));
}

TEST_F(FetchPolicyTest, UnderABudgetTheEndsOfAFileWithReadersAreNeverEvicted) {
  config_.per_torrent_cache_budget = 4ull << 20;
  config_.max_readahead = 1ull << 20;
  auto gateway = app::Gateway::start(config_);
  ASSERT_TRUE(gateway) << gateway.error().message;
  const auto port = (*gateway)->http_port();

  // A player holding the file open: it read its first bytes and went quiet.
  HttpConnection player(port);
  player.send_raw("GET " + show().url("Show/movie.mp4") +
                  " HTTP/1.1\r\nHost: t\r\nRange: bytes=0-\r\n\r\n");
  ASSERT_FALSE(player.read_some(4096).empty());
  const auto torrent = (*gateway)->registry().find(show().hash);
  ASSERT_TRUE(torrent);
  const auto ends = torrent::file_ends(torrent->meta(), movie_info(torrent->meta()));
  const auto ends_had = [&] {
    for (const auto& span : {ends.head, ends.tail})
      for (int piece = span.first; piece <= span.last; ++piece)
        if (!torrent->pieces().have(piece)) return false;
    return true;
  };
  ASSERT_TRUE(wait_until(ends_had, 20s));

  // Meanwhile the middle streams through a budget of a third of the file, twice over.
  const auto first = ends.head.last * static_cast<std::uint64_t>(kPiece) + kPiece;
  const auto last = ends.tail.first * static_cast<std::uint64_t>(kPiece);
  for (int pass = 0; pass < 2; ++pass) {
    const auto middle =
        http_get(port, show().url("Show/movie.mp4"), {{"Range", range(first, last - first)}});
    ASSERT_EQ(middle.status, 206u);
    ASSERT_TRUE(middle.body == movie().substr(first, last - first)) << "pass " << pass;
  }
  EXPECT_TRUE(ends_had()) << "an end of a file with a reader was evicted";
  const auto tail =
      http_get(port, show().url("Show/movie.mp4"), {{"Range", range(kMovieSize - 70'000, 70'000)}});
  ASSERT_EQ(tail.status, 206u);
  EXPECT_TRUE(tail.body == movie().substr(kMovieSize - 70'000));
  player.close();
}

}  // namespace
}  // namespace seeder::test
