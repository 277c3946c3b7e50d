// The diagnosis report: its one-sentence cause, and the report as text and as JSON.
#include <gtest/gtest.h>

#include "json_value.hpp"
#include "seeder/diagnose/diagnose.hpp"

namespace seeder::test {
namespace {

using diagnose::Stage;
using diagnose::Verdict;

TEST(RootCause, NamesTheFirstThingThatStoppedTheTorrent) {
  diagnose::Findings seen;
  EXPECT_NE(diagnose::root_cause(seen).find("listen socket"), std::string::npos);
  seen.listening = true;
  seen.dht = true;
  EXPECT_NE(diagnose::root_cause(seen).find("no tracker and the DHT has no node"),
            std::string::npos);
  seen.dht = false;
  EXPECT_NE(diagnose::root_cause(seen).find("no tracker and the DHT is off"), std::string::npos);
  seen.dht = true;
  seen.trackers = 2;
  EXPECT_NE(diagnose::root_cause(seen).find("no tracker answered"), std::string::npos);
  seen.trackers_answered = 1;
  EXPECT_NE(diagnose::root_cause(seen).find("Nobody has this torrent"), std::string::npos);
  seen.peers_known = 3;
  EXPECT_NE(diagnose::root_cause(seen).find("none accepted a connection"), std::string::npos);
  seen.peers_connected = 2;
  EXPECT_NE(diagnose::root_cause(seen).find("never sent the metadata"), std::string::npos);
  seen.metadata = true;
  EXPECT_NE(diagnose::root_cause(seen).find("sent no data"), std::string::npos);
  seen.data = true;
  EXPECT_EQ(diagnose::root_cause(seen).rfind("Healthy", 0), 0u);
  seen.peers_connected = 0;
  EXPECT_EQ(diagnose::root_cause(seen).find("Healthy"), std::string::npos);
  diagnose::Findings off;
  off.listening = true;
  off.trackers_off = true;
  EXPECT_NE(diagnose::root_cause(off).find("trackers are off and the DHT is off"),
            std::string::npos);
}

// A report that failed at the metadata stage, with state and two checks.
diagnose::Report report_failed_at_metadata() {
  diagnose::Report report;
  report.target = "magnet:?xt=urn:btih:" + std::string(40, 'd');
  report.info_hash = std::string(40, 'd');
  report.events = {{0.25, "session", "listening on 127.0.0.1:6881"},
                   {12.5, "waiting", "no peer \"yet\""}};
  report.checks = {{Stage::session, Verdict::ok, "listening"},
                   {Stage::metadata, Verdict::fail, "no metadata within 20 s"}};
  report.state = {{"state", "downloading_metadata"}, {"num_peers", "0"}};
  report.exit_code = static_cast<int>(Stage::metadata);
  report.cause = "Nothing found peers.";
  return report;
}

TEST(ReportTest, AnEventLineStartsWithItsTimeInAFixedWidth) {
  EXPECT_EQ(diagnose::render_event({1.5, "tracker", "answered"}), "[   1.50s] tracker: answered");
  EXPECT_EQ(diagnose::render_event({123.456, "peers", "3 known"}), "[ 123.46s] peers: 3 known");
}

TEST(ReportTest, AFailedReportNamesItsStageExitCodeAndCause) {
  const auto text = diagnose::render_text(report_failed_at_metadata());
  EXPECT_NE(
      text.find("libtorrent state at the end:\n  num_peers = 0\n  state = downloading_metadata\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("  ok    session   listening\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  fail  metadata  no metadata within 20 s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("failed at stage 'metadata' (exit code 4)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("cause: Nothing found peers.\n"), std::string::npos) << text;
}

TEST(ReportTest, AHealthyReportSaysSoWithoutACause) {
  auto report = report_failed_at_metadata();
  report.exit_code = 0;
  report.cause = "Healthy: peers were found.";
  const auto text = diagnose::render_text(report);
  EXPECT_NE(text.find("healthy: the swarm delivers data\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("cause:"), std::string::npos) << text;
  EXPECT_EQ(text.find("failed at stage"), std::string::npos) << text;
}

TEST(ReportTest, BadInputShowsNoLibtorrentStateHeading) {
  diagnose::Report report;
  report.checks = {{Stage::input, Verdict::fail, "not a magnet link"}};
  report.exit_code = static_cast<int>(Stage::input);
  const auto text = diagnose::render_text(report);
  EXPECT_EQ(text.find("libtorrent state"), std::string::npos) << text;
  EXPECT_NE(text.find("failed at stage 'input' (exit code 2)"), std::string::npos) << text;
}

TEST(ReportTest, TheJsonReportIsOneDocumentWithEveryPart) {
  const auto json = diagnose::render_json(report_failed_at_metadata());
  ASSERT_EQ(json.back(), '\n');
  EXPECT_EQ(json.find('\n'), json.size() - 1) << "one line";
  const auto doc = parse_json(json);
  EXPECT_EQ(doc.at("target").string, "magnet:?xt=urn:btih:" + std::string(40, 'd'));
  EXPECT_EQ(doc.at("info_hash").string, std::string(40, 'd'));
  ASSERT_EQ(doc.at("events").array.size(), 2u);
  EXPECT_EQ(doc.at("events").array[1].at("message").string, "no peer \"yet\"");
  EXPECT_EQ(doc.at("events").array[1].at("seconds").number, 12.5);
  ASSERT_EQ(doc.at("checks").array.size(), 2u);
  EXPECT_EQ(doc.at("checks").array[1].at("stage").string, "metadata");
  EXPECT_EQ(doc.at("checks").array[1].at("verdict").string, "fail");
  EXPECT_EQ(doc.at("state").at("num_peers").string, "0");
  EXPECT_EQ(doc.at("exit_code").integer(), 4);
  EXPECT_EQ(doc.at("cause").string, "Nothing found peers.");
}

TEST(ReportTest, EveryStageAndVerdictHasItsName) {
  EXPECT_STREQ(diagnose::stage_name(Stage::input), "input");
  EXPECT_STREQ(diagnose::stage_name(Stage::session), "session");
  EXPECT_STREQ(diagnose::stage_name(Stage::peers), "peers");
  EXPECT_STREQ(diagnose::stage_name(Stage::data), "data");
  EXPECT_STREQ(diagnose::stage_name(Stage::dht), "dht");
  EXPECT_STREQ(diagnose::stage_name(Stage::trackers), "trackers");
  EXPECT_STREQ(diagnose::stage_name(Stage::download), "download");
  EXPECT_STREQ(diagnose::verdict_name(Verdict::ok), "ok");
  EXPECT_STREQ(diagnose::verdict_name(Verdict::warn), "warn");
  EXPECT_STREQ(diagnose::verdict_name(Verdict::fail), "fail");
}

}  // namespace
}  // namespace seeder::test
