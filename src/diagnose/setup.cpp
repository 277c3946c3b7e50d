#include "setup.hpp"

#include <cstdlib>

#include <libtorrent/alert.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/torrent_info.hpp>

#include "seeder/core/info_hash.hpp"
#include "seeder/core/read_file.hpp"

namespace seeder::diagnose {
namespace lt = libtorrent;

ScratchDir::ScratchDir(std::filesystem::path given) : path_(std::move(given)) {
  if (!path_.empty()) return;
  std::string pattern =
      (std::filesystem::temp_directory_path() / "seeder-diagnose-XXXXXX").string();
  if (::mkdtemp(pattern.data()) != nullptr) {
    path_ = pattern;
    owned_ = true;
  }
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (owned_) std::filesystem::remove_all(path_, ec);
}

Result<lt::add_torrent_params> params_for(const std::string& target) {
  if (target.rfind("magnet:", 0) == 0) {
    lt::error_code ec;
    auto params = lt::parse_magnet_uri(target, ec);
    if (ec) return make_error(Errc::bad_request, "not a usable magnet link: " + ec.message());
    return params;
  }
  if (const auto hash = InfoHash::parse(target)) {
    lt::add_torrent_params params;
    params.info_hashes = lt::info_hash_t(lt::sha1_hash(hash->raw().data()));
    return params;
  }
  // A FIFO or a device would block the open (and ignore SIGTERM meanwhile) or never end.
  std::error_code ec_type;
  if (std::filesystem::exists(target, ec_type) &&
      !std::filesystem::is_regular_file(target, ec_type)) {
    return make_error(Errc::bad_request, "'" + target + "' is not a regular file");
  }
  const auto read = read_file(target);
  if (!read) {
    return make_error(
        Errc::bad_request,
        "'" + target + "' is neither a magnet link, an info-hash nor a readable file");
  }
  const std::string& bytes = *read;
  lt::error_code ec;
  auto info = std::make_shared<lt::torrent_info>(bytes.data(), static_cast<int>(bytes.size()), ec);
  if (ec)
    return make_error(Errc::bad_request,
                      "'" + target + "' is not a valid .torrent: " + ec.message());
  lt::add_torrent_params params;
  params.ti = std::move(info);
  return params;
}

lt::settings_pack settings_for(const Options& options) {
  lt::settings_pack pack;
  pack.set_str(lt::settings_pack::listen_interfaces, options.listen);
  pack.set_bool(lt::settings_pack::enable_dht, options.dht);
  if (!options.dht_bootstrap.empty()) {
    std::string nodes;
    for (const auto& node : options.dht_bootstrap)
      nodes += (nodes.empty() ? "" : ",") + node;
    pack.set_str(lt::settings_pack::dht_bootstrap_nodes, nodes);
    // Named nodes are a private DHT (a lab, a LAN): let private and loopback addresses in.
    pack.set_bool(lt::settings_pack::dht_ignore_dark_internet, false);
    pack.set_bool(lt::settings_pack::dht_restrict_routing_ips, false);
    pack.set_bool(lt::settings_pack::dht_restrict_search_ips, false);
  }
  pack.set_bool(lt::settings_pack::enable_lsd, false);
  pack.set_bool(lt::settings_pack::enable_upnp, false);
  pack.set_bool(lt::settings_pack::enable_natpmp, false);
  pack.set_bool(lt::settings_pack::enable_outgoing_utp, false);  // see the gateway's settings
  pack.set_bool(lt::settings_pack::allow_multiple_connections_per_ip, true);
  pack.set_int(lt::settings_pack::alert_mask,
               lt::alert_category::status | lt::alert_category::error |
                   lt::alert_category::tracker | lt::alert_category::dht |
                   lt::alert_category::connect | lt::alert_category::piece_progress);
  pack.set_int(lt::settings_pack::alert_queue_size, 10'000);
  return pack;
}

}  // namespace seeder::diagnose
