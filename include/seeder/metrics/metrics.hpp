#pragma once
// Metrics: a Prometheus text-format metric set (MetricSet) without a client library. Two kinds of
// families:
//   - instruments owned here and updated on hot paths with atomics (labelled counters,
//     histograms);
//   - callbacks read at scrape time, for figures other modules already keep (torrent counts,
//     bytes on disk, libtorrent's session counters).
// Thread-safe. Names follow Prometheus conventions; callers pick them.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "seeder/core/mutex.hpp"

namespace seeder::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  Labels labels;
  double value = 0;
};

// A monotonically rising value.
class Counter {
 public:
  void add(double amount);
  void increment() { add(1); }
  [[nodiscard]] double value() const { return value_.load(); }

 private:
  std::atomic<double> value_{0};
};

// A counter per label set, created on first use.
class CounterFamily {
 public:
  explicit CounterFamily(std::vector<std::string> label_names);
  Counter& with(const std::vector<std::string>& label_values);
  [[nodiscard]] std::vector<Sample> samples() const;

 private:
  std::vector<std::string> names_;
  mutable Mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Counter>> counters_ GUARDED_BY(mutex_);
};

class Histogram {
 public:
  // Upper bounds, ascending; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  // Buckets as cumulative samples with "le", then _sum and _count, rendered under `name`.
  [[nodiscard]] std::string render(const std::string& name) const;

  // Exponential bounds: start, start*factor, ... (count of them).
  static std::vector<double> exponential(double start, double factor, int count);

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // one per bound, plus +Inf
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

class MetricSet {
 public:
  enum class Type { counter, gauge };

  Counter& counter(const std::string& name, const std::string& help);
  CounterFamily& counter_family(const std::string& name, const std::string& help,
                                std::vector<std::string> label_names);
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<double> bounds);
  // A family whose samples are read by `read` at each scrape.
  void callback(const std::string& name, const std::string& help, Type type,
                std::function<std::vector<Sample>()> read);
  // Shorthand for one unlabelled value.
  void callback(const std::string& name, const std::string& help, Type type,
                std::function<double()> read);

  // The text exposition format (version 0.0.4), families in registration order.
  [[nodiscard]] std::string render() const;

 private:
  struct Family {
    std::string name;
    std::string help;
    std::string type;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<CounterFamily> counters;
    std::unique_ptr<Histogram> histogram;
    std::function<std::vector<Sample>()> read;
  };
  Family& add(const std::string& name, const std::string& help, std::string type);

  mutable Mutex mutex_;
  std::vector<std::unique_ptr<Family>> families_ GUARDED_BY(mutex_);  // the list, not values
};

}  // namespace seeder::metrics
