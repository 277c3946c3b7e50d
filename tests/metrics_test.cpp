// MetricSet: the Prometheus text exposition a scrape gets, family by family.
#include "seeder/metrics/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace seeder::metrics {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(MetricSet, FamiliesRenderInRegistrationOrderWithHelpAndType) {
  MetricSet metrics;
  auto& served = metrics.counter("a_served_total", "requests served");
  metrics.callback("b_torrents", "torrents loaded", MetricSet::Type::gauge, [] { return 3.0; });
  served.add(2);
  served.increment();
  const auto text = metrics.render();
  EXPECT_EQ(text,
            "# HELP a_served_total requests served\n"
            "# TYPE a_served_total counter\n"
            "a_served_total 3\n"
            "# HELP b_torrents torrents loaded\n"
            "# TYPE b_torrents gauge\n"
            "b_torrents 3\n");
}

// A label value can hold anything a client sent (a path, a method): quotes, backslashes and
// newlines are escaped so that one sample stays one line.
TEST(MetricSet, LabelValuesAreEscaped) {
  MetricSet metrics;
  auto& family = metrics.counter_family("c_total", "by path", {"path", "code"});
  family.with({"/a\"b\\c\nd", "200"}).increment();
  const auto text = metrics.render();
  EXPECT_TRUE(has_line(text, R"(c_total{path="/a\"b\\c\nd",code="200"} 1)")) << text;
}

TEST(MetricSet, AHistogramIsCumulativeWithInfSumAndCount) {
  MetricSet metrics;
  auto& latency = metrics.histogram("d_seconds", "latency", {0.1, 1});
  latency.observe(0.05);
  latency.observe(0.5);
  latency.observe(0.5);
  latency.observe(7);
  const auto text = metrics.render();
  EXPECT_TRUE(has_line(text, R"(d_seconds_bucket{le="0.1"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(d_seconds_bucket{le="1"} 3)")) << text;
  EXPECT_TRUE(has_line(text, R"(d_seconds_bucket{le="+Inf"} 4)")) << text;
  EXPECT_TRUE(has_line(text, "d_seconds_sum 8.05")) << text;
  EXPECT_TRUE(has_line(text, "d_seconds_count 4")) << text;
}

TEST(MetricSet, CallbacksAreReadAtEachScrape) {
  MetricSet metrics;
  double open = 1;
  metrics.callback("e_open", "open things", MetricSet::Type::gauge, [&open] { return open; });
  EXPECT_TRUE(has_line(metrics.render(), "e_open 1"));
  open = 2.5;
  EXPECT_TRUE(has_line(metrics.render(), "e_open 2.5"));
}

// Hot paths update from many threads at once: no increment is lost.
TEST(MetricSet, ConcurrentIncrementsAllCount) {
  MetricSet metrics;
  auto& family = metrics.counter_family("f_total", "by worker", {"worker"});
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&family] {
      for (int i = 0; i < 10'000; ++i)
        family.with({"shared"}).increment();
    });
  }
  for (auto& worker : workers)
    worker.join();
  EXPECT_TRUE(has_line(metrics.render(), R"(f_total{worker="shared"} 40000)"));
}

}  // namespace
}  // namespace seeder::metrics
