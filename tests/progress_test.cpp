// The query modes over real HTTP against a loopback swarm: ?stats (SSE framing and JSON),
// ?warmup (prefetch without a file GET), ?done (flips with completion and eviction).
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "http_client.hpp"
#include "json_value.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/torrent/progress_streams.hpp"
#include "seeder/torrent/registry.hpp"
#include "sse.hpp"
#include "swarm.hpp"

namespace seeder::test {
namespace {

using namespace std::chrono_literals;

class ProgressTest : public GatewaySuite {
 protected:
  void SetUp() override {
    GatewaySuite::SetUp();
    config_.stats_interval = 50ms;
  }
  static const TestTorrent& big() { return swarm().big_v1(); }
  static const TestTorrent& multi() { return swarm().multi_v1(); }
  static int pieces_in(std::uint64_t bytes) {
    return static_cast<int>((bytes + kPiece - 1) / kPiece);
  }
  // The store of a torrent the gateway has started.
  std::shared_ptr<storage::TorrentStore> store_of(const TestTorrent& torrent) {
    const auto live = gateway_->registry().find(torrent.hash);
    return live ? live->store() : nullptr;
  }

  static constexpr std::uint64_t kPiece = 32 * 1024;  // SwarmOptions' default piece size
};

TEST_F(ProgressTest, StatsStreamsProgressToCompletionThenEnds) {
  start();
  const auto& bytes = big().files.at(big().name);
  swarm().seeder().limit_upload(4 << 20);  // a couple of seconds: many frames
  // ?stats watches; a warm-up of the whole file is what downloads it.
  HttpConnection warmup(port_);
  warmup.send_raw("GET " + big().url(big().name) + "?warmup HTTP/1.1\r\nHost: t\r\n\r\n");
  const auto response = http_get(port_, big().url(big().name) + "?stats");
  swarm().seeder().limit_upload(0);
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(response.header("content-type"), "text/event-stream");
  EXPECT_EQ(response.header("cache-control"), "no-cache");
  EXPECT_EQ(response.header("x-accel-buffering"), "no");
  EXPECT_EQ(response.header("access-control-allow-origin"), "*");

  // The whole body arrived: the stream ended by itself once the file was complete.
  const auto frames = parse_sse(response.body);
  ASSERT_GE(frames.size(), 2u);
  std::int64_t last_id = -1;
  std::int64_t last_completed = -1;
  std::map<std::int64_t, std::pair<bool, std::int64_t>> state;  // position: complete, priority
  const int pieces = pieces_in(bytes.size());
  int update_frames = 0;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto& frame = frames[i];
    const auto id = std::stoll(frame.get("id"));
    EXPECT_GT(id, last_id) << "ids rise";
    last_id = id;
    if (frame.get("event") == "ping") continue;
    ASSERT_EQ(frame.get("event"), "statupdate");
    const auto json = parse_json(frame.get("data"));
    for (const char* key :
         {"total", "completed", "peers", "status", "pieces", "seeders", "leechers"})
      EXPECT_TRUE(json.has(key)) << key;
    EXPECT_EQ(json.at("total").integer(), static_cast<std::int64_t>(bytes.size()));
    const auto completed = json.at("completed").integer();
    EXPECT_GE(completed, last_completed) << "completed never goes back";
    last_completed = completed;
    const auto& list = json.at("pieces");
    ++update_frames;
    if (i == 0) {
      // The first frame lists every piece of the file, positions relative to the file.
      ASSERT_EQ(list.array.size(), static_cast<std::size_t>(pieces));
      EXPECT_EQ(list.array.front().at("position").integer(), 0);
      EXPECT_EQ(list.array.back().at("position").integer(), pieces - 1);
    } else if (list.is_null()) {
      continue;
    }
    // Later frames list only pieces whose state changed since the client last saw them.
    for (const auto& piece : list.array) {
      const auto position = piece.at("position").integer();
      ASSERT_TRUE(position >= 0 && position < pieces);
      const std::pair now{piece.at("complete").boolean, piece.at("priority").integer()};
      if (i > 0) {
        EXPECT_NE(state[position], now) << "piece " << position << " did not change";
      }
      if (now.first) {
        EXPECT_EQ(now.second, 0) << "a complete piece has priority NONE";
      }
      state[position] = now;
    }
  }
  EXPECT_GE(update_frames, 3) << "progress came in steps";
  for (int position = 0; position < pieces; ++position)
    EXPECT_TRUE(state[position].first) << "piece " << position << " never reported complete";
  const auto final_frame = parse_json(frames.back().get("data"));
  EXPECT_EQ(final_frame.at("completed").integer(), static_cast<std::int64_t>(bytes.size()));
  EXPECT_EQ(final_frame.at("status").integer(), 1);  // SEEDING, as the reference
  EXPECT_GE(final_frame.at("peers").integer(), 0);
}

TEST_F(ProgressTest, StatsOnACompletedFileIsNotFoundWithoutStartingTheTorrent) {
  start();
  ASSERT_EQ(http_get(port_, big().url(big().name)).status, 200u);
  // The live torrent's store is attached on the blocking pool, just after the torrent is added.
  ASSERT_TRUE(wait_until([&] { return store_of(big()) != nullptr; }, 10s));
  ASSERT_TRUE(wait_until([&] { return store_of(big())->file_complete(0); }, 10s));
  gateway_.reset();  // same data dir, fresh process state
  start();
  const auto response = http_get(port_, big().url(big().name) + "?stats");
  EXPECT_EQ(response.status, 404u);
  EXPECT_NE(response.body.find("already complete"), std::string::npos) << response.body;
  EXPECT_EQ(gateway_->registry().find(big().hash), nullptr) << "the torrent was started";
}

TEST_F(ProgressTest, StatsOnTheTorrentAndOnADirectoryUseAbsolutePositions) {
  start();
  for (const std::string path : {"", "Multi Folder/sub dir", "Multi Folder/sub dir/"}) {
    SseStream stream(port_, multi().url(path) + "?stats");
    ASSERT_EQ(stream.status(), 200u) << path;
    const auto frame = stream.next();
    ASSERT_TRUE(frame) << path;
    const auto json = parse_json(frame->get("data"));
    std::uint64_t total = 0;
    for (const auto& [file, bytes] : multi().files) {
      if (path.empty() || file.rfind("Multi Folder/sub dir/", 0) == 0) total += bytes.size();
    }
    EXPECT_EQ(json.at("total").integer(), static_cast<std::int64_t>(total)) << path;
    const auto& pieces = json.at("pieces").array;
    ASSERT_FALSE(pieces.empty());
    // Positions are the torrent's piece indices: the first is where the selection starts.
    std::uint64_t start = 0;
    if (!path.empty()) {
      start = UINT64_MAX;
      for (const auto& file : gateway_->catalog().find(multi().hash)->meta->files()) {
        if (file.path.rfind("Multi Folder/sub dir/", 0) == 0 && file.size > 0)
          start = std::min(start, file.offset);
      }
    }
    EXPECT_EQ(pieces.front().at("position").integer(), static_cast<std::int64_t>(start / kPiece));
    stream.close();
  }
}

TEST_F(ProgressTest, WarmupFetchesARangeWithoutAFileGetAndCloses) {
  // With a budget nothing downloads unless asked: what completes is what the warm-up asked for.
  config_.per_torrent_cache_budget = 64ull << 20;
  start();
  const auto& bytes = big().files.at(big().name);
  const std::uint64_t first = 1'000'000;
  const std::uint64_t last = 1'500'000;
  const auto response =
      http_get(port_, big().url(big().name) + "?warmup",
               {{"Range", "bytes=" + std::to_string(first) + "-" + std::to_string(last)}});
  ASSERT_EQ(response.status, 200u) << response.body;
  EXPECT_EQ(response.header("content-type"), "text/event-stream");
  const auto frames = parse_sse(response.body);
  ASSERT_FALSE(frames.empty());
  const auto& final_frame = frames.back();
  const int first_piece = static_cast<int>(first / kPiece);
  const int last_piece = static_cast<int>(last / kPiece);
  const auto span_bytes = static_cast<std::uint64_t>(last_piece - first_piece + 1) * kPiece;
  EXPECT_EQ(final_frame.get("data"), std::to_string(last - first + 1));
  EXPECT_EQ(final_frame.get("span"), std::to_string(span_bytes));
  EXPECT_EQ(final_frame.get("have"), std::to_string(span_bytes));
  for (const auto& frame : frames) {
    EXPECT_TRUE(frame.has("have") && frame.has("span") && frame.has("data"));
    EXPECT_FALSE(frame.has("event"));
  }
  const auto store = store_of(big());
  ASSERT_TRUE(store);
  for (int piece = first_piece; piece <= last_piece; ++piece)
    EXPECT_TRUE(store->piece_complete(piece)) << piece;
  EXPECT_LE(store->complete_pieces(), last_piece - first_piece + 1 + 2)
      << "pieces outside the warmed range were downloaded";
  // And they are the right bytes.
  const auto range =
      http_get(port_, big().url(big().name),
               {{"Range", "bytes=" + std::to_string(first) + "-" + std::to_string(last)}});
  EXPECT_TRUE(range.body == bytes.substr(first, last - first + 1));
}

TEST_F(ProgressTest, WarmupRangeForms) {
  start();
  const auto url = big().url(big().name) + "?warmup";
  const auto size = big().files.at(big().name).size();
  const auto suffix = http_get(port_, url, {{"Range", "bytes=-1000"}});
  ASSERT_EQ(suffix.status, 200u);
  EXPECT_EQ(parse_sse(suffix.body).back().get("data"), "1000");
  const auto open = http_get(port_, url, {{"Range", "bytes=" + std::to_string(size - 10) + "-"}});
  ASSERT_EQ(open.status, 200u);
  EXPECT_EQ(parse_sse(open.body).back().get("data"), "10");
  const auto bad = http_get(port_, url, {{"Range", "bytes=" + std::to_string(size + 5) + "-"}});
  EXPECT_EQ(bad.status, 416u);
  const auto garbage = http_get(port_, url, {{"Range", "pieces=1-2"}});
  EXPECT_EQ(garbage.status, 416u);
  // A directory is its files in torrent order; no Range means all of it.
  const auto dir = http_get(port_, multi().url("Multi Folder/sub dir") + "?warmup");
  ASSERT_EQ(dir.status, 200u);
  EXPECT_EQ(parse_sse(dir.body).back().get("data"), "70001");
}

TEST_F(ProgressTest, ADisconnectMidWarmupLeavesTheServerHealthyAndThePrefetchGoingOn) {
  config_.per_torrent_cache_budget = 64ull << 20;
  start();
  swarm().seeder().limit_upload(512 * 1024);
  const auto& bytes = big().files.at(big().name);
  {
    SseStream stream(port_, big().url(big().name) + "?warmup");
    ASSERT_EQ(stream.status(), 200u);
    ASSERT_TRUE(stream.next());
    stream.close();
  }
  swarm().seeder().limit_upload(0);
  EXPECT_EQ(http_get(port_, "/").status, 200u);
  // The live torrent's store is attached on the blocking pool, just after the torrent is added.
  ASSERT_TRUE(wait_until([&] { return store_of(big()) != nullptr; }, 10s));
  const auto store = store_of(big());
  // The prefetch outlives its request: the whole file arrives without anybody reading it.
  EXPECT_TRUE(wait_until([&] { return store->file_complete(0); }, 30s));
  const auto full = http_get(port_, big().url(big().name));
  EXPECT_TRUE(full.body == bytes);
}

TEST_F(ProgressTest, DoneFlipsWithCompletionAndBackWithEviction) {
  // multi: a.bin (200,000 bytes) then the sub dir files, then video.mkv (333,333 bytes). A budget
  // that holds a.bin but not video.mkv too: reading video.mkv evicts a.bin's pieces.
  config_.per_torrent_cache_budget = 320 * 1024;
  config_.max_readahead = 64 * 1024;
  start();
  const auto done_url = multi().url("Multi Folder/a.bin") + "?done";
  EXPECT_EQ(http_get(port_, done_url).status, 404u);
  EXPECT_EQ(gateway_->registry().find(multi().hash), nullptr) << "?done started the torrent";

  const auto a = http_get(port_, multi().url("Multi Folder/a.bin"));
  ASSERT_TRUE(a.body == multi().files.at("Multi Folder/a.bin"));
  const auto done = http_get(port_, done_url);
  EXPECT_EQ(done.status, 200u);
  EXPECT_TRUE(done.body.empty());

  const auto video = http_get(port_, multi().url("Multi Folder/video.mkv"));
  ASSERT_TRUE(video.body == multi().files.at("Multi Folder/video.mkv"));
  EXPECT_GT(store_of(multi())->evictions(), 0u);
  EXPECT_EQ(http_get(port_, done_url).status, 404u) << "a.bin was evicted";
}

TEST_F(ProgressTest, QueryModesGiveTheSameErrorsAsFileRequests) {
  start();
  for (const std::string mode : {"?stats", "?warmup", "?done"}) {
    EXPECT_EQ(http_get(port_, "/not-a-hash/x" + mode).status, 400u) << mode;
    EXPECT_EQ(http_get(port_, "/" + std::string(40, 'a') + "/x" + mode).status, 404u) << mode;
    EXPECT_EQ(http_get(port_, big().url("no such file") + mode).status, 404u) << mode;
    EXPECT_EQ(http_get(port_, multi().url("Multi Folder/sub") + mode).status, 404u) << mode;
  }
  EXPECT_EQ(gateway_->registry().size(), 0u) << "an error started a torrent";
}

TEST_F(ProgressTest, ATorrentNobodySeedsDoesNotDelayAnotherTorrentsRequests) {
  // A torrent in the catalog that no peer has: its requests wait for pieces that never come.
  const auto input = swarm().root() / "orphan-input";
  std::filesystem::create_directories(input);
  std::filesystem::copy(swarm().input_dir(), input, std::filesystem::copy_options::recursive);
  write_file(swarm().root() / "orphan" / "lone.bin", random_bytes(512 * 1024, 99));
  const auto lone = build(swarm().root() / "orphan" / "lone.bin", input, {}, "lone");
  config_.input = input;
  start();
  std::thread stuck([&] {
    try {
      http_request(port_, "GET", lone.url(lone.name), {}, 3s);
    } catch (const std::exception&) {
      // expected: nothing ever arrives
    }
  });
  SseStream stuck_stats(port_, lone.url(lone.name) + "?stats");
  ASSERT_EQ(stuck_stats.status(), 200u);
  const auto started = std::chrono::steady_clock::now();
  const auto other = http_get(port_, big().url(big().name));
  const auto done = http_get(port_, big().url(big().name) + "?done");
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(other.body == big().files.at(big().name));
  EXPECT_EQ(done.status, 200u);
  EXPECT_LT(elapsed, 5s);
  stuck_stats.close();
  stuck.join();
}

// Torrents with huge piece counts: each frame carries at most max_pieces_per_frame entries,
// the first state spreads over frames sent back to back, and together they cover every piece.
TEST(StatsFrames, BigPieceListsAreSpreadOverBoundedFrames) {
  TempDir dir("seeder-stats-frames");
  write_file(dir.path() / "many.bin", random_bytes(200 * 16 * 1024 + 5, 7));
  const auto torrent =
      build(dir.path() / "many.bin", dir.path(), {TorrentSpec::Kind::v1_only, 16 * 1024}, "many");
  auto entry = torrent::parse_torrent(torrent.torrent_file);
  ASSERT_TRUE(entry);
  auto live = std::make_shared<torrent::LiveTorrent>(*entry, torrent::LiveOptions{});
  auto selection = torrent::select(*(*entry)->meta, "");
  ASSERT_TRUE(selection);
  boost::asio::io_context io;
  torrent::ProgressOptions options;
  options.max_pieces_per_frame = 64;
  auto stream =
      std::make_shared<torrent::StatsStream>(live, *selection, io.get_executor(), options);

  std::set<std::int64_t> positions;
  std::size_t frames = 0;
  std::function<void()> next = [&] {
    stream->async_next([&](Result<std::optional<std::string>> frame) {
      ASSERT_TRUE(frame && frame->has_value());
      const auto parsed = parse_sse(**frame);
      ASSERT_EQ(parsed.size(), 1u);
      const auto json = parse_json(parsed[0].get("data"));
      const auto& pieces = json.at("pieces").array;
      EXPECT_LE(pieces.size(), 64u);
      for (const auto& piece : pieces)
        EXPECT_TRUE(positions.insert(piece.at("position").integer()).second);
      ++frames;
      if (positions.size() < 201 && frames < 10) next();
    });
  };
  next();
  io.run_for(5s);
  stream->cancel();
  EXPECT_EQ(frames, 4u);  // 201 pieces in 64s
  EXPECT_EQ(positions.size(), 201u);
}

}  // namespace
}  // namespace seeder::test
