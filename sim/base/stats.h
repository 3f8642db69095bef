// Statistics: counters, histograms with percentiles and scalar values, registered by key path
// (e.g. "smmu.iotlb.hits") and dumped as JSON and CSV in key order, so two runs of the same
// scenario write byte-identical files. No SystemC in here.
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

class StatsRegistry {
 public:
  // Returns the stat at key_path, creating it on first use. The reference stays valid.
  Counter& counter(const std::string& key_path, const std::string& description = "");
  Histogram& histogram(const std::string& key_path, const std::string& unit,
                       const std::string& description = "");
  void set_scalar(const std::string& key_path, double value, const std::string& unit,
                  const std::string& description = "");
  void set_text(const std::string& key_path, const std::string& value);
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

 private:
  struct Entry {
    enum Kind { kCounter, kHistogram, kScalar, kText } kind;
    std::string unit;
    std::string description;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Histogram> histogram;
    double scalar = 0;
    std::string text;
  };
  Entry& entry(const std::string& key_path, Entry::Kind kind, const std::string& unit,
               const std::string& description);
  std::map<std::string, Entry> entries_;
};

}  // namespace wdsim
