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

// A streaming histogram: memory bounded independently of the sample count, deterministic (the
// same samples in the same order give the same figures, bit for bit).
// - count, sum (added in sample order), mean, min and max are exact.
// - Percentiles are nearest rank. While the count is at most kExactSamples the samples are
//   kept and percentiles are exact. Beyond, samples go into log-linear buckets (HdrHistogram
//   style: each binary octave [2^e, 2^(e+1)) of |x| split into 2^kSubBucketBits equal buckets;
//   one bucket for 0), each keeping its count and the least and greatest sample it saw. A
//   percentile whose rank is a bucket's first (last) is that bucket's least (greatest) sample;
//   otherwise it is interpolated linearly by rank between the two. Both it and the exact value
//   lie in the bucket's seen range, so the error is less than one bucket: a relative error of
//   at most kMaxRelativeError (2^-11, about 0.05%) for normal doubles. A bucket that holds one
//   distinct value answers exactly (e.g. constant and two-point distributions).
// - Memory: at most kExactSamples doubles (64 KiB), then at most 2^kSubBucketBits buckets (32 B
//   each) per octave the samples span, and never more than the distinct values seen.
// Samples must not be NaN.
class Histogram {
 public:
  static constexpr size_t kExactSamples = 8192;
  static constexpr int kSubBucketBits = 11;
  static constexpr double kMaxRelativeError = 1.0 / (1 << kSubBucketBits);

  void add(double x);
  // Adds other's samples after this one's: the same figures as adding them one by one, except
  // that when both are bucketed the sums are added (so the sum may differ in the last bits).
  void merge(const Histogram& other);
  size_t count() const { return count_; }
  double sum() const { return sum_; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  double min() const { return count_ ? min_ : 0.0; }
  double max() const { return count_ ? max_ : 0.0; }
  // p in [0, 100]; nearest-rank percentile (exact while exact()); 0 when empty.
  double percentile(double p) const;
  // Whether the samples are kept (percentiles exact).
  bool exact() const { return buckets_.empty(); }
  size_t bucket_count() const { return buckets_.size(); }

 private:
  struct Bucket {
    int32_t key;
    uint64_t count;
    double lo, hi;  // the least and greatest sample seen in it
  };
  static int32_t bucket_key(double x);
  void to_buckets();
  void add_to_bucket(double x, uint64_t n);

  size_t count_ = 0;
  double sum_ = 0;
  double min_ = 0;
  double max_ = 0;
  std::vector<double> samples_;  // while exact
  std::vector<Bucket> buckets_;  // beyond: sorted by key
  size_t last_ = 0;              // the bucket the last sample went to
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
