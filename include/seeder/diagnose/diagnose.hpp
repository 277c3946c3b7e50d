#pragma once
// `seeder diagnose`: answers "is it the swarm or us?" for one torrent. A temporary libtorrent
// session (its own listen sockets, DHT, trackers) joins the torrent and reports, as it learns
// them and with times since start: listening sockets, DHT nodes, each tracker's answer, the
// metadata, peers found and connected, the first useful data, the download rate; then libtorrent's
// raw state and one verdict per stage. Blocking; for the command line and tests.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "seeder/core/result.hpp"

namespace seeder::diagnose {

struct Options {
  std::string target;  // a magnet URI, a .torrent file, or an info-hash (hex or base32)
  std::chrono::milliseconds timeout{60'000};
  std::filesystem::path data_dir;  // where pieces go; empty: a temporary dir, removed after
  std::string listen = "0.0.0.0:0,[::]:0";
  bool dht = true;
  bool trackers = true;                     // the torrent's own (and --tracker ones)
  std::vector<std::string> extra_trackers;  // announce URLs
  std::vector<std::string> peers;           // IP:PORT dialled at once
  std::vector<std::string> dht_bootstrap;   // host:port; empty: libtorrent's defaults
  std::uint64_t download_bytes = 0;         // fetch this much of the first file (speed test)
  std::chrono::milliseconds progress_every{5'000};  // a "waiting" line after this long quiet
};

// The stages, in the order a torrent needs them; a failure's exit code is its stage's.
enum class Stage {
  input = 2,
  session = 3,
  metadata = 4,
  peers = 5,
  data = 6,
  dht,
  trackers,
  download
};
enum class Verdict { ok, warn, fail };

struct Event {
  double seconds = 0;  // since start
  std::string stage;   // "session", "dht", "tracker", "metadata", "peers", "data", "waiting"
  std::string message;
};

struct Check {
  Stage stage;
  Verdict verdict;
  std::string detail;
};

struct Report {
  std::string target;
  std::string info_hash;  // hex, when the input named one
  std::vector<Event> events;
  std::vector<Check> checks;
  std::map<std::string, std::string> state;  // libtorrent's torrent_status and trackers at the end
  int exit_code = 0;                         // 0 healthy, else the first failing Stage's number
  std::string cause;                         // one sentence: why it failed, or that it is healthy
};

// What a diagnosis saw, from which its one-sentence cause is decided.
struct Findings {
  bool listening = false;
  bool dht = false;            // asked for
  std::int64_t dht_nodes = 0;  // in the routing table at the end
  bool trackers_off = false;   // --no-trackers
  int trackers = 0;            // in the torrent (and --tracker), when trackers are on
  int trackers_answered = 0;
  int peers_known = 0;      // most at once
  int peers_connected = 0;  // distinct, self-connections and peers that dropped us left out
  int peers_dropped = 0;    // accepted the connection and closed it at once
  std::string drop_reason;  // the first such close, as libtorrent said it
  bool metadata = false;
  bool data = false;  // a verified piece arrived
};
std::string root_cause(const Findings& findings);

// Runs the diagnosis; `on_event` (optional) sees each event as it is learned.
Report run(const Options& options, const std::function<void(const Event&)>& on_event = {});

const char* stage_name(Stage stage);
const char* verdict_name(Verdict verdict);
// The report as text (events were printed live; this is the state and the verdicts) or JSON.
std::string render_text(const Report& report);
std::string render_json(const Report& report);
std::string render_event(const Event& event);

}  // namespace seeder::diagnose
