// Quick ACKs: finding a peer connection's socket and setting its options.
#include "seeder/torrent/quick_ack.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace seeder::test {
namespace {

// The peer plugin finds a connection's socket by its two endpoints (libtorrent does not hand it
// out): a loopback pair, found from either side, and nothing for endpoints nobody uses.
TEST(QuickAckTest, FindsThisProcesssTcpSocketByItsEndpoints) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  asio::ip::tcp::socket client(io);
  client.connect(acceptor.local_endpoint());
  auto server = acceptor.accept();
  EXPECT_EQ(torrent::find_tcp_socket(client.local_endpoint(), client.remote_endpoint()),
            client.native_handle());
  EXPECT_EQ(torrent::find_tcp_socket(server.local_endpoint(), server.remote_endpoint()),
            server.native_handle());
  const asio::ip::tcp::endpoint nobody(asio::ip::make_address("127.0.0.1"), 1);
  EXPECT_EQ(torrent::find_tcp_socket(client.local_endpoint(), nobody), -1);
  torrent::ack_now(client.native_handle());  // harmless on a live socket
  torrent::send_without_delay(client.native_handle());
  int on = 0;
  socklen_t length = sizeof on;
  ASSERT_EQ(::getsockopt(client.native_handle(), IPPROTO_TCP, TCP_NODELAY, &on, &length), 0);
  EXPECT_EQ(on, 1);
}

}  // namespace
}  // namespace seeder::test
