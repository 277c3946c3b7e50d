#include "seeder/app/cli.hpp"

#include "seeder/app/fd_budget.hpp"
#include "seeder/core/endpoint.hpp"
#include "seeder/core/version.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "seeder/app/gateway.hpp"
#include "seeder/core/units.hpp"
#include "seeder/diagnose/diagnose.hpp"
#include "seeder/http/signed_link.hpp"
#include "seeder/net/http_client.hpp"

namespace seeder::app {
namespace {

// CLI11 names a switch "--probe,--no-probe{false}": the {false} is what --no-probe sets, but it
// reads as the default. Switches say their default in their description instead.
class SwitchFormatter : public CLI::Formatter {
 public:
  std::string make_option_name(const CLI::Option* option, bool positional) const override {
    auto name = CLI::Formatter::make_option_name(option, positional);
    for (const std::string_view value : {"{false}", "{true}"}) {
      if (const auto at = name.find(value); at != std::string::npos) name.erase(at, value.size());
    }
    return name;
  }
};

// An on/off switch, --NAME and --no-NAME, with its default said in words: CLI11 would print
// the negation's value ("--probe,--no-probe{false}"), which reads as "off" for a switch that is on.
CLI::Option* add_switch(CLI::App& app, const std::string& name, bool& value,
                        std::string description) {
  description += value ? " (default: on)" : " (default: off)";
  return app.add_flag("--" + name + ",!--no-" + name, value, std::move(description));
}

// Flags that take a size or a duration are read as text, checked here and converted after
// parsing, so a bad value fails with a message that says what was expected.
const CLI::Validator kSize(
    [](std::string& text) {
      return parse_size(text) ? std::string() : "expected a size such as 512KiB, 20MB or 10GB";
    },
    "SIZE");
const CLI::Validator kSizeOrAuto(
    [](std::string& text) {
      return text == "auto" || parse_size(text) ? std::string()
                                                : "expected auto or a size such as 512KiB or 64MB";
    },
    "SIZE|auto");
const CLI::Validator kDuration(
    [](std::string& text) {
      return parse_duration(text) ? std::string() : "expected a duration such as 500ms, 30s or 10m";
    },
    "DURATION");

struct ServeText {
  std::string max_readahead = "auto";
  std::string per_torrent_budget = "0";
  std::string cache_budget = "0";
  std::string torrent_ttl = "600s";
  std::string piece_timeout = "60s";
  std::string keep_interest = "30s";
  std::string http_read_timeout = "30s";
  std::string http_send_timeout = "60s";
  std::string stats_interval = "3s";
  std::string warmup_timeout = "30m";
  std::string metadata_timeout = "60s";
  std::string torrent_store_timeout = "10s";
  std::string vault_timeout = "2s";
};

// SEEDER_<NAME>: the environment variable that sets an option.
std::string env(const char* name) {
  return std::string("SEEDER_") + name;
}

// Where and how HTTP is served.
void add_http_options(CLI::App& app, Config& config, ServeText& text) {
  app.option_defaults()->group("HTTP");
  app.add_option("--host", config.host, "HTTP listen address")
      ->envname(env("HOST"))
      ->capture_default_str();
  app.add_option("--port", config.port, "HTTP listen port (0 picks a free one)")
      ->envname(env("PORT"))
      ->capture_default_str();
  app.add_option("--http-threads", config.http_threads, "threads serving HTTP")
      ->envname(env("HTTP_THREADS"))
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--http-read-timeout", text.http_read_timeout,
                 "time allowed for a request to arrive (also keep-alive idle)")
      ->envname(env("HTTP_READ_TIMEOUT"))
      ->check(kDuration)
      ->capture_default_str();
  app.add_option("--http-send-timeout", text.http_send_timeout,
                 "close a response when the client reads nothing for this long")
      ->envname(env("HTTP_SEND_TIMEOUT"))
      ->check(kDuration)
      ->capture_default_str();
  app.add_option("--max-connections", config.max_connections,
                 "HTTP connections at once; more get 503 (0: derived from the fd limit)")
      ->envname(env("MAX_CONNECTIONS"))
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  app.add_option("--cors-origin", config.cors_origin,
                 "Access-Control-Allow-Origin: *, a comma-separated list, or empty")
      ->envname(env("CORS_ORIGIN"))
      ->capture_default_str();
  app.add_option("--stats-interval", text.stats_interval,
                 "how often a ?stats stream looks for changes to report")
      ->envname(env("STATS_INTERVAL"))
      ->check(kDuration)
      ->capture_default_str();
  app.add_option("--warmup-timeout", text.warmup_timeout,
                 "a ?warmup stream gives up after this long")
      ->envname(env("WARMUP_TIMEOUT"))
      ->check(kDuration)
      ->capture_default_str();
  add_switch(app, "transcode-video", config.transcode_video,
             "let the player page play films whose video the browser cannot decode (HEVC in "
             "Chromium, MPEG-4 Part 2) by converting it to H.264 with libx264, one segment at a "
             "time (CPU-heavy: a core per conversion, half the cores at most)")
      ->envname(env("TRANSCODE_VIDEO"));
}

// Which torrents, where their bytes go, how much stays on disk.
void add_storage_options(CLI::App& app, Config& config, ServeText& text) {
  app.option_defaults()->group("Torrents and storage");
  app.add_option("--input", config.input,
                 "a .torrent file, or a directory whose *.torrent files are loaded")
      ->envname(env("INPUT"));
  add_switch(app, "watch-input", config.watch_input,
             "load .torrent files added to (or changed in) --input while running")
      ->envname(env("WATCH_INPUT"));
  app.add_option("--data-dir", config.data_dir, "where downloaded content and state live")
      ->envname(env("DATA_DIR"))
      ->capture_default_str();
  app.add_option("--max-readahead", text.max_readahead,
                 "bytes fetched ahead of each reader (auto: 64MB, or 20MB under a cache budget)")
      ->envname(env("MAX_READAHEAD"))
      ->check(kSizeOrAuto)
      ->capture_default_str();
  app.add_option("--cache-budget", text.cache_budget,
                 "keep at most this many bytes of pieces on disk for all torrents together, "
                 "evicting the least recently used pieces of any torrent (0: keep everything)")
      ->envname(env("CACHE_BUDGET"))
      ->check(kSize)
      ->capture_default_str();
  app.add_option("--per-torrent-cache-budget", text.per_torrent_budget,
                 "keep at most this many bytes of each torrent on disk, evicting least recently "
                 "used pieces "
                 "(0: keep everything)")
      ->envname(env("PER_TORRENT_CACHE_BUDGET"))
      ->check(kSize)
      ->capture_default_str();
  app.add_option("--torrent-ttl", text.torrent_ttl,
                 "drop a torrent from the session after this long without readers")
      ->envname(env("TORRENT_TTL"))
      ->check(kDuration)
      ->capture_default_str();
  app.add_option("--piece-timeout", text.piece_timeout,
                 "give up on a read when the next piece takes longer")
      ->envname(env("PIECE_TIMEOUT"))
      ->check(kDuration)
      ->capture_default_str();
  app.add_option("--keep-interest", text.keep_interest,
                 "after a torrent's last reader, keep telling seeds we are interested this long, "
                 "so the next reader finds them unchoked (0s: off; at most 50s)")
      ->envname(env("KEEP_INTEREST"))
      ->check(kDuration)
      ->capture_default_str();
  app.add_option("--disk-threads", config.disk_threads, "threads doing disk I/O and hashing")
      ->envname(env("DISK_THREADS"))
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  add_switch(app, "verify-on-start", config.verify_on_start,
             "hash every recorded piece again when a torrent is first opened after start")
      ->envname(env("VERIFY_ON_START"));
  // For tests and soaks: each piece is hashed again after a response sent from it.
  app.add_flag("--verify-sent", config.verify_sent)->group("")->envname(env("VERIFY_SENT"));
}

// How peers are found and talked to.
void add_swarm_options(CLI::App& app, Config& config) {
  app.option_defaults()->group("Swarm");
  add_switch(app, "join-on-start", config.join_on_start,
             "join the swarm of every torrent of --input at start as a view of its page does "
             "(the ends of its largest file when that is a film), so the first GET finds seeds "
             "connected (for a few torrents: each stays in the session until --torrent-ttl "
             "without a reader)")
      ->envname(env("JOIN_ON_START"));
  app.add_option("--bt-listen", config.bt_listen,
                 "BitTorrent listen interfaces (libtorrent syntax)")
      ->envname(env("BT_LISTEN"))
      ->capture_default_str();
  add_switch(app, "dht", config.dht, "use the DHT to find peers")->envname(env("DHT"));
  add_switch(app, "lsd", config.lsd, "local service discovery")->envname(env("LSD"));
  add_switch(app, "upnp", config.upnp, "UPnP port mapping")->envname(env("UPNP"));
  add_switch(app, "natpmp", config.natpmp, "NAT-PMP port mapping")->envname(env("NATPMP"));
  add_switch(app, "outgoing-utp", config.outgoing_utp,
             "also connect to peers over uTP (incoming uTP is always accepted)")
      ->envname(env("OUTGOING_UTP"));
  app.add_flag("--log-peers", config.log_peers,
               "log every message to and from every peer at debug level (needs --log-level "
               "debug; very verbose: for finding out why a swarm is slow)")
      ->envname(env("LOG_PEERS"));
  app.add_option("--peer", config.peers, "IP:PORT of a peer every torrent connects to (repeatable)")
      ->envname(env("PEER"))
      ->delimiter(',');
  app.add_option("--trusted-proxy", config.trusted_proxies,
                 "a reverse proxy's address or network (10.0.0.0/8) whose X-Forwarded-For, "
                 "-Host and -Proto are believed (repeatable; none by default: from anyone else "
                 "they are ignored)")
      ->envname(env("TRUSTED_PROXY"))
      ->delimiter(',');
  app.add_option("--auth-file", config.auth_file,
                 "tokens that may use the gateway, one `<token> <view|admin>` a line (or "
                 "`sha256:<hex>` of the token); every request then needs one: Authorization: "
                 "Bearer <token>, or a browser's sign-in at /login (none by default)")
      ->envname(env("AUTH_FILE"));
  app.add_option("--max-streams-per-client", config.max_streams_per_client,
                 "files one client may stream at once (more get 429); loopback clients are "
                 "never capped; 0: no cap")
      ->capture_default_str()
      ->envname(env("MAX_STREAMS_PER_CLIENT"));
  app.add_option("--max-new-torrents-per-client", config.max_new_torrents_per_client,
                 "torrents one client may have looked up by magnet or info-hash in the last "
                 "hour (more get 429); loopback clients are never capped; 0: no cap")
      ->capture_default_str()
      ->envname(env("MAX_NEW_TORRENTS_PER_CLIENT"));
  app.add_option("--link-key-file", config.link_key_file,
                 "the key (32 bytes or more) of signed links: with --auth-file, a link made by "
                 "`seeder sign` opens what it names until it expires, without a token")
      ->envname(env("LINK_KEY_FILE"));
  app.add_option("--public-url", config.public_url,
                 "the scheme and host (and path prefix) clients reach this gateway at, for "
                 "absolute URLs such as playlists' (default: from each request)")
      ->envname(env("PUBLIC_URL"));
  app.add_option("--tracker", config.trackers, "a tracker URL added to magnet links (repeatable)")
      ->envname(env("TRACKER"))
      ->delimiter(',');
}

// Torrents beyond --input: magnets, a torrent store, a vault.
void add_source_options(CLI::App& app, Config& config, ServeText& text) {
  app.option_defaults()->group("Torrents beyond --input");
  add_switch(app, "allow-magnets", config.allow_magnets,
             "serve hashes not in --input by fetching their metadata from the swarm")
      ->envname(env("ALLOW_MAGNETS"));
  add_switch(app, "allow-uploads", config.allow_uploads,
             "let anyone who reaches the port add torrents: POST / with a .torrent or a magnet "
             "link (magnets need --allow-magnets), and a form on the index page")
      ->envname(env("ALLOW_UPLOADS"));
  add_switch(app, "allow-private-peers", config.allow_private_peers,
             "let magnet links and uploaded torrents name peers, trackers and web seeds on "
             "loopback, private or link-local addresses")
      ->envname(env("ALLOW_PRIVATE_PEERS"));
  app.add_option("--metadata-timeout", text.metadata_timeout,
                 "give up on a magnet's metadata after this long (504)")
      ->envname(env("METADATA_TIMEOUT"))
      ->check(kDuration)
      ->capture_default_str();
  app.add_option("--torrent-store-url", config.torrent_store_url,
                 "fetch unknown torrents' .torrent from this URL template ({hash} is replaced)")
      ->envname(env("TORRENT_STORE_URL"));
  app.add_option("--torrent-store-timeout", text.torrent_store_timeout,
                 "give up on the torrent store after this long")
      ->envname(env("TORRENT_STORE_TIMEOUT"))
      ->check(kDuration)
      ->capture_default_str();
  app.add_option("--vault-url", config.vault_url,
                 "redirect file requests to this vault when it has the file (HEAD "
                 "<url>/webseed/<hash>/<path>)")
      ->envname(env("VAULT_URL"));
  app.add_option("--vault-timeout", text.vault_timeout,
                 "serve locally when the vault does not answer within this")
      ->envname(env("VAULT_TIMEOUT"))
      ->check(kDuration)
      ->capture_default_str();
}

// Probes, metrics and the log.
void add_side_service_options(CLI::App& app, Config& config) {
  app.option_defaults()->group("Probes, metrics and logs");
  add_switch(app, "probe", config.probe, "serve /liveness and /readiness")->envname(env("PROBE"));
  app.add_option("--probe-host", config.probe_host,
                 "address the probes listen on (0.0.0.0 for a kubelet)")
      ->envname(env("PROBE_HOST"))
      ->capture_default_str();
  app.add_option("--probe-port", config.probe_port, "port of the probes (0 picks a free one)")
      ->envname(env("PROBE_PORT"))
      ->capture_default_str();
  add_switch(app, "metrics", config.metrics, "serve Prometheus /metrics")->envname(env("METRICS"));
  app.add_option("--metrics-host", config.metrics_host,
                 "address /metrics listens on (0.0.0.0 for a Prometheus elsewhere)")
      ->envname(env("METRICS_HOST"))
      ->capture_default_str();
  app.add_option("--metrics-port", config.metrics_port, "port of /metrics (0 picks a free one)")
      ->envname(env("METRICS_PORT"))
      ->capture_default_str();
  app.add_option("--instance-name", config.instance_name,
                 "this gateway's name in X-Seeder-Instance, the pages and the metrics (default: "
                 "the host name)")
      ->envname(env("INSTANCE_NAME"));
  app.add_option("--log-level", config.log_level, "trace, debug, info, warn, error or off")
      ->envname(env("LOG_LEVEL"))
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
}

void add_serve_options(CLI::App& app, Config& config, ServeText& text) {
  add_http_options(app, config, text);
  add_storage_options(app, config, text);
  add_swarm_options(app, config);
  add_source_options(app, config, text);
  add_side_service_options(app, config);
}

void apply_text(Config& config, const ServeText& text) {
  config.per_torrent_cache_budget = *parse_size(text.per_torrent_budget);
  config.cache_budget = *parse_size(text.cache_budget);
  if (text.max_readahead != "auto") config.max_readahead = *parse_size(text.max_readahead);
  config.torrent_ttl = *parse_duration(text.torrent_ttl);
  config.piece_timeout = *parse_duration(text.piece_timeout);
  config.keep_interest = *parse_duration(text.keep_interest);
  config.http_read_timeout = *parse_duration(text.http_read_timeout);
  config.http_send_timeout = *parse_duration(text.http_send_timeout);
  config.stats_interval = *parse_duration(text.stats_interval);
  config.warmup_timeout = *parse_duration(text.warmup_timeout);
  config.metadata_timeout = *parse_duration(text.metadata_timeout);
  config.torrent_store_timeout = *parse_duration(text.torrent_store_timeout);
  config.vault_timeout = *parse_duration(text.vault_timeout);
}

// It goes into a response header and a metric label as it is.
bool plausible_instance_name(std::string_view name) {
  return name.size() <= 128 && std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' ||
                  c == '.';
         });
}

// Written into playlists as it is: a scheme, a host and at most a path prefix.
bool plausible_public_url(std::string_view url) {
  for (const std::string_view scheme : {"https://", "http://"}) {
    if (!url.starts_with(scheme)) continue;
    const auto rest = url.substr(scheme.size());
    return !rest.empty() && rest.front() != '/' && rest.back() != '/' &&
           std::all_of(rest.begin(), rest.end(), [](char c) {
             return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                    std::string_view("-._~:/[]%").find(c) != std::string_view::npos;
           });
  }
  return false;
}

Status check_config(const Config& config) {
  if (!config.public_url.empty() && !plausible_public_url(config.public_url)) {
    return make_error(Errc::bad_request,
                      "--public-url: expected http(s)://host[:port][/prefix] without a trailing /");
  }
  for (const auto& proxy : config.trusted_proxies) {
    if (auto block = parse_address_block(proxy); !block)
      return make_error(Errc::bad_request, "--trusted-proxy " + block.error().message);
  }
  if (!plausible_instance_name(config.instance_name))
    return make_error(Errc::bad_request,
                      "--instance-name: letters, digits, '-', '_' and '.' only, at most 128");
  if (config.max_readahead == std::uint64_t{0})
    return make_error(Errc::bad_request, "--max-readahead must be above 0");
  if (config.torrent_ttl.count() <= 0)
    return make_error(Errc::bad_request, "--torrent-ttl must be above 0");
  if (config.http_read_timeout.count() <= 0)
    return make_error(Errc::bad_request, "--http-read-timeout must be above 0");
  if (config.http_send_timeout.count() <= 0)
    return make_error(Errc::bad_request, "--http-send-timeout must be above 0");
  if (config.piece_timeout.count() <= 0)
    return make_error(Errc::bad_request, "--piece-timeout must be above 0");
  // Longer would hold seeds' upload slots, which other leechers could use, for nothing.
  if (config.keep_interest.count() < 0 || config.keep_interest > std::chrono::seconds(50))
    return make_error(Errc::bad_request, "--keep-interest must be between 0s and 50s");
  if (config.stats_interval.count() <= 0)
    return make_error(Errc::bad_request, "--stats-interval must be above 0");
  if (config.warmup_timeout.count() <= 0)
    return make_error(Errc::bad_request, "--warmup-timeout must be above 0");
  if (config.metadata_timeout.count() <= 0)
    return make_error(Errc::bad_request, "--metadata-timeout must be above 0");
  if (!config.torrent_store_url.empty()) {
    if (config.torrent_store_url.find("{hash}") == std::string::npos)
      return make_error(Errc::bad_request, "--torrent-store-url must contain {hash}");
    if (auto url = net::parse_http_url(config.torrent_store_url); !url)
      return make_error(Errc::bad_request, "--torrent-store-url: " + url.error().message);
  }
  if (!config.vault_url.empty()) {
    if (auto url = net::parse_http_url(config.vault_url); !url)
      return make_error(Errc::bad_request, "--vault-url: " + url.error().message);
  }
  return {};
}

// Blocks SIGINT and SIGTERM in every thread (set before any thread starts) and waits for one.
int wait_for_signal(const sigset_t& signals) {
  int signal = 0;
  sigwait(&signals, &signal);
  return signal;
}

int serve(const Config& config, const sigset_t& signals) {
  // Logs go to stderr, leaving stdout free; one line per event, with time and level.
  spdlog::set_default_logger(spdlog::stderr_color_mt("seeder"));
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  const auto fd_limit = raise_fd_limit();
  spdlog::info("file descriptor limit {}", fd_limit);
  auto gateway = Gateway::start(config);
  if (!gateway) {
    spdlog::error("{}", gateway.error().message);
    return 1;
  }
  const int signal = wait_for_signal(signals);
  spdlog::info("received signal {}", signal);
  (*gateway)->stop();
  return 0;
}

struct DiagnoseText {
  diagnose::Options options;
  std::string timeout = "60s";
  std::string download = "0";
  bool json = false;
};

void add_diagnose_options(CLI::App& app, DiagnoseText& text) {
  auto& options = text.options;
  app.add_option("target", options.target, "a magnet link, a .torrent file or an info-hash")
      ->required();
  app.add_option("--timeout", text.timeout, "give up after this long")
      ->check(kDuration)
      ->capture_default_str();
  app.add_option("--data-dir", options.data_dir,
                 "where fetched pieces go (default: a temporary dir, removed after)");
  app.add_option("--download", text.download,
                 "also fetch this many bytes of the first file and report the speed")
      ->check(kSize)
      ->capture_default_str();
  app.add_option("--tracker", options.extra_trackers, "an extra tracker URL (repeatable)");
  app.add_option("--peer", options.peers, "IP:PORT of a peer to dial at once (repeatable)")
      ->delimiter(',');
  add_switch(app, "dht", options.dht, "use the DHT");
  add_switch(app, "trackers", options.trackers, "announce to trackers");
  app.add_option("--dht-bootstrap", options.dht_bootstrap,
                 "host:port of a DHT bootstrap node (repeatable; default: libtorrent's)")
      ->delimiter(',');
  app.add_option("--bt-listen", options.listen, "listen interfaces (libtorrent syntax)")
      ->capture_default_str();
  app.add_flag("--json", text.json, "print one JSON document instead of text");
}

// `seeder sign`: what the command line gives, read once parsed.
struct SignText {
  std::string url;
  std::filesystem::path key_file;
  std::string expires = "24h";
  std::string scope = "file";
};

void add_sign_options(CLI::App& command, SignText& text) {
  command.add_option("url", text.url, "the file's URL (http://host/<hash>/<path>) or its path")
      ->required();
  command.add_option("--link-key-file", text.key_file, "the gateway's --link-key-file")
      ->required()
      ->envname(env("LINK_KEY_FILE"));
  command.add_option("--expires", text.expires, "how long the link opens (1h, 7d...)")
      ->capture_default_str();
  command.add_option("--scope", text.scope, "file: that file; torrent: every file of its torrent")
      ->check(CLI::IsMember({"file", "torrent"}))
      ->capture_default_str();
}

int run_sign(const SignText& text) {
  const auto key = http::LinkKey::load(text.key_file);
  const auto lifetime = parse_duration(text.expires);
  if (!key || !lifetime) {
    std::cerr << "seeder sign: "
              << (key ? "--expires: expected a duration (24h, 7d)" : key.error().message) << "\n";
    return 2;
  }
  const auto scope = text.scope == "torrent" ? http::LinkScope::torrent : http::LinkScope::file;
  const auto link = key->sign_target(text.url, scope, http::unix_time(*lifetime));
  if (!link) {
    std::cerr << "seeder sign: " << link.error().message << "\n";
    return 2;
  }
  std::cout << *link << "\n";
  return 0;
}

int run_diagnose(DiagnoseText& text) {
  text.options.timeout = *parse_duration(text.timeout);
  text.options.download_bytes = *parse_size(text.download);
  spdlog::set_level(spdlog::level::warn);
  const bool json = text.json;
  const auto report = diagnose::run(text.options, [json](const diagnose::Event& event) {
    if (!json) std::cout << diagnose::render_event(event) << std::endl;
  });
  std::cout << (json ? diagnose::render_json(report) : diagnose::render_text(report));
  return report.exit_code;
}

}  // namespace

Result<Config> parse_serve_args(const std::vector<std::string>& args) {
  CLI::App app("serve");
  Config config;
  ServeText text;
  add_serve_options(app, config, text);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses a reversed vector
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& error) {
    return make_error(Errc::bad_request, error.what());
  }
  apply_text(config, text);
  if (auto checked = check_config(config); !checked) return checked.error();
  return config;
}

int run(int argc, char** argv) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  CLI::App app("seeder: stream BitTorrent content over HTTP", "seeder");
  app.formatter(std::make_shared<SwitchFormatter>());  // before the subcommands, which copy it
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);
  Config config;
  ServeText text;
  auto* serve_command = app.add_subcommand("serve", "run the HTTP gateway");
  add_serve_options(*serve_command, config, text);
  DiagnoseText diagnose_text;
  auto* diagnose_command = app.add_subcommand(
      "diagnose",
      "join one torrent's swarm and report, stage by stage, why it does or does not move");
  add_diagnose_options(*diagnose_command, diagnose_text);
  diagnose_command->footer(
      "Exit codes: 0 healthy; 2 bad input (no torrent, a bad flag); 3 no session (no listen "
      "socket); 4 no metadata; 5 no peer connected; 6 no data came. DHT, tracker and --download "
      "findings are warnings and change no exit code.");
  SignText sign_text;
  auto* sign_command = app.add_subcommand(
      "sign", "print a signed link to a file (or a torrent's files) that opens without a token");
  add_sign_options(*sign_command, sign_text);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& done) {  // --help, --help-all, --version derive from it
    return app.exit(done);
  } catch (const CLI::ParseError& error) {
    // One line and status 2, as the README says (CLI11's own exit codes are 100+).
    std::cerr << "seeder: " << error.what() << " (see --help)\n";
    return 2;
  }
  if (serve_command->parsed()) {
    apply_text(config, text);
    if (auto checked = check_config(config); !checked) {
      std::cerr << checked.error().message << "\n";
      return 2;
    }
    return serve(config, signals);
  }
  if (diagnose_command->parsed()) return run_diagnose(diagnose_text);
  if (sign_command->parsed()) return run_sign(sign_text);
  return 2;
}

}  // namespace seeder::app
