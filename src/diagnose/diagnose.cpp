#include "seeder/diagnose/diagnose.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <libtorrent/alert_types.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_stats.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>

#include "seeder/core/endpoint.hpp"
#include "seeder/core/info_hash.hpp"
#include "seeder/core/units.hpp"
#include "self_connections.hpp"
#include "setup.hpp"

namespace seeder::diagnose {
namespace lt = libtorrent;
namespace {

using Clock = std::chrono::steady_clock;

class Diagnosis {
 public:
  Diagnosis(const Options& options, const std::function<void(const Event&)>& on_event)
      : options_(options), on_event_(on_event), started_(Clock::now()) {}

  Report run() {
    report_.target = options_.target;
    auto params = params_for(options_.target);
    if (!params) {
      note("input", params.error().message);
      check(Stage::input, Verdict::fail, params.error().message);
      report_.cause = "The input is no torrent: " + params.error().message;
      return finish();
    }
    ScratchDir dir(options_.data_dir);
    if (dir.path().empty()) {
      check(Stage::input, Verdict::fail, "cannot create a temporary data dir");
      report_.cause = "No scratch directory could be made for the pieces (check --data-dir).";
      return finish();
    }
    describe_input(*params);
    session_ = std::make_unique<lt::session>(lt::session_params(settings_for(options_)));
    for (const auto& node : options_.dht_bootstrap) {
      const auto colon = node.rfind(':');
      if (colon != std::string::npos)
        session_->add_dht_node({node.substr(0, colon), std::atoi(node.c_str() + colon + 1)});
    }
    prepare(*params, dir.path());
    handle_ = session_->add_torrent(std::move(*params));
    // Added paused, resumed at once: resuming dials known peers immediately, where a plain add
    // waits for the next once-a-second connection tick (see the gateway's Registry).
    handle_.resume();
    if (handle_.torrent_file()) on_metadata("from the .torrent file");
    // A hopeless target is said at once: only the listen sockets are waited for.
    if (const auto why = hopeless(); !why.empty()) {
      note("peers", why + ": nothing can find a peer, so no wait");
      waited_ = std::min(options_.timeout, std::chrono::milliseconds(1'000));
    }
    loop();
    capture_state();
    judge();
    report_.cause = root_cause(findings());
    session_.reset();  // before the scratch dir goes
    return finish();
  }

 private:
  [[nodiscard]] double elapsed() const {
    return std::chrono::duration<double>(Clock::now() - started_).count();
  }

  void note(const std::string& stage, const std::string& message) {
    last_note_ = Clock::now();
    report_.events.push_back({elapsed(), stage, message});
    if (on_event_) on_event_(report_.events.back());
  }

  void check(Stage stage, Verdict verdict, std::string detail) {
    report_.checks.push_back({stage, verdict, std::move(detail)});
  }

  void describe_input(const lt::add_torrent_params& params) {
    const auto hash =
        params.ti ? params.ti->info_hashes().get_best() : params.info_hashes.get_best();
    std::ostringstream hex;
    hex << hash;
    report_.info_hash = hex.str();
    std::string what = "info-hash " + report_.info_hash;
    if (params.ti)
      what += ", \"" + params.ti->name() + "\", " +
              format_size(static_cast<std::uint64_t>(params.ti->total_size()));
    else if (!params.name.empty())
      what += ", \"" + params.name + "\"";
    what += ", " +
            std::to_string(params.ti ? params.ti->trackers().size() : params.trackers.size()) +
            " tracker(s)";
    note("input", what);
    check(Stage::input, Verdict::ok, what);
  }

  void prepare(lt::add_torrent_params& params, const std::filesystem::path& dir) {
    params.save_path = dir.string();
    params.flags &= ~lt::torrent_flags::auto_managed;
    params.flags |= lt::torrent_flags::paused;
    if (!options_.trackers) {
      params.trackers.clear();
      params.tracker_tiers.clear();
      if (params.ti) params.ti->clear_trackers();
    } else {
      for (const auto& url : options_.extra_trackers)
        params.trackers.push_back(url);
    }
    for (const auto& peer : options_.peers) {
      auto endpoint = parse_endpoint(peer);
      if (!endpoint) {
        note("input", "ignoring " + endpoint.error().message);
        continue;
      }
      params.peers.push_back(*endpoint);
    }
  }

  // Pieces fetched to test the data path: enough for --download, else the first piece.
  void on_metadata(const std::string& source) {
    if (metadata_at_ >= 0) return;
    metadata_at_ = elapsed();
    const auto info = handle_.torrent_file();
    if (!info) return;
    const auto& files = info->files();
    note("metadata", "have it (" + source + "): \"" + info->name() + "\", " +
                         format_size(static_cast<std::uint64_t>(info->total_size())) + ", " +
                         std::to_string(info->num_pieces()) + " pieces of " +
                         format_size(static_cast<std::uint64_t>(info->piece_length())) + ", " +
                         std::to_string(files.num_files()) + " file(s)");
    lt::file_index_t first_file{0};
    for (const auto index : files.file_range()) {
      if (!files.pad_file_at(index) && files.file_size(index) > 0) {
        first_file = index;
        break;
      }
    }
    const auto begin = files.file_offset(first_file);
    const auto length = std::min<std::int64_t>(
        std::max<std::int64_t>(static_cast<std::int64_t>(options_.download_bytes), 1),
        files.file_size(first_file));
    target_bytes_ = length;
    const int first_piece = static_cast<int>(begin / info->piece_length());
    const int last_piece = static_cast<int>((begin + length - 1) / info->piece_length());
    std::vector<lt::download_priority_t> priorities(static_cast<std::size_t>(info->num_pieces()),
                                                    lt::dont_download);
    for (int piece = first_piece; piece <= last_piece; ++piece) {
      priorities[static_cast<std::size_t>(piece)] = lt::top_priority;
      wanted_.insert(piece);
    }
    handle_.prioritize_pieces(priorities);
    requested_at_ = elapsed();
  }

  // Why no peer can ever be found (no tracker, the DHT off, no peer given, no web seed), or "".
  [[nodiscard]] std::string hopeless() const {
    if (options_.dht || !options_.peers.empty()) return {};
    if (options_.trackers && !handle_.trackers().empty()) return {};
    const auto info = handle_.torrent_file();
    if (info && !info->web_seeds().empty()) return {};
    return options_.trackers ? "no tracker and the DHT off" : "trackers and the DHT off";
  }

  void loop() {
    const auto deadline = started_ + waited_;
    auto next_poll = Clock::now();
    while (Clock::now() < deadline && !done()) {
      session_->wait_for_alert(std::chrono::milliseconds(100));
      std::vector<lt::alert*> alerts;
      session_->pop_alerts(&alerts);
      for (const auto* alert : alerts)
        on_alert(*alert);
      if (Clock::now() >= next_poll) {
        poll();
        next_poll = Clock::now() + std::chrono::seconds(1);
      }
      if (Clock::now() - last_note_ >= options_.progress_every) report_waiting();
    }
    if (!done()) note("end", "time is up after " + format_duration(waited_));
    await_trackers(deadline);
  }

  // The data can come (from a --peer or the magnet's) before a tracker's first answer: its
  // verdict would then say "not answered" of a tracker that was about to. Give the trackers
  // still out a little longer, within the deadline.
  void await_trackers(Clock::time_point deadline) {
    const auto grace = std::min(deadline, Clock::now() + std::chrono::seconds(3));
    while (Clock::now() < grace && trackers_out() > 0) {
      session_->wait_for_alert(std::chrono::milliseconds(100));
      std::vector<lt::alert*> alerts;
      session_->pop_alerts(&alerts);
      for (const auto* alert : alerts)
        on_alert(*alert);
    }
  }

  // Trackers of the torrent that neither answered nor failed yet.
  [[nodiscard]] std::size_t trackers_out() const {
    if (!handle_.is_valid()) return 0;
    std::size_t out = 0;
    for (const auto& tracker : handle_.trackers())
      out += tracker_ok_.count(tracker.url) == 0 && tracker_failed_.count(tracker.url) == 0 ? 1 : 0;
    return out;
  }

  // Nothing learned for a while: says what it is still waiting with, so a dead hash is not
  // silent until the timeout.
  void report_waiting() {
    std::string what = "still waiting: " + std::to_string(known_) + " peer(s) known, " +
                       std::to_string(peers_) + " connected";
    if (options_.dht) what += ", " + std::to_string(dht_nodes_) + " DHT node(s)";
    if (options_.trackers) {
      const auto trackers = handle_.trackers().size();
      what += trackers == 0 ? ", no tracker"
                            : ", trackers " + std::to_string(tracker_ok_.size()) + " of " +
                                  std::to_string(trackers) + " answered";
    }
    note("waiting", what);
  }

  bool on_disconnect_from_self(const lt::tcp::endpoint& peer, const lt::error_code& error) {
    if (!selves_.on_disconnect(peer, error)) return false;
    if (!self_noted_) note("peers", "ignoring a connection to ourselves (" + endpoint(peer) + ")");
    self_noted_ = true;
    return true;
  }

  // Peers connected during the run, self-connections left out: the distinct ones seen, or the
  // most polled at once (which can include a self-connection not yet dropped).
  [[nodiscard]] int peers_connected() const {
    // Once data came, a peer that dropped us earlier may be the one that sent it.
    const bool drops_count = first_data_at_ < 0;
    int real = 0;
    for (const auto& [peer, at] : connected_at_)
      real += selves_.is_self(peer) || (drops_count && dropped_.count(peer) != 0) ? 0 : 1;
    const int drops = drops_count ? static_cast<int>(dropped_.size()) : 0;
    return std::max(real, max_peers_ - selves_.dials() - drops);
  }

  // A peer that closes a connection it just accepted (an EOF within a second, before any data)
  // was never a peer of this torrent: it does not have it, or refuses us.
  void note_drop(const lt::tcp::endpoint& peer, const lt::error_code& error) {
    constexpr auto kAtOnce = std::chrono::seconds(1);
    const auto at = connected_at_.find(peer);
    const bool at_once = at == connected_at_.end() || Clock::now() - at->second < kAtOnce;
    if (!error || error == lt::errors::torrent_finished || !at_once || first_data_at_ >= 0) return;
    if (dropped_.insert(peer).second && drop_reason_.empty()) drop_reason_ = error.message();
  }

  // Without --download any verified piece proves the data path; with it, the wanted ones.
  [[nodiscard]] bool done() const {
    if (metadata_at_ < 0) return false;
    if (options_.download_bytes == 0) return first_data_at_ >= 0;
    return !wanted_.empty() && finished_.size() == wanted_.size();
  }

  // Priorities given right as metadata arrives can be lost while libtorrent initialises the
  // torrent (seen: the torrent "finished" with the wanted piece at priority 0): asked again on
  // every poll until the wanted pieces are in.
  void want_again() {
    for (const int piece : wanted_) {
      if (finished_.count(piece) != 0) continue;
      handle_.piece_priority(lt::piece_index_t(piece), lt::top_priority);
    }
  }

  void on_alert(const lt::alert& alert) {
    if (const auto* a = lt::alert_cast<lt::listen_succeeded_alert>(&alert)) {
      ++listening_;
      selves_.on_listening(a->address, a->port);
      note("session", "listening on " + a->address.to_string() + ":" + std::to_string(a->port) +
                          " (" + (a->socket_type == lt::socket_type_t::tcp ? "TCP" : "uTP") + ")");
    } else if (const auto* a = lt::alert_cast<lt::listen_failed_alert>(&alert)) {
      note("session", "cannot listen on " + a->address.to_string() + ":" + std::to_string(a->port) +
                          ": " + a->error.message());
    } else if (const auto* a = lt::alert_cast<lt::add_torrent_alert>(&alert)) {
      if (a->error) note("input", "libtorrent refused the torrent: " + a->error.message());
    } else if (const auto* a = lt::alert_cast<lt::tracker_reply_alert>(&alert)) {
      tracker_ok_.insert(a->tracker_url());
      note("tracker",
           std::string(a->tracker_url()) + ": " + std::to_string(a->num_peers) + " peer(s)");
    } else if (const auto* a = lt::alert_cast<lt::tracker_error_alert>(&alert)) {
      // A listen socket that cannot reach the tracker (IPv6 to an IPv4-only host) skips it:
      // not the tracker failing.
      if (a->error == lt::errors::announce_skipped) return;
      tracker_failed_.insert(a->tracker_url());
      std::string reason = a->failure_reason();
      note("tracker",
           std::string(a->tracker_url()) + ": " + (reason.empty() ? a->error.message() : reason));
    } else if (const auto* a = lt::alert_cast<lt::tracker_warning_alert>(&alert)) {
      note("tracker", std::string(a->tracker_url()) + ": warning: " + a->warning_message());
    } else if (const auto* a = lt::alert_cast<lt::scrape_reply_alert>(&alert)) {
      note("tracker", std::string(a->tracker_url()) + ": " + std::to_string(a->complete) +
                          " seed(s), " + std::to_string(a->incomplete) + " leecher(s)");
    } else if (const auto* a = lt::alert_cast<lt::dht_reply_alert>(&alert)) {
      note("dht", std::to_string(a->num_peers) + " peer(s) from the DHT");
    } else if (lt::alert_cast<lt::dht_bootstrap_alert>(&alert) != nullptr) {
      note("dht", "bootstrapped");
    } else if (lt::alert_cast<lt::metadata_received_alert>(&alert) != nullptr) {
      on_metadata("received from peers after " + fixed(elapsed()) + " s");
    } else if (const auto* a = lt::alert_cast<lt::metadata_failed_alert>(&alert)) {
      note("metadata", "a peer sent bad metadata: " + a->error.message());
    } else if (const auto* a = lt::alert_cast<lt::peer_connect_alert>(&alert)) {
      // Posted once a connection is up (handshake passed, or our dial succeeded).
      const bool first = connected_at_.insert_or_assign(a->endpoint, Clock::now()).second;
      if (first && connected_at_.size() <= 10)
        note("peers", "connected to " + endpoint(a->endpoint));
    } else if (const auto* a = lt::alert_cast<lt::peer_disconnected_alert>(&alert)) {
      if (on_disconnect_from_self(a->endpoint, a->error)) return;
      note_drop(a->endpoint, a->error);
      // Seeds leave a torrent that wants nothing more: that is the test ending, not a fault.
      if (a->error && a->error != lt::errors::torrent_finished && disconnect_notes_++ < 5)
        note("peers", "disconnected from " + endpoint(a->endpoint) + ": " + a->error.message());
    } else if (const auto* a = lt::alert_cast<lt::piece_finished_alert>(&alert)) {
      on_piece(static_cast<int>(a->piece_index));
    } else if (const auto* a = lt::alert_cast<lt::session_stats_alert>(&alert)) {
      static const int nodes_metric = lt::find_metric_idx("dht.dht_nodes");
      const auto nodes = nodes_metric >= 0 ? a->counters()[nodes_metric] : 0;
      if (nodes != dht_nodes_) note("dht", std::to_string(nodes) + " node(s) in the routing table");
      dht_nodes_ = nodes;
    } else if (const auto* a = lt::alert_cast<lt::torrent_error_alert>(&alert)) {
      note("data", "torrent error: " + a->error.message());
    }
  }

  void on_piece(int piece) {
    if (first_data_at_ < 0) {
      poll();  // the peers that delivered it, before a finished torrent lets them go
      first_data_at_ = elapsed();
      note("data", "first verified piece (" + std::to_string(piece) + ") after " +
                       fixed(first_data_at_) + " s");
    }
    if (wanted_.count(piece) == 0 || !finished_.insert(piece).second) return;
    if (finished_.size() == wanted_.size()) {
      poll();
      download_seconds_ = elapsed() - requested_at_;
      if (options_.download_bytes > 0) {
        note("data", format_size(static_cast<std::uint64_t>(target_bytes_)) +
                         " of the first file in " + fixed(download_seconds_) + " s (" +
                         rate(target_bytes_, download_seconds_) + ")");
      }
    }
  }

  void poll() {
    if (options_.dht) session_->post_session_stats();
    want_again();
    const auto status = handle_.status();
    if (status.num_peers != peers_ || status.num_seeds != seeds_ || status.list_peers != known_) {
      note("peers", std::to_string(status.num_peers) + " connected (" +
                        std::to_string(status.num_seeds) + " seed(s)), " +
                        std::to_string(status.list_peers) + " known; downloading " +
                        rate(status.download_payload_rate, 1));
    }
    peers_ = status.num_peers;
    seeds_ = status.num_seeds;
    known_ = status.list_peers;
    max_peers_ = std::max(max_peers_, peers_);
    // Seeds in the peer list were seen as seeds (their bitfield said so) even when the
    // connection was gone by the poll.
    max_seeds_ = std::max({max_seeds_, seeds_, status.list_seeds});
    max_known_ = std::max(max_known_, known_);
  }

  void capture_state() {
    const auto status = handle_.status();
    poll();
    auto& state = report_.state;
    static const char* const kStates[] = {
        "unused",  "checking_files", "downloading_metadata", "downloading", "finished",
        "seeding", "unused",         "checking_resume_data"};
    const auto index = static_cast<std::size_t>(status.state);
    state["state"] = index < std::size(kStates) ? kStates[index] : std::to_string(index);
    state["has_metadata"] = status.has_metadata ? "true" : "false";
    state["paused"] = (status.flags & lt::torrent_flags::paused) ? "true" : "false";
    state["error"] = status.errc ? status.errc.message() : "";
    state["num_peers"] = std::to_string(status.num_peers);
    state["num_seeds"] = std::to_string(status.num_seeds);
    state["list_peers"] = std::to_string(status.list_peers);
    state["list_seeds"] = std::to_string(status.list_seeds);
    state["connect_candidates"] = std::to_string(status.connect_candidates);
    state["num_complete"] = std::to_string(status.num_complete);
    state["num_incomplete"] = std::to_string(status.num_incomplete);
    state["download_payload_rate"] = std::to_string(status.download_payload_rate);
    state["total_payload_download"] = std::to_string(status.total_payload_download);
    state["num_pieces"] = std::to_string(status.num_pieces);
    state["progress_ppm"] = std::to_string(status.progress_ppm);
    state["announcing_to_trackers"] = status.announcing_to_trackers ? "true" : "false";
    state["announcing_to_dht"] = status.announcing_to_dht ? "true" : "false";
    state["current_tracker"] = status.current_tracker;
    state["dht_running"] = session_->is_dht_running() ? "true" : "false";
    state["dht_nodes"] = std::to_string(dht_nodes_);
    for (const auto& tracker : handle_.trackers()) {
      std::string message;
      for (const auto& endpoint : tracker.endpoints) {
        const auto& v1 = endpoint.info_hashes[lt::protocol_version::V1];
        if (v1.last_error == lt::errors::announce_skipped) continue;  // not this socket's job
        if (v1.last_error)
          message = v1.last_error.message();
        else if (!v1.message.empty())
          message = v1.message;
      }
      state["tracker " + tracker.url] = message.empty() ? "no error" : message;
    }
  }

  void judge() {
    check(Stage::session, listening_ > 0 ? Verdict::ok : Verdict::fail,
          listening_ > 0 ? std::to_string(listening_) + " listen socket(s)" : "no listen socket");
    if (!options_.dht) {
      check(Stage::dht, Verdict::ok, "off");
    } else {
      check(Stage::dht, dht_nodes_ > 0 ? Verdict::ok : Verdict::warn,
            std::to_string(dht_nodes_) + " node(s)");
    }
    const auto trackers = handle_.trackers().size();
    if (!options_.trackers) {
      check(Stage::trackers, Verdict::ok, "off");
    } else if (trackers == 0) {
      check(Stage::trackers, Verdict::warn, "none in the torrent: only the DHT and peers given");
    } else {
      // One verdict per tracker: answered on any socket, else failed on one, else silent.
      std::size_t failed = 0;
      for (const auto& url : tracker_failed_)
        failed += tracker_ok_.count(url) == 0 ? 1 : 0;
      check(Stage::trackers, tracker_ok_.empty() ? Verdict::warn : Verdict::ok,
            std::to_string(tracker_ok_.size()) + " of " + std::to_string(trackers) + " answered, " +
                std::to_string(failed) + " failed");
    }
    if (metadata_at_ >= 0) {
      check(Stage::metadata, Verdict::ok, "after " + fixed(metadata_at_) + " s");
    } else {
      check(Stage::metadata, Verdict::fail,
            "not received within " + format_duration(waited_) + " (" + std::to_string(max_known_) +
                " peer(s) known, " + std::to_string(max_peers_) + " connected)");
    }
    const auto connected = static_cast<std::size_t>(peers_connected());
    if (connected > 0) {
      check(Stage::peers, max_seeds_ > 0 || first_data_at_ >= 0 ? Verdict::ok : Verdict::warn,
            std::to_string(connected) + " connected, " + std::to_string(max_seeds_) +
                " seed(s) seen at once" +
                (max_seeds_ == 0 && first_data_at_ < 0 ? ", no data from any" : ""));
    } else {
      check(Stage::peers, Verdict::fail,
            max_known_ > 0 ? std::to_string(max_known_) + " known, none would connect"
                           : "none found");
    }
    if (first_data_at_ >= 0) {
      check(Stage::data, Verdict::ok, "first verified piece after " + fixed(first_data_at_) + " s");
    } else {
      check(Stage::data, Verdict::fail, "no verified piece arrived");
    }
    if (options_.download_bytes > 0) {
      const bool complete = !wanted_.empty() && finished_.size() == wanted_.size();
      check(Stage::download, complete ? Verdict::ok : Verdict::warn,
            complete ? rate(target_bytes_, download_seconds_)
                     : std::to_string(finished_.size()) + " of " + std::to_string(wanted_.size()) +
                           " piece(s)");
    }
  }

  Report finish() {
    for (const auto& c : report_.checks) {
      if (c.verdict != Verdict::fail) continue;
      const int code = static_cast<int>(c.stage);
      if (code >= 2 && code <= 6 && (report_.exit_code == 0 || code < report_.exit_code))
        report_.exit_code = code;
    }
    return report_;
  }

  [[nodiscard]] Findings findings() const {
    Findings seen;
    seen.listening = listening_ > 0;
    seen.dht = options_.dht;
    seen.dht_nodes = dht_nodes_;
    seen.trackers_off = !options_.trackers;
    if (options_.trackers) seen.trackers = static_cast<int>(handle_.trackers().size());
    seen.trackers_answered = static_cast<int>(tracker_ok_.size());
    seen.peers_known = max_known_;
    seen.peers_connected = peers_connected();
    seen.peers_dropped = static_cast<int>(dropped_.size());
    seen.drop_reason = drop_reason_;
    seen.metadata = metadata_at_ >= 0;
    seen.data = first_data_at_ >= 0;
    return seen;
  }

  static std::string fixed(double seconds) {
    std::ostringstream out;
    out.precision(2);
    out << std::fixed << seconds;
    return out.str();
  }
  static std::string rate(std::int64_t bytes, double seconds) {
    if (seconds <= 0) return "-";
    return format_size(static_cast<std::uint64_t>(static_cast<double>(bytes) / seconds)) + "/s";
  }
  static std::string endpoint(const lt::tcp::endpoint& at) {
    return at.address().to_string() + ":" + std::to_string(at.port());
  }

  const Options& options_;
  const std::function<void(const Event&)>& on_event_;
  Clock::time_point started_;
  Report report_;
  std::unique_ptr<lt::session> session_;
  lt::torrent_handle handle_;
  int listening_ = 0;
  std::int64_t dht_nodes_ = 0;
  std::set<std::string> tracker_ok_, tracker_failed_;
  double metadata_at_ = -1, first_data_at_ = -1, requested_at_ = 0, download_seconds_ = 0;
  std::set<int> wanted_, finished_;
  std::int64_t target_bytes_ = 0;
  int peers_ = 0, seeds_ = 0, known_ = 0, max_peers_ = 0, max_seeds_ = 0, max_known_ = 0;
  std::chrono::milliseconds waited_ = options_.timeout;  // for the data: shorter when hopeless
  // Peers connected during the run, and when each last connected.
  std::map<lt::tcp::endpoint, Clock::time_point> connected_at_;
  std::set<lt::tcp::endpoint> dropped_;  // closed a connection they had just accepted
  std::string drop_reason_;
  SelfConnections selves_;
  bool self_noted_ = false;
  int disconnect_notes_ = 0;
  Clock::time_point last_note_ = Clock::now();
};

}  // namespace

Report run(const Options& options, const std::function<void(const Event&)>& on_event) {
  return Diagnosis(options, on_event).run();
}

}  // namespace seeder::diagnose
