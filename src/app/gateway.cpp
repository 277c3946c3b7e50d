#include "seeder/app/gateway.hpp"

#include <unistd.h>

#include <fstream>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <libtorrent/session.hpp>

#include "observability.hpp"
#include "seeder/app/fd_budget.hpp"
#include "seeder/core/endpoint.hpp"
#include "seeder/core/units.hpp"
#include "seeder/http/gateway_content.hpp"
#include "seeder/http/request_handler.hpp"
#include "seeder/http/router.hpp"
#include "seeder/http/server.hpp"
#include "seeder/http/side_server.hpp"
#include "seeder/media/hls.hpp"
#include "seeder/metrics/http_metrics.hpp"
#include "seeder/metrics/metrics.hpp"
#include "seeder/metrics/process_metrics.hpp"
#include "seeder/net/vault.hpp"
#include "seeder/storage/mmap_disk_io.hpp"
#include "seeder/storage/store_registry.hpp"
#include "seeder/torrent/catalog.hpp"
#include "seeder/torrent/input_watcher.hpp"
#include "seeder/torrent/metadata_resolver.hpp"
#include "seeder/torrent/progress.hpp"
#include "seeder/torrent/registry.hpp"
#include "seeder/torrent/session.hpp"
#include "seeder/torrent/sources.hpp"
#include "seeder/torrent/streamer.hpp"

namespace seeder::app {
namespace asio = boost::asio;

// Declaration order is construction order, and destruction runs backwards: the io_context and
// the blocking pool go last, after every object with timers or handlers on them; the stores
// outlive the session (its disk backend holds them) and the registry.
struct Gateway::Parts {
  Parts(int threads, const std::filesystem::path& data_dir)
      : io(threads), work(io.get_executor()), catalog(data_dir) {}

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::vector<std::thread> threads;
  asio::thread_pool blocking{2};  // storage opens: SQLite and file checks, never on HTTP threads
  // Media probes: each holds its thread while the file's bytes come (RequestHandler bounds them).
  asio::thread_pool media{http::RequestHandler::kProbeSlots};
  torrent::Catalog catalog;  // after `blocking` (member order is initialisation order)
  std::unique_ptr<storage::StoreRegistry> stores;
  std::unique_ptr<torrent::Session> session;
  std::shared_ptr<torrent::Registry> registry;
  std::unique_ptr<torrent::MetadataResolver> resolver;        // with --allow-magnets
  std::unique_ptr<torrent::RemoteTorrentStore> remote_store;  // with --torrent-store-url
  std::unique_ptr<torrent::TorrentSources> sources;
  std::shared_ptr<net::Vault> vault;  // with --vault-url (shared: lookups hold it weakly)
  std::unique_ptr<torrent::ContentLocator> locator;
  std::shared_ptr<torrent::Streamer> streamer;  // shared: opens in flight hold it weakly
  std::unique_ptr<torrent::Progress> progress;
  std::unique_ptr<http::Router> router;
  std::unique_ptr<http::GatewayContent> content;
  std::unique_ptr<http::RequestHandler> handler;
  metrics::MetricSet metrics;
  std::unique_ptr<metrics::HttpMetrics> http_metrics;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<http::SideServer> probe;
  std::unique_ptr<http::SideServer> metrics_server;
  std::shared_ptr<torrent::InputWatcher> watcher;  // with --input and --watch-input
  bool stopped = false;
};

namespace {

// The data dir as error messages may name it: absolute, and as configured when that is a path
// (a bare relative name such as "data" also occurs in ordinary words).
std::vector<std::string> hidden_paths(const std::filesystem::path& data_dir) {
  std::vector<std::string> paths{std::filesystem::absolute(data_dir).lexically_normal().string()};
  if (data_dir.string().find('/') != std::string::npos) paths.push_back(data_dir.string());
  return paths;
}

// The largest upload (POST /) a client may send: a .torrent of 100,000 files is a few MiB.
constexpr std::uint64_t kUploadLimit = 16ull << 20;
// How long stop() lets the event loop finish what is queued before it stops it.
constexpr std::chrono::milliseconds kDrainTime{2'000};

Result<std::vector<lt::tcp::endpoint>> parse_peers(const std::vector<std::string>& peers) {
  std::vector<lt::tcp::endpoint> out;
  for (const auto& text : peers) {
    auto endpoint = parse_endpoint(text);
    if (!endpoint) return endpoint.error();
    out.push_back(*endpoint);
  }
  return out;
}

// Returns the torrents of --input.
Result<std::vector<torrent::EntryPtr>> load_catalog(torrent::Catalog& catalog,
                                                    const Config& config) {
  std::vector<torrent::EntryPtr> input;
  if (!config.input.empty()) {
    auto report = catalog.load_input(config.input);
    if (!report) return report.error();
    for (const auto& skipped : report->skipped)
      spdlog::warn("skipping torrent {}", skipped);
    spdlog::info("loaded {} torrent(s) from {}", report->loaded.size(), config.input.string());
    input = std::move(report->loaded);
  }
  // Whose they were is not kept: taken for strangers' unless strangers may name private peers.
  const auto saved = catalog.load_saved(config.data_dir, config.allow_private_peers
                                                             ? torrent::Origin::operator_given
                                                             : torrent::Origin::stranger);
  for (const auto& skipped : saved.skipped)
    spdlog::warn("skipping saved torrent {}", skipped);
  if (!saved.loaded.empty())
    spdlog::info("loaded {} torrent(s) saved in {}", saved.loaded.size(), config.data_dir.string());
  return input;
}

// --join-on-start: each torrent of --input joins its swarm as a visit of its page would
// (LiveTorrent::join_for: the ends of its largest file), so that its first GET finds seeds
// connected and a player's first reads on disk, as peerflix has them for its one torrent.
// Posted: start-up waits for none of it. Each is dropped after --torrent-ttl without a reader,
// like any torrent.
void join_on_start(Gateway::Parts& parts, std::vector<torrent::EntryPtr> torrents) {
  spdlog::info("joining the swarms of {} torrent(s) (--join-on-start)", torrents.size());
  asio::post(parts.io, [streamer = std::weak_ptr(parts.streamer), torrents = std::move(torrents)] {
    const auto live = streamer.lock();
    if (!live) return;  // stopped before it ran
    for (const auto& entry : torrents)
      live->warm(entry, nullptr);
  });
}

// Whether --host keeps the gateway to this machine.
bool is_loopback_host(const std::string& host) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  return host == "localhost" || (!ec && address.is_loopback());
}

// Probes and metrics, each on its own port, on the same io_context as the main server.
// "http://host:port" one can click: a wildcard address (bound to every interface) is shown as
// loopback, an IPv6 address in brackets.
std::string url_of(const std::string& host, std::uint16_t port) {
  std::string shown = host;
  if (shown.empty() || shown == "0.0.0.0") shown = "127.0.0.1";
  if (shown == "::" || shown == "[::]") shown = "::1";
  if (shown.find(':') != std::string::npos && shown.front() != '[') shown = "[" + shown + "]";
  return "http://" + shown + ":" + std::to_string(port);
}

Status start_side_services(Gateway::Parts& parts, const Config& config) {
  if (config.probe) {
    auto probe = http::SideServer::start(
        parts.io, config.probe_host, config.probe_port,
        probe_routes([server = parts.server.get()] { return server->port() != 0; },
                     [session = parts.session.get()] { return session->listen_port() > 0; },
                     config.data_dir));
    if (!probe) return make_error(probe.error().code, "--probe-port: " + probe.error().message);
    parts.probe = std::move(*probe);
    spdlog::info("probes on {}/liveness and /readiness",
                 url_of(config.probe_host, parts.probe->port()));
  }
  if (config.metrics) {
    auto server = http::SideServer::start(
        parts.io, config.metrics_host, config.metrics_port,
        {{"/metrics", [metrics = &parts.metrics] {
            auto reply = http::text_reply(200, metrics->render());
            reply.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            return reply;
          }}});
    if (!server)
      return make_error(server.error().code, "--metrics-port: " + server.error().message);
    parts.metrics_server = std::move(*server);
    spdlog::info("metrics on {}/metrics",
                 url_of(config.metrics_host, parts.metrics_server->port()));
  }
  return {};
}

}  // namespace

namespace {

void make_storage(Gateway::Parts& parts, const Config& config, const FdBudget& fds) {
  storage::StoreOptions store_options;
  store_options.budget = config.per_torrent_cache_budget;
  store_options.open_files = std::make_shared<storage::OpenFiles>(fds.open_files);
  store_options.verify_on_open = config.verify_on_start;
  if (config.cache_budget > 0)
    store_options.disk = std::make_shared<storage::DiskBudget>(config.cache_budget);
  parts.stores = std::make_unique<storage::StoreRegistry>(config.data_dir, store_options);
}

// The libtorrent session, the live torrents and, with --allow-magnets, the metadata resolver.
void make_swarm(Gateway::Parts& parts, const Config& config, const FdBudget& fds,
                std::vector<lt::tcp::endpoint> peers) {
  torrent::SessionOptions session_options;
  session_options.listen_interfaces = config.bt_listen;
  session_options.dht = config.dht;
  session_options.lsd = config.lsd;
  session_options.upnp = config.upnp;
  session_options.natpmp = config.natpmp;
  session_options.outgoing_utp = config.outgoing_utp;
  session_options.peer_log = config.log_peers;
  session_options.filter_private_peers = !config.allow_private_peers;
  session_options.connections_limit = fds.peer_connections;
  parts.session = std::make_unique<torrent::Session>(
      session_options, asio::make_strand(parts.io),
      storage::mmap_disk_io_constructor(*parts.stores, config.disk_threads));

  torrent::RegistryOptions registry_options;
  registry_options.ttl = config.torrent_ttl;
  registry_options.live.budget_mode = has_cache_budget(config);
  registry_options.live.keep_interest_for = config.keep_interest;
  registry_options.readahead_bytes = readahead_for(config);
  registry_options.extra_peers = peers;
  parts.registry = std::make_shared<torrent::Registry>(
      parts.session->native(), *parts.stores, asio::make_strand(parts.io),
      parts.blocking.get_executor(), std::move(registry_options));
  parts.session->subscribe([weak = std::weak_ptr(parts.registry)](const lt::alert& alert) {
    if (const auto registry = weak.lock()) registry->on_alert(alert);
  });
  if (!config.allow_magnets) return;
  parts.resolver = std::make_unique<torrent::MetadataResolver>(
      parts.session->native(), parts.catalog, asio::make_strand(parts.io),
      torrent::ResolverOptions{config.metadata_timeout, config.data_dir, config.trackers,
                               std::move(peers), std::chrono::milliseconds{2'000},
                               config.allow_private_peers, config.max_new_torrents_per_client});
  parts.session->subscribe(
      [resolver = parts.resolver.get()](const lt::alert& alert) { resolver->on_alert(alert); });
}

// Where torrents and files come from beyond --input: a torrent store, magnets, a vault.
void make_sources(Gateway::Parts& parts, const Config& config) {
  if (!config.torrent_store_url.empty()) {
    parts.remote_store = std::make_unique<torrent::RemoteTorrentStore>(
        parts.catalog, parts.io.get_executor(),
        torrent::RemoteStoreOptions{config.torrent_store_url, config.torrent_store_timeout,
                                    std::chrono::seconds(10), config.data_dir});
  }
  if (!config.vault_url.empty()) {
    net::VaultOptions vault_options;
    vault_options.base_url = config.vault_url;
    vault_options.timeout = config.vault_timeout;
    parts.vault = std::make_shared<net::Vault>(parts.io.get_executor(), vault_options);
  }
  parts.sources = std::make_unique<torrent::TorrentSources>(parts.catalog, parts.remote_store.get(),
                                                            parts.resolver.get());
}

// What answers requests: streams, query modes, routing, metrics.
void make_responders(Gateway::Parts& parts, const Config& config,
                     std::shared_ptr<http::Gatekeeper> gate,
                     std::shared_ptr<const http::LinkKey> links) {
  auto stalls = std::make_shared<torrent::StallCounters>();
  torrent::ReaderOptions reader_options;
  reader_options.stalls = stalls;
  reader_options.readahead_bytes = readahead_for(config);
  reader_options.piece_timeout = config.piece_timeout;
  reader_options.verify_sent = config.verify_sent;
  parts.locator = std::make_unique<torrent::ContentLocator>(*parts.registry, *parts.stores,
                                                            parts.blocking.get_executor());
  parts.streamer = std::make_shared<torrent::Streamer>(*parts.locator, reader_options);
  torrent::ProgressOptions progress_options;
  progress_options.stats_interval = config.stats_interval;
  progress_options.warmup_timeout = config.warmup_timeout;
  parts.progress = std::make_unique<torrent::Progress>(*parts.locator, progress_options);
  parts.router = std::make_unique<http::Router>(http::RouterOptions{
      config.cors_origin, config.instance_name, config.allow_uploads, hidden_paths(config.data_dir),
      config.public_url, std::move(gate), std::move(links)});
  parts.content = std::make_unique<http::GatewayContent>(
      http::GatewayParts{config.data_dir, parts.catalog, *parts.registry, *parts.streamer,
                         *parts.progress, parts.sources.get(), parts.vault.get(),
                         parts.blocking.get_executor(), config.allow_private_peers});
  parts.handler = std::make_unique<http::RequestHandler>(
      *parts.router, *parts.content, http::RequestHandler::kMultipartSlots,
      parts.blocking.get_executor(), parts.media.get_executor(), config.max_streams_per_client,
      config.transcode_video);
  parts.http_metrics = std::make_unique<metrics::HttpMetrics>(parts.metrics);
  register_gateway_metrics(
      parts.metrics, {*parts.registry, *parts.stores, stalls, config.per_torrent_cache_budget});
  // The handler outlives the metrics' scrapes (Gateway::stop stops the side server first).
  const auto* handler = parts.handler.get();
  parts.metrics.callback(
      "seeder_probe_cpu_seconds_total", "CPU time the media pool spent probing files (?probe)",
      metrics::MetricSet::Type::counter, [handler] { return handler->probe_cpu_seconds(); });
  parts.metrics.callback("seeder_hls_cpu_seconds_total",
                         "CPU time the media pool spent making HLS playlists and segments (?hls: "
                         "demuxing, converting sound to AAC and video to H.264, muxing)",
                         metrics::MetricSet::Type::counter,
                         [handler] { return handler->hls_cpu_seconds(); });
  metrics::register_build_info(parts.metrics, config.instance_name);
  metrics::register_process_metrics(parts.metrics);
}

Status start_http(Gateway::Parts& parts, const Config& config, const FdBudget& fds) {
  http::ServerOptions server_options;
  server_options.host = config.host;
  server_options.instance_name = config.instance_name;
  server_options.port = config.port;
  server_options.read_timeout = config.http_read_timeout;
  server_options.send_timeout = config.http_send_timeout;
  server_options.max_connections = static_cast<std::size_t>(fds.http_connections);
  if (config.allow_uploads) server_options.upload_limit = kUploadLimit;
  for (const auto& proxy : config.trusted_proxies) {
    auto block = parse_address_block(proxy);
    if (!block) return make_error(Errc::bad_request, "--trusted-proxy " + block.error().message);
    server_options.trusted_proxies.push_back(*block);
  }
  auto server =
      http::Server::start(parts.io, server_options, *parts.handler, parts.http_metrics.get());
  if (!server) return server.error();
  parts.server = std::move(*server);
  return start_side_services(parts, config);
}

// The configuration with the instance's name filled in (the host name unless given).
Config with_instance_name(Config config) {
  if (!config.instance_name.empty()) return config;
  char name[256] = {};
  config.instance_name =
      gethostname(name, sizeof name - 1) == 0 && name[0] != '\0' ? name : "seeder";
  return config;
}

}  // namespace

Result<std::unique_ptr<Gateway>> Gateway::start(const Config& given) {
  const auto config = with_instance_name(given);
  if (auto writable = ensure_writable_dir(config.data_dir); !writable) return writable.error();
  auto peers = parse_peers(config.peers);
  if (!peers) return peers.error();
  if (config.transcode_video) {
    if (auto converts = media::video_conversion_available(); !converts)
      return make_error(converts.error().code, "--transcode-video: " + converts.error().message);
  }
  if ((config.allow_uploads || config.allow_magnets) && !config.allow_private_peers) {
    for (const auto& peer : *peers) {
      if (is_public_address(peer.address())) continue;
      spdlog::warn(
          "--peer {}:{} is on a private address: only --input torrents dial it, not "
          "uploads or magnets (--allow-private-peers lets them)",
          peer.address().to_string(), peer.port());
    }
  }

  std::shared_ptr<http::Gatekeeper> gate;
  if (!config.auth_file.empty()) {
    auto tokens = http::AccessList::load(config.auth_file);
    if (!tokens) return tokens.error();
    spdlog::info("access: {} token(s) from {}", tokens->size(), config.auth_file.string());
    gate = std::make_shared<http::Gatekeeper>(std::move(*tokens));
  }
  std::shared_ptr<const http::LinkKey> links;
  if (!config.link_key_file.empty()) {
    auto key = http::LinkKey::load(config.link_key_file);
    if (!key) return key.error();
    if (!gate) spdlog::warn("--link-key-file without --auth-file: every link is open anyway");
    links = std::make_shared<const http::LinkKey>(std::move(*key));
  }

  auto parts = std::make_unique<Parts>(config.http_threads, config.data_dir);
  auto input_torrents = load_catalog(parts->catalog, config);
  if (!input_torrents) return input_torrents.error();
  const auto fds = fd_budget(current_fd_limit(), config.max_connections);
  spdlog::info("file descriptors: limit {}, up to {} HTTP connections, {} peers, {} open files",
               fds.limit, fds.http_connections, fds.peer_connections, fds.open_files);
  make_storage(*parts, config, fds);
  make_swarm(*parts, config, fds, std::move(*peers));
  make_sources(*parts, config);
  make_responders(*parts, config, gate, links);
  if (auto started = start_http(*parts, config, fds); !started) return started.error();

  if (!config.input.empty() && config.watch_input) {
    auto watcher =
        torrent::InputWatcher::start(config.input, parts->catalog, parts->io.get_executor());
    // Not fatal: the torrents loaded at start are served; new ones need a restart.
    if (!watcher)
      spdlog::warn("{}", watcher.error().message);
    else
      parts->watcher = std::move(*watcher);
  }
  parts->session->start();
  parts->registry->start();
  for (int i = 0; i < config.http_threads; ++i) {
    parts->threads.emplace_back([io = &parts->io] { io->run(); });
  }
  if (config.join_on_start && !input_torrents->empty())
    join_on_start(*parts, std::move(*input_torrents));
  if (!gate && !is_loopback_host(config.host)) {
    spdlog::warn(
        "anyone who reaches {} may read every torrent here: no --auth-file (see the README, "
        "\"Putting it on a server\")",
        url_of(config.host, parts->server->port()));
  }
  std::string budget = config.cache_budget > 0 ? format_size(config.cache_budget) + " in all" : "";
  if (config.per_torrent_cache_budget > 0)
    budget += (budget.empty() ? "" : ", ") + format_size(config.per_torrent_cache_budget) +
              " per torrent";
  spdlog::info(
      "serving {} torrent(s) on {}/ (data dir {}, readahead {}, idle TTL {}, cache budget {})",
      parts->catalog.size(), url_of(config.host, parts->server->port()), config.data_dir.string(),
      format_size(readahead_for(config)), format_duration(config.torrent_ttl),
      budget.empty() ? std::string("none") : budget);
  return std::unique_ptr<Gateway>(new Gateway(std::move(parts)));
}

Gateway::Gateway(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Gateway::~Gateway() {
  stop();
}

std::uint16_t Gateway::http_port() const {
  return parts_->server->port();
}

std::uint16_t Gateway::probe_port() const {
  return parts_->probe ? parts_->probe->port() : 0;
}

std::uint16_t Gateway::metrics_port() const {
  return parts_->metrics_server ? parts_->metrics_server->port() : 0;
}

int Gateway::bittorrent_port() const {
  return parts_->session->listen_port();
}

torrent::Catalog& Gateway::catalog() {
  return parts_->catalog;
}

torrent::Registry& Gateway::registry() {
  return *parts_->registry;
}

torrent::MetadataResolver* Gateway::resolver() {
  return parts_->resolver.get();
}

storage::StoreRegistry& Gateway::stores() {
  return *parts_->stores;
}

// Stops taking work from the outside in, then drains inwards: connections, pending storage
// opens, libtorrent (and with it the disk backend), the completion records, the event loop.
void Gateway::stop() {
  if (!parts_ || parts_->stopped) return;
  parts_->stopped = true;
  spdlog::info("shutting down");
  if (parts_->probe) parts_->probe->stop();
  if (parts_->metrics_server) parts_->metrics_server->stop();
  parts_->server->stop();
  if (parts_->watcher) parts_->watcher->stop();
  if (parts_->resolver) parts_->resolver->shutdown();
  parts_->registry->shutdown();
  // A probe still reading waits on the event loop: its reads fail with the registry's readers.
  parts_->media.join();
  parts_->blocking.join();
  parts_->session->stop();
  parts_->stores->flush();
  parts_->work.reset();
  // What is queued (connections closing, readers failed) runs out first, for a moment at most:
  // stopped at once, a connection whose close never ran kept its exchange, and the exchange
  // the connection (a cycle nothing frees: seen by LeakSanitizer in a loaded test run).
  const auto drained_by = std::chrono::steady_clock::now() + kDrainTime;
  while (!parts_->io.stopped() && std::chrono::steady_clock::now() < drained_by)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  parts_->io.stop();
  for (auto& thread : parts_->threads)
    thread.join();
}

}  // namespace seeder::app
