#include <cstdio>

#include "seeder/core/json.hpp"
#include "seeder/diagnose/diagnose.hpp"

namespace seeder::diagnose {

const char* stage_name(Stage stage) {
  switch (stage) {
    case Stage::input:
      return "input";
    case Stage::session:
      return "session";
    case Stage::metadata:
      return "metadata";
    case Stage::peers:
      return "peers";
    case Stage::data:
      return "data";
    case Stage::dht:
      return "dht";
    case Stage::trackers:
      return "trackers";
    case Stage::download:
      return "download";
  }
  return "?";
}

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::ok:
      return "ok";
    case Verdict::warn:
      return "warn";
    case Verdict::fail:
      return "fail";
  }
  return "?";
}

std::string root_cause(const Findings& seen) {
  if (!seen.listening)
    return "No listen socket could be opened, so no peer can connect (check --bt-listen).";
  if (seen.data && seen.peers_connected > 0)
    return "Healthy: peers were found, connected and delivered verified data.";
  if (seen.data) return "Data arrived, but from no peer that stayed connected (web seeds?).";
  const bool dht_useful = seen.dht && seen.dht_nodes > 0;
  const std::string no_dht = seen.dht ? "the DHT has no node" : "the DHT is off";
  const std::string no_tracker =
      seen.trackers_off ? "trackers are off" : "the torrent names no tracker";
  if (seen.peers_known == 0) {
    if (seen.trackers == 0 && !dht_useful)
      return "Nothing can find peers: " + no_tracker + " and " + no_dht + ".";
    if (seen.trackers_answered == 0 && !dht_useful)
      return "Nothing found peers: no tracker answered and " + no_dht + ".";
    return "Nobody has this torrent: the trackers and the DHT that answered know no peer.";
  }
  if (seen.peers_connected == 0 && seen.peers_dropped > 0)
    return "Peers accepted the connection and closed it at once (" + seen.drop_reason +
           "): they do not have this torrent, or refuse this client.";
  if (seen.peers_connected == 0)
    return "Peers were found but none accepted a connection (gone, firewalled, or full).";
  if (!seen.metadata)
    return "Connected peers never sent the metadata (they may not have it, or refuse it).";
  return "Connected peers sent no data: none has the pieces, or every one keeps us choked.";
}

std::string render_event(const Event& event) {
  char time[32];
  std::snprintf(time, sizeof time, "[%7.2fs] ", event.seconds);
  return time + event.stage + ": " + event.message;
}

std::string render_text(const Report& report) {
  std::string out;
  // Bad input never reached libtorrent: no state to show.
  if (!report.state.empty()) out += "\nlibtorrent state at the end:\n";
  for (const auto& [key, value] : report.state)
    out += "  " + key + " = " + value + "\n";
  out += "\nverdict:\n";
  for (const auto& check : report.checks) {
    char line[64];
    std::snprintf(line, sizeof line, "  %-5s %-9s ", verdict_name(check.verdict),
                  stage_name(check.stage));
    out += line + check.detail + "\n";
  }
  if (report.exit_code == 0) {
    out += "healthy: the swarm delivers data\n";
  } else {
    out += "failed at stage '" + std::string(stage_name(static_cast<Stage>(report.exit_code))) +
           "' (exit code " + std::to_string(report.exit_code) + ")\n";
  }
  if (report.exit_code != 0 && !report.cause.empty()) out += "cause: " + report.cause + "\n";
  return out;
}

std::string render_json(const Report& report) {
  JsonWriter json;
  json.begin_object().key("target").value(report.target).key("info_hash").value(report.info_hash);
  json.key("events").begin_array();
  for (const auto& event : report.events) {
    json.begin_object()
        .key("seconds")
        .value(event.seconds)
        .key("stage")
        .value(event.stage)
        .key("message")
        .value(event.message)
        .end_object();
  }
  json.end_array().key("checks").begin_array();
  for (const auto& check : report.checks) {
    json.begin_object()
        .key("stage")
        .value(stage_name(check.stage))
        .key("verdict")
        .value(verdict_name(check.verdict))
        .key("detail")
        .value(check.detail)
        .end_object();
  }
  json.end_array().key("state").begin_object();
  for (const auto& [key, value] : report.state)
    json.key(key).value(value);
  json.end_object().key("exit_code").value(report.exit_code);
  json.key("cause").value(report.cause).end_object();
  return json.take() + "\n";
}

}  // namespace seeder::diagnose
