#include "live_stack.hpp"

#include <future>

#include <boost/asio/strand.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_status.hpp>

#include "content.hpp"
#include "seeder/storage/mmap_disk_io.hpp"

namespace seeder::test {

using namespace std::chrono_literals;

LiveStack::LiveStack(std::size_t file_size) {
  write_file(content_ / "film.bin", random_bytes(file_size, 9));
  torrent_ = build(content_ / "film.bin", input_.path(), {}, "film");
  entry_ = *torrent::parse_torrent(torrent_.torrent_file);
  seeder_.seed(torrent_.torrent_file, content_.path());

  torrent::SessionOptions session_options;
  session_options.listen_interfaces = "127.0.0.1:0";
  session_options.dht = session_options.lsd = session_options.upnp = session_options.natpmp = false;
  session_ = std::make_unique<torrent::Session>(session_options, boost::asio::make_strand(io_),
                                                storage::mmap_disk_io_constructor(stores_, 1));
  torrent::RegistryOptions options;
  options.ttl = 1h;
  options.extra_peers = {{boost::asio::ip::make_address("127.0.0.1"), seeder_.port()}};
  registry_ = std::make_shared<torrent::Registry>(session_->native(), stores_,
                                                  boost::asio::make_strand(io_),
                                                  blocking_.get_executor(), options);
  session_->subscribe([this](const libtorrent::alert& alert) { registry_->on_alert(alert); });
  session_->start();
}

// The Gateway's order: storage opens still on the blocking pool add to the session.
LiveStack::~LiveStack() {
  registry_->shutdown();
  blocking_.join();
  session_->stop();
  registry_.reset();
  work_.reset();
  io_.stop();
  io_thread_.join();
}

std::int64_t LiveStack::uploaded() {
  return seeder_.native()
      .find_torrent(libtorrent::sha1_hash(torrent_.hash.raw().data()))
      .status()
      .total_payload_upload;
}

Status LiveStack::ready(torrent::LiveTorrent& torrent) {
  auto answer = std::make_shared<std::promise<Status>>();
  auto future = answer->get_future();
  torrent.async_when_ready(io_.get_executor(),
                           [answer](Status status) { answer->set_value(std::move(status)); });
  if (future.wait_for(20s) != std::future_status::ready)
    return make_error(Errc::timeout, "not ready within 20 s");
  return future.get();
}

}  // namespace seeder::test
