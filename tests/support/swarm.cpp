#include "swarm.hpp"

#include <stdexcept>
#include <thread>

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/ip_filter.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_info.hpp>

#include "seeder/http/target.hpp"
#include "seeder/torrent/catalog.hpp"

namespace seeder::test {

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

std::string TestTorrent::url(const std::string& path) const {
  return "/" + hash.hex() + "/" + http::percent_encode_path(path);
}

SeedSession::SeedSession(std::uint16_t port) {
  lt::settings_pack pack;
  pack.set_str(lt::settings_pack::listen_interfaces, "127.0.0.1:" + std::to_string(port));
  pack.set_bool(lt::settings_pack::enable_dht, false);
  pack.set_bool(lt::settings_pack::enable_lsd, false);
  pack.set_bool(lt::settings_pack::enable_upnp, false);
  pack.set_bool(lt::settings_pack::enable_natpmp, false);
  pack.set_str(lt::settings_pack::dht_bootstrap_nodes, "");
  pack.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
  pack.set_int(lt::settings_pack::alert_mask,
               lt::alert_category::status | lt::alert_category::error);
  pack.set_int(lt::settings_pack::active_seeds, -1);
  pack.set_int(lt::settings_pack::active_limit, -1);
  session_ = std::make_unique<lt::session>(pack);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (port_ == 0 && std::chrono::steady_clock::now() < deadline) {
    session_->wait_for_alert(std::chrono::milliseconds(100));
    std::vector<lt::alert*> alerts;
    session_->pop_alerts(&alerts);
    for (const auto* alert : alerts) {
      if (const auto* listening = lt::alert_cast<lt::listen_succeeded_alert>(alert)) {
        if (listening->socket_type == lt::socket_type_t::tcp)
          port_ = static_cast<std::uint16_t>(listening->port);
      }
    }
  }
  if (port_ == 0) throw std::runtime_error("seed session did not start listening");
}

SeedSession::~SeedSession() = default;

void SeedSession::seed(const std::string& torrent_file, const std::filesystem::path& save_path) {
  lt::add_torrent_params params;
  params.ti = std::make_shared<lt::torrent_info>(
      lt::span<const char>(torrent_file.data(), static_cast<std::ptrdiff_t>(torrent_file.size())),
      lt::from_span);
  params.save_path = save_path.string();
  params.flags |= lt::torrent_flags::seed_mode;
  params.flags &= ~(lt::torrent_flags::paused | lt::torrent_flags::auto_managed);
  session_->add_torrent(std::move(params));
}

void SeedSession::seed_bytes(const std::string& torrent_file,
                             const std::filesystem::path& save_path,
                             const std::vector<std::string>& file_bytes) {
  lt::add_torrent_params params;
  params.ti = std::make_shared<lt::torrent_info>(
      lt::span<const char>(torrent_file.data(), static_cast<std::ptrdiff_t>(torrent_file.size())),
      lt::from_span);
  params.save_path = save_path.string();
  // Paused until the files are in place; seed mode trusts them without a check.
  params.flags |= lt::torrent_flags::seed_mode | lt::torrent_flags::paused;
  params.flags &= ~lt::torrent_flags::auto_managed;
  auto handle = session_->add_torrent(std::move(params));
  const auto info = handle.torrent_file();
  const auto& files = info->files();  // after libtorrent renamed duplicates
  for (std::size_t i = 0, next = 0; i < static_cast<std::size_t>(files.num_files()); ++i) {
    const lt::file_index_t index(static_cast<int>(i));
    if (files.pad_file_at(index)) continue;
    write_file(files.file_path(index, save_path.string()), file_bytes.at(next++));
  }
  handle.resume();
}

void SeedSession::limit_upload(int bytes_per_second) {
  lt::ip_filter classes;
  classes.add_rule(lt::make_address("0.0.0.0"), lt::make_address("255.255.255.255"),
                   1u << static_cast<std::uint32_t>(lt::session::global_peer_class_id));
  session_->set_peer_class_filter(classes);
  lt::settings_pack pack;
  pack.set_int(lt::settings_pack::upload_rate_limit, bytes_per_second);
  session_->apply_settings(pack);
}

void SeedSession::only_reachable_from(const std::string& address) {
  lt::ip_filter peers;
  peers.add_rule(lt::make_address("0.0.0.0"), lt::make_address("255.255.255.255"),
                 lt::ip_filter::blocked);
  peers.add_rule(lt::make_address(address), lt::make_address(address), 0);
  session_->set_ip_filter(peers);
  lt::port_filter dials;  // applies to outgoing peer connections only
  dials.add_rule(0, 65535, lt::port_filter::blocked);
  session_->set_port_filter(dials);
  lt::settings_pack pack;
  pack.set_bool(lt::settings_pack::apply_ip_filter_to_trackers, false);
  session_->apply_settings(pack);
}

void SeedSession::connect(const InfoHash& hash, std::uint16_t port) {
  const auto handle = session_->find_torrent(lt::sha1_hash(hash.raw().data()));
  handle.connect_peer(lt::tcp::endpoint(lt::make_address("127.0.0.1"), port));
}

TestTorrent build(const std::filesystem::path& content, const std::filesystem::path& input_dir,
                  TorrentSpec spec, const std::string& label) {
  TestTorrent torrent;
  torrent.name = content.filename().string();
  torrent.torrent_file = make_torrent(content, spec);
  torrent.hash = (*torrent::parse_torrent(torrent.torrent_file))->meta->hash();
  write_file(input_dir / (label + ".torrent"), torrent.torrent_file);
  if (std::filesystem::is_regular_file(content)) {
    torrent.files[torrent.name] = read_file(content);
  } else {
    for (const auto& item : std::filesystem::recursive_directory_iterator(content)) {
      if (!item.is_regular_file()) continue;
      const auto relative = std::filesystem::relative(item.path(), content.parent_path());
      torrent.files[relative.generic_string()] = read_file(item.path());
    }
  }
  return torrent;
}

Swarm::Swarm(SwarmOptions options) : dir_("seeder-swarm"), input_dir_(dir_ / "input") {
  const auto content = dir_ / "content";
  write_file(content / "big.bin", random_bytes(options.big_file_size, 1));
  const auto multi = content / "Multi Folder";
  write_file(multi / "a.bin", random_bytes(200'000, 2));
  write_file(multi / "sub dir" / "ünïcødé fïlé.txt", random_bytes(70'001, 3));
  write_file(multi / "sub dir" / "empty.txt", "");
  write_file(multi / "video.mkv", random_bytes(333'333, 4));
  std::filesystem::create_directories(input_dir_);

  using Kind = TorrentSpec::Kind;
  torrents_.push_back(
      build(content / "big.bin", input_dir_, {Kind::v1_only, options.piece_size}, "big-v1"));
  torrents_.push_back(
      build(content / "big.bin", input_dir_, {Kind::hybrid, options.piece_size}, "big-hybrid"));
  torrents_.push_back(build(multi, input_dir_, {Kind::v1_only, options.piece_size}, "multi-v1"));
  torrents_.push_back(build(multi, input_dir_, {Kind::hybrid, options.piece_size}, "multi-hybrid"));
  for (const auto& torrent : torrents_)
    seeder_.seed(torrent.torrent_file, content);
}

app::Config Swarm::gateway_config() {
  app::Config config;
  config.host = "127.0.0.1";
  config.port = 0;
  config.input = input_dir_;
  config.data_dir = dir_ / ("data-" + std::to_string(data_dirs_++));
  config.bt_listen = "127.0.0.1:0";
  config.dht = config.lsd = config.upnp = config.natpmp = false;
  config.peers = {"127.0.0.1:" + std::to_string(seeder_.port())};
  config.piece_timeout = std::chrono::seconds(20);
  config.log_level = "warn";
  config.probe_port = 0;  // side services on free ports: suites run side by side
  config.metrics_port = 0;
  config.allow_private_peers = true;  // this swarm is on loopback, magnets' x.pe included
  config.verify_sent = true;          // every piece a test's response sent from is re-hashed
  return config;
}

std::unique_ptr<app::Gateway> Swarm::start_gateway(const app::Config& config) {
  auto gateway = app::Gateway::start(config);
  if (!gateway) throw std::runtime_error("gateway did not start: " + gateway.error().message);
  return std::move(*gateway);
}

TestTorrent GatewaySuite::seed_extra(const std::filesystem::path& folder,
                                     const std::string& label) {
  if (!extra_input_filled_) {
    std::filesystem::copy(swarm().input_dir(), extra_input_.path(),
                          std::filesystem::copy_options::recursive);
    extra_input_filled_ = true;
  }
  auto torrent = build(folder, extra_input_.path(), {}, label);
  swarm().seeder().seed(torrent.torrent_file, folder.parent_path());
  const libtorrent::sha1_hash key(torrent.hash.raw().data());
  EXPECT_TRUE(wait_until([&] { return swarm().seeder().native().find_torrent(key).is_valid(); },
                         std::chrono::seconds(10)))
      << "the swarm did not take " << label;
  config_.input = extra_input_.path();
  return torrent;
}

}  // namespace seeder::test
