#pragma once
// Quick ACKs for peer connections: a workaround for a stall between libtorrent peers on fast
// links, found in the peer log of a loopback swarm.
//
// libtorrent 2.0 never sets TCP_NODELAY, so a seeder's socket holds a block message smaller
// than the MSS until its previous segment is acknowledged (Nagle), and Linux delays an ACK for
// up to 40 ms when the receiver has nothing to send back (no request left to make, at the end
// of a range). On loopback, whose MSS is 64 KiB, every 16 KiB block is such a message: reads
// ended in 40-45 ms gaps. Asking the kernel for an immediate ACK (TCP_QUICKACK, which it
// resets after each one) whenever a block arrives removes the wait on our side; the seeder is
// not ours to change.
//
// Called on libtorrent's network thread (peer plugin callbacks).

#include <boost/asio/ip/tcp.hpp>

namespace seeder::torrent {

// The descriptor of this process's TCP socket between `local` and `remote`, or -1 (none, or a
// uTP connection, which has no socket of its own). Scans /proc/self/fd: call once per
// connection.
int find_tcp_socket(const boost::asio::ip::tcp::endpoint& local,
                    const boost::asio::ip::tcp::endpoint& remote);

// Asks for the next ACK on `fd` to be sent at once.
void ack_now(int fd);
// TCP_NODELAY: our own small messages (17-byte requests) are not held back either; a seeder
// with nothing to send delays its ACK of them just the same.
void send_without_delay(int fd);

}  // namespace seeder::torrent
