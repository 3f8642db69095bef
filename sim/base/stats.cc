#include "sim/base/stats.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "sim/base/params.h"

namespace wdsim {

double Histogram::sum() const { return std::accumulate(samples_.begin(), samples_.end(), 0.0); }
double Histogram::mean() const { return samples_.empty() ? 0.0 : sum() / samples_.size(); }
double Histogram::min() const {
  return samples_.empty() ? 0.0 : *std::min_element(samples_.begin(), samples_.end());
}
double Histogram::max() const {
  return samples_.empty() ? 0.0 : *std::max_element(samples_.begin(), samples_.end());
}
double Histogram::percentile(double p) const {
  if (samples_.empty()) return 0.0;
  std::vector<double> sorted = samples_;
  std::sort(sorted.begin(), sorted.end());
  double rank = std::ceil(p / 100.0 * sorted.size());
  size_t idx = rank < 1 ? 0 : static_cast<size_t>(rank) - 1;
  return sorted[std::min(idx, sorted.size() - 1)];
}

StatsRegistry::Entry& StatsRegistry::entry(const std::string& key_path, StatKind kind,
                                           const std::string& unit,
                                           const std::string& description) {
  auto it = entries_.find(key_path);
  if (it != entries_.end()) {
    if (it->second.kind != kind) {
      throw std::logic_error("stat " + key_path + " registered twice with different kinds");
    }
    if (it->second.description.empty()) it->second.description = description;
    return it->second;
  }
  Entry& e = entries_[key_path];
  e.kind = kind;
  e.unit = unit;
  e.description = description;
  if (kind == StatKind::kCounter) e.counter = std::make_unique<Counter>();
  if (kind == StatKind::kHistogram) e.histogram = std::make_unique<Histogram>();
  return e;
}

Counter& StatsRegistry::counter(const std::string& key_path, const std::string& description) {
  return *entry(key_path, StatKind::kCounter, "", description).counter;
}

Histogram& StatsRegistry::histogram(const std::string& key_path, const std::string& unit,
                                    const std::string& description) {
  return *entry(key_path, StatKind::kHistogram, unit, description).histogram;
}

void StatsRegistry::set_scalar(const std::string& key_path, double value, const std::string& unit,
                               const std::string& description) {
  entry(key_path, StatKind::kScalar, unit, description).scalar = value;
}

double& StatsRegistry::scalar_slot(const std::string& key_path, const std::string& unit,
                                   const std::string& description) {
  return entry(key_path, StatKind::kScalar, unit, description).scalar;
}

void StatsRegistry::set_text(const std::string& key_path, const std::string& value,
                             const std::string& description) {
  entry(key_path, StatKind::kText, "", description).text = value;
}

const Counter* StatsRegistry::find_counter(const std::string& key_path) const {
  auto it = entries_.find(key_path);
  return (it == entries_.end() || it->second.kind != StatKind::kCounter) ? nullptr
                                                                         : it->second.counter.get();
}

const Histogram* StatsRegistry::find_histogram(const std::string& key_path) const {
  auto it = entries_.find(key_path);
  return (it == entries_.end() || it->second.kind != StatKind::kHistogram)
             ? nullptr
             : it->second.histogram.get();
}

std::optional<double> StatsRegistry::scalar(const std::string& key_path) const {
  auto it = entries_.find(key_path);
  if (it == entries_.end() || it->second.kind != StatKind::kScalar) return std::nullopt;
  return it->second.scalar;
}

std::vector<std::string> StatsRegistry::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, e] : entries_) out.push_back(k);
  return out;
}

std::vector<StatInfo> StatsRegistry::entries() const {
  std::vector<StatInfo> out;
  for (const auto& [k, e] : entries_) out.push_back({k, e.kind, e.unit, e.description});
  return out;
}

const char* stat_kind_name(StatKind kind) {
  switch (kind) {
    case StatKind::kCounter:
      return "counter";
    case StatKind::kHistogram:
      return "histogram";
    case StatKind::kScalar:
      return "scalar";
    case StatKind::kText:
      return "text";
  }
  return "";
}

namespace {

// Doubles are written with fixed precision so output bytes never depend on printf rounding
// of the last ulp across platforms.
double tidy(double v) { return std::round(v * 1e6) / 1e6; }

}  // namespace

std::string StatsRegistry::to_json() const {
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  for (const auto& [key, e] : entries_) {
    nlohmann::ordered_json* node = &root;
    std::string part;
    std::stringstream ss(key);
    std::vector<std::string> parts;
    while (std::getline(ss, part, '.')) parts.push_back(part);
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      if (!node->contains(parts[i]) || !(*node)[parts[i]].is_object()) {
        (*node)[parts[i]] = nlohmann::ordered_json::object();
      }
      node = &(*node)[parts[i]];
    }
    nlohmann::ordered_json v;
    switch (e.kind) {
      case StatKind::kCounter:
        v = e.counter->value();
        break;
      case StatKind::kScalar:
        v = nlohmann::ordered_json{{"value", tidy(e.scalar)}, {"unit", e.unit}};
        break;
      case StatKind::kText:
        v = e.text;
        break;
      case StatKind::kHistogram: {
        const Histogram& h = *e.histogram;
        v = nlohmann::ordered_json{{"count", h.count()},
                                   {"mean", tidy(h.mean())},
                                   {"min", tidy(h.min())},
                                   {"p50", tidy(h.percentile(50))},
                                   {"p90", tidy(h.percentile(90))},
                                   {"p99", tidy(h.percentile(99))},
                                   {"max", tidy(h.max())},
                                   {"unit", e.unit}};
        break;
      }
    }
    (*node)[parts.back()] = v;
  }
  return root.dump(2) + "\n";
}

std::string StatsRegistry::to_csv() const {
  std::ostringstream out;
  out << "key,kind,field,value,unit\n";
  auto num = [](double v) { return ParamScope::double_text(tidy(v)); };
  for (const auto& [key, e] : entries_) {
    switch (e.kind) {
      case StatKind::kCounter:
        out << key << ",counter,value," << e.counter->value() << ",\n";
        break;
      case StatKind::kScalar:
        out << key << ",scalar,value," << num(e.scalar) << "," << e.unit << "\n";
        break;
      case StatKind::kText:
        out << key << ",text,value," << e.text << ",\n";
        break;
      case StatKind::kHistogram: {
        const Histogram& h = *e.histogram;
        out << key << ",histogram,count," << h.count() << "," << e.unit << "\n";
        out << key << ",histogram,mean," << num(h.mean()) << "," << e.unit << "\n";
        out << key << ",histogram,min," << num(h.min()) << "," << e.unit << "\n";
        out << key << ",histogram,p50," << num(h.percentile(50)) << "," << e.unit << "\n";
        out << key << ",histogram,p90," << num(h.percentile(90)) << "," << e.unit << "\n";
        out << key << ",histogram,p99," << num(h.percentile(99)) << "," << e.unit << "\n";
        out << key << ",histogram,max," << num(h.max()) << "," << e.unit << "\n";
        break;
      }
    }
  }
  return out.str();
}

}  // namespace wdsim
