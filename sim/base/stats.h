// Statistics: counters, histograms with percentiles, scalar values and text, registered by key
// path (e.g. "smmu.iotlb.hits") with a unit and a description, and dumped as JSON and CSV in
// key order, so two runs of the same scenario write byte-identical files; entries() lists
// them without their values (for `wdsim describe`). No SystemC in here.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace wdsim {

class Counter {
 public:
  void inc(uint64_t n = 1) { value_ += n; }
  uint64_t value() const { return value_; }

 private:
  uint64_t value_ = 0;
};

// Keeps every sample (runs are small enough); percentiles by nearest rank.
class Histogram {
 public:
  void add(double x) { samples_.push_back(x); }
  size_t count() const { return samples_.size(); }
  double sum() const;
  double mean() const;
  double min() const;
  double max() const;
  // p in [0, 100]; nearest-rank percentile; 0 when empty.
  double percentile(double p) const;
  const std::vector<double>& samples() const { return samples_; }

 private:
  std::vector<double> samples_;
};

enum class StatKind { kCounter, kHistogram, kScalar, kText };
// "counter", "histogram", "scalar", "text" (the kind column of the CSV).
const char* stat_kind_name(StatKind kind);

// What a registered stat is, without its value (for `wdsim describe`).
struct StatInfo {
  std::string key_path;
  StatKind kind;
  std::string unit;  // empty for counters and text
  std::string description;
};

class StatsRegistry {
 public:
  // Returns the stat at key_path, creating it on first use. The reference stays valid. The
  // unit is the first registration's; an empty description is filled by a later registration
  // that gives one.
  Counter& counter(const std::string& key_path, const std::string& description = "");
  Histogram& histogram(const std::string& key_path, const std::string& unit,
                       const std::string& description = "");
  void set_scalar(const std::string& key_path, double value, const std::string& unit,
                  const std::string& description = "");
  void set_text(const std::string& key_path, const std::string& value,
                const std::string& description = "");
  // Registers the scalar at key_path (0 until set) and returns its value to update in place,
  // for a block that keeps a scalar current without a lookup per event. Stays valid.
  double& scalar_slot(const std::string& key_path, const std::string& unit,
                      const std::string& description = "");

  const Counter* find_counter(const std::string& key_path) const;
  const Histogram* find_histogram(const std::string& key_path) const;
  std::optional<double> scalar(const std::string& key_path) const;

  // Nested JSON object keyed by the dotted path; histograms as {count, mean, min, p50, p90,
  // p99, max, unit}.
  std::string to_json() const;
  // One row a value: key_path,kind,field,value,unit.
  std::string to_csv() const;
  // Every key path, in order.
  std::vector<std::string> keys() const;
  // Every stat's key path, kind, unit and description, in key order.
  std::vector<StatInfo> entries() const;

 private:
  struct Entry {
    StatKind kind;
    std::string unit;
    std::string description;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Histogram> histogram;
    double scalar = 0;
    std::string text;
  };
  Entry& entry(const std::string& key_path, StatKind kind, const std::string& unit,
               const std::string& description);
  std::map<std::string, Entry> entries_;
};

}  // namespace wdsim
