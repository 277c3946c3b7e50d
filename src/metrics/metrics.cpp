#include "seeder/metrics/metrics.hpp"

#include <cmath>
#include <stdexcept>

#include <spdlog/fmt/fmt.h>

namespace seeder::metrics {
namespace {

void add_atomic(std::atomic<double>& target, double amount) {
  auto current = target.load();
  while (!target.compare_exchange_weak(current, current + amount)) {
  }
}

std::string escape_label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  if (value == std::floor(value) && std::fabs(value) < 1e15)
    return fmt::format("{}", static_cast<long long>(value));
  return fmt::format("{}", value);
}

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].first + "=\"" + escape_label(labels[i].second) + "\"";
  }
  return out + "}";
}

void render_sample(std::string& out, const std::string& name, const Sample& sample) {
  out += name + render_labels(sample.labels) + " " + format_value(sample.value) + "\n";
}

}  // namespace

void Counter::add(double amount) {
  if (amount > 0) add_atomic(value_, amount);
}

CounterFamily::CounterFamily(std::vector<std::string> label_names)
    : names_(std::move(label_names)) {}

Counter& CounterFamily::with(const std::vector<std::string>& label_values) {
  if (label_values.size() != names_.size())
    throw std::invalid_argument("metrics: wrong number of label values");
  LockGuard lock(mutex_);
  auto& slot = counters_[label_values];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

std::vector<Sample> CounterFamily::samples() const {
  LockGuard lock(mutex_);
  std::vector<Sample> out;
  for (const auto& [values, counter] : counters_) {
    Sample sample;
    for (std::size_t i = 0; i < names_.size(); ++i)
      sample.labels.emplace_back(names_[i], values[i]);
    sample.value = counter->value();
    out.push_back(std::move(sample));
  }
  return out;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double value) {
  std::size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket])
    ++bucket;
  ++counts_[bucket];
  add_atomic(sum_, value);
  ++count_;
}

std::string Histogram::render(const std::string& name) const {
  std::string out;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load();
    const auto le = i < bounds_.size() ? format_value(bounds_[i]) : std::string("+Inf");
    out.append(name).append("_bucket{le=\"").append(le).append("\"} ");
    out.append(std::to_string(cumulative)).append("\n");
  }
  out += name + "_sum " + format_value(sum_.load()) + "\n";
  out += name + "_count " + std::to_string(count_.load()) + "\n";
  return out;
}

std::vector<double> Histogram::exponential(double start, double factor, int count) {
  std::vector<double> bounds;
  double bound = start;
  for (int i = 0; i < count; ++i, bound *= factor)
    bounds.push_back(bound);
  return bounds;
}

MetricSet::Family& MetricSet::add(const std::string& name, const std::string& help,
                                  std::string type) {
  LockGuard lock(mutex_);
  for (const auto& family : families_) {
    if (family->name == name) throw std::invalid_argument("metrics: " + name + " registered twice");
  }
  families_.push_back(std::make_unique<Family>());
  auto& family = *families_.back();
  family.name = name;
  family.help = help;
  family.type = std::move(type);
  return family;
}

Counter& MetricSet::counter(const std::string& name, const std::string& help) {
  auto& family = add(name, help, "counter");
  family.counter = std::make_unique<Counter>();
  return *family.counter;
}

CounterFamily& MetricSet::counter_family(const std::string& name, const std::string& help,
                                         std::vector<std::string> label_names) {
  auto& family = add(name, help, "counter");
  family.counters = std::make_unique<CounterFamily>(std::move(label_names));
  return *family.counters;
}

Histogram& MetricSet::histogram(const std::string& name, const std::string& help,
                                std::vector<double> bounds) {
  auto& family = add(name, help, "histogram");
  family.histogram = std::make_unique<Histogram>(std::move(bounds));
  return *family.histogram;
}

void MetricSet::callback(const std::string& name, const std::string& help, Type type,
                         std::function<std::vector<Sample>()> read) {
  add(name, help, type == Type::counter ? "counter" : "gauge").read = std::move(read);
}

void MetricSet::callback(const std::string& name, const std::string& help, Type type,
                         std::function<double()> read) {
  callback(name, help, type, [read = std::move(read)] {
    return std::vector<Sample>{Sample{{}, read()}};
  });
}

std::string MetricSet::render() const {
  LockGuard lock(mutex_);
  std::string out;
  for (const auto& family : families_) {
    out += "# HELP " + family->name + " " + family->help + "\n";
    out += "# TYPE " + family->name + " " + family->type + "\n";
    if (family->counter) render_sample(out, family->name, {{}, family->counter->value()});
    if (family->counters) {
      for (const auto& sample : family->counters->samples())
        render_sample(out, family->name, sample);
    }
    if (family->histogram) out += family->histogram->render(family->name);
    if (family->read) {
      for (const auto& sample : family->read())
        render_sample(out, family->name, sample);
    }
  }
  return out;
}

}  // namespace seeder::metrics
