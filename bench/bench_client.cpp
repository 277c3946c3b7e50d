// bench_client: a plain libtorrent client (default disk storage, no HTTP), the baseline the
// gateway is measured against, in its own process like the gateway.
//
//   bench_client <job> <torrent-file> <peer-port> <save-dir> <tuned 0|1> <offsets|-> <span>
//
// Jobs: first-piece (prints the seconds to piece 0), finish (seconds to every piece), seeks
// (after piece 0, for each offset: "<seconds> <1 if a piece was missing when asked>"). Ends with
// a line "DONE". `tuned` gives it seeder's own session settings instead of libtorrent's defaults
// (outgoing uTP off and several peers per address in both: see RawClient).
#include <sys/prctl.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include <boost/asio/ip/address.hpp>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/torrent_info.hpp>

#include "bench_util.hpp"
#include "seeder/torrent/session.hpp"

namespace seeder::bench {
namespace asio = boost::asio;
namespace {

// Downloads from the peer at 127.0.0.1:`peer_port`.
class RawClient {
 public:
  RawClient(const std::string& torrent_file, std::uint16_t peer_port,
            const std::filesystem::path& save_dir, bool tuned);
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // Gives pieces [first, last] deadlines (0 ms for `first`, rising after) and waits until all
  // are verified. Returns the seconds it took.
  double fetch(int first, int last);
  // Waits until every piece is verified; returns the seconds since the client was created.
  double finish();
  [[nodiscard]] int piece_length() const { return piece_length_; }
  [[nodiscard]] bool have(int piece) const { return have_[static_cast<std::size_t>(piece)]; }

 private:
  void pump(std::chrono::milliseconds wait);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<bool> have_;
  int have_count_ = 0;
  int piece_length_ = 0;
  Clock::time_point started_;
};

struct RawClient::Impl {
  std::unique_ptr<lt::session> session;
  lt::torrent_handle handle;
};

RawClient::RawClient(const std::string& torrent_file, std::uint16_t peer_port,
                     const std::filesystem::path& save_dir, bool tuned)
    : impl_(std::make_unique<Impl>()) {
  lt::settings_pack pack;
  if (tuned) pack = torrent::streaming_settings(torrent::SessionOptions{});
  // Two changes either way, for loopback. Outgoing uTP off: the delayed swarm relays TCP only,
  // and over loopback uTP crawls. Everything else stays libtorrent's default when not tuned.
  pack.set_bool(lt::settings_pack::enable_outgoing_utp, false);
  // Every peer here is 127.0.0.1: one per address, libtorrent's default, would keep one port
  // of the whole swarm (perhaps a client that has gone).
  pack.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
  pack.set_str(lt::settings_pack::listen_interfaces, "127.0.0.1:0");
  pack.set_bool(lt::settings_pack::enable_dht, false);
  pack.set_bool(lt::settings_pack::enable_lsd, false);
  pack.set_bool(lt::settings_pack::enable_upnp, false);
  pack.set_bool(lt::settings_pack::enable_natpmp, false);
  pack.set_int(lt::settings_pack::alert_mask,
               lt::alert_category::status | lt::alert_category::piece_progress |
                   lt::alert_category::error | lt::alert_category::tracker |
                   lt::alert_category::peer);
  pack.set_int(lt::settings_pack::alert_queue_size, 100'000);
  impl_->session = std::make_unique<lt::session>(pack);

  lt::add_torrent_params params;
  params.ti = std::make_shared<lt::torrent_info>(
      lt::span<const char>(torrent_file.data(), static_cast<std::ptrdiff_t>(torrent_file.size())),
      lt::from_span);
  have_.assign(static_cast<std::size_t>(params.ti->num_pieces()), false);
  piece_length_ = params.ti->piece_length();
  params.save_path = save_dir.string();
  params.flags &= ~(lt::torrent_flags::paused | lt::torrent_flags::auto_managed);
  // Port 0: the swarm is found through the torrent's tracker only.
  if (peer_port != 0) params.peers.emplace_back(asio::ip::make_address("127.0.0.1"), peer_port);
  started_ = Clock::now();
  impl_->handle = impl_->session->add_torrent(std::move(params));
}

RawClient::~RawClient() = default;

void RawClient::pump(std::chrono::milliseconds wait) {
  impl_->session->wait_for_alert(wait);
  std::vector<lt::alert*> alerts;
  impl_->session->pop_alerts(&alerts);
  for (const auto* alert : alerts) {
    if (const auto* finished = lt::alert_cast<lt::piece_finished_alert>(alert)) {
      const auto piece = static_cast<std::size_t>(static_cast<int>(finished->piece_index));
      if (!have_[piece]) ++have_count_;
      have_[piece] = true;
    }
    // Into the client's log: how the swarm was found, when a run goes wrong.
    if (lt::alert_cast<lt::tracker_error_alert>(alert) != nullptr ||
        lt::alert_cast<lt::tracker_reply_alert>(alert) != nullptr ||
        lt::alert_cast<lt::peer_error_alert>(alert) != nullptr)
      std::fprintf(stderr, "bench_client: %s\n", alert->message().c_str());
  }
}

double RawClient::fetch(int first, int last) {
  const auto started = Clock::now();
  for (int piece = first; piece <= last; ++piece) {
    if (!have_[static_cast<std::size_t>(piece)])
      impl_->handle.set_piece_deadline(lt::piece_index_t(piece), (piece - first) * 20);
  }
  const auto deadline = started + std::chrono::minutes(2);
  const auto done = [&] {
    for (int piece = first; piece <= last; ++piece) {
      if (!have_[static_cast<std::size_t>(piece)]) return false;
    }
    return true;
  };
  while (!done() && Clock::now() < deadline)
    pump(std::chrono::milliseconds(50));
  if (!done()) {
    const auto status = impl_->handle.status();
    throw std::runtime_error("raw client: pieces did not arrive (" +
                             std::to_string(status.num_peers) + " peers, " +
                             std::to_string(status.list_peers) + " known, " +
                             std::to_string(status.num_pieces) + " pieces)");
  }
  return Seconds(Clock::now() - started).count();
}

double RawClient::finish() {
  const auto deadline = Clock::now() + std::chrono::minutes(10);
  while (have_count_ < static_cast<int>(have_.size()) && Clock::now() < deadline)
    pump(std::chrono::milliseconds(50));
  if (have_count_ < static_cast<int>(have_.size()))
    throw std::runtime_error("raw client: download did not finish");
  return Seconds(Clock::now() - started_).count();
}

std::vector<std::uint64_t> parse_offsets(const std::string& list) {
  std::vector<std::uint64_t> out;
  if (list == "-") return out;
  std::istringstream items(list);
  for (std::string item; std::getline(items, item, ',');)
    out.push_back(std::stoull(item));
  return out;
}

int run(int argc, char** argv) {
  if (argc != 8)
    throw std::runtime_error("usage: bench_client job torrent port save tuned offsets span");
  const std::string job = argv[1];
  std::ifstream in(argv[2], std::ios::binary);
  const std::string torrent((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  RawClient client(torrent, static_cast<std::uint16_t>(std::stoi(argv[3])), argv[4],
                   std::string(argv[5]) == "1");
  if (job == "first-piece") {
    std::printf("%.6f\n", client.fetch(0, 0));
  } else if (job == "finish") {
    std::printf("%.6f\n", client.finish());
  } else if (job == "seeks") {
    client.fetch(0, 0);
    const auto span = std::stoull(argv[7]);
    const auto length = static_cast<std::uint64_t>(client.piece_length());
    for (const auto offset : parse_offsets(argv[6])) {
      const int first = static_cast<int>(offset / length);
      const int last = static_cast<int>((offset + span - 1) / length);
      bool cold = false;
      for (int piece = first; piece <= last; ++piece)
        cold = cold || !client.have(piece);
      const double seconds = client.fetch(first, last);
      std::printf("%.6f %d\n", seconds, cold ? 1 : 0);
    }
  } else {
    throw std::runtime_error("unknown job " + job);
  }
  std::printf("DONE\n");
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace seeder::bench

int main(int argc, char** argv) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  try {
    return seeder::bench::run(argc, argv);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_client: %s\n", error.what());
    return 1;
  }
}
