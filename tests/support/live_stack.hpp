#pragma once
// The torrent module's stack below HTTP, as the Gateway wires it: a real libtorrent session on
// loopback with seeder's mmap storage, the stores, the Registry, and a seeding session with one
// small single-file torrent that the registry dials. For tests of the Registry, the Streamer
// and what sits between them. Torn down in the Gateway's order.

#include <cstdint>
#include <memory>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "seeder/core/result.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/torrent/registry.hpp"
#include "seeder/torrent/session.hpp"
#include "swarm.hpp"
#include "temp_dir.hpp"

namespace seeder::test {

class LiveStack {
 public:
  explicit LiveStack(std::size_t file_size = 300'000);
  ~LiveStack();
  LiveStack(const LiveStack&) = delete;
  LiveStack& operator=(const LiveStack&) = delete;

  [[nodiscard]] const TestTorrent& torrent() const { return torrent_; }
  [[nodiscard]] const torrent::EntryPtr& entry() const { return entry_; }
  [[nodiscard]] const std::string& content() const { return torrent_.files.at(torrent_.name); }
  [[nodiscard]] const std::filesystem::path& data_dir() const { return data_.path(); }
  [[nodiscard]] torrent::Registry& registry() { return *registry_; }
  [[nodiscard]] storage::StoreRegistry& stores() { return stores_; }
  [[nodiscard]] SeedSession& seeder() { return seeder_; }
  [[nodiscard]] torrent::Session& session() { return *session_; }
  [[nodiscard]] boost::asio::io_context& io() { return io_; }
  [[nodiscard]] boost::asio::any_io_executor blocking() { return blocking_.get_executor(); }
  // Payload bytes the seeder has uploaded for the torrent (refreshed about once a second).
  [[nodiscard]] std::int64_t uploaded();

  // Waits for `torrent` to be in the session (or to fail), at most 20 s.
  Status ready(torrent::LiveTorrent& torrent);

 private:
  TempDir content_{"seeder-content"};
  TempDir input_{"seeder-input"};
  TempDir data_{"seeder-data"};
  TestTorrent torrent_;
  torrent::EntryPtr entry_;
  SeedSession seeder_;
  storage::StoreRegistry stores_{data_.path()};
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{
      io_.get_executor()};
  std::thread io_thread_{[this] { io_.run(); }};
  boost::asio::thread_pool blocking_{1};
  std::unique_ptr<torrent::Session> session_;
  std::shared_ptr<torrent::Registry> registry_;
};

}  // namespace seeder::test
