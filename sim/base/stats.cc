#include "sim/base/stats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "sim/base/params.h"

namespace wdsim {

int32_t Histogram::bucket_key(double x) {
  if (x == 0) return 0;  // and -0
  // The exponent and the top kSubBucketBits mantissa bits of |x|: monotonic in |x|.
  constexpr int kMantissaBits = 52;
  const auto k = static_cast<int32_t>(std::bit_cast<uint64_t>(std::fabs(x)) >>
                                      (kMantissaBits - kSubBucketBits));
  return x > 0 ? k : -k - 1;
}

void Histogram::add_to_bucket(double x, uint64_t n) {
  const int32_t key = bucket_key(x);
  if (last_ >= buckets_.size() || buckets_[last_].key != key) {
    auto it = std::lower_bound(buckets_.begin(), buckets_.end(), key,
                               [](const Bucket& b, int32_t k) { return b.key < k; });
    if (it == buckets_.end() || it->key != key) it = buckets_.insert(it, Bucket{key, 0, x, x});
    last_ = static_cast<size_t>(it - buckets_.begin());
  }
  Bucket& b = buckets_[last_];
  b.count += n;
  b.lo = std::min(b.lo, x);
  b.hi = std::max(b.hi, x);
}

void Histogram::to_buckets() {
  for (double x : samples_) add_to_bucket(x, 1);
  std::vector<double>().swap(samples_);
}

void Histogram::add(double x) {
  if (count_ == 0) {
    min_ = max_ = x;
  } else {
    min_ = std::min(min_, x);
    max_ = std::max(max_, x);
  }
  ++count_;
  sum_ += x;
  if (exact() && count_ <= kExactSamples) {
    samples_.push_back(x);
    return;
  }
  if (exact()) to_buckets();
  add_to_bucket(x, 1);
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  if (other.exact()) {
    for (double x : other.samples_) add(x);
    return;
  }
  if (exact()) to_buckets();
  min_ = count_ ? std::min(min_, other.min_) : other.min_;
  max_ = count_ ? std::max(max_, other.max_) : other.max_;
  count_ += other.count_;
  sum_ += other.sum_;
  for (const Bucket& o : other.buckets_) {
    add_to_bucket(o.lo, o.count);
    add_to_bucket(o.hi, 0);
  }
}

double Histogram::percentile(double p) const {
  if (count_ == 0) return 0.0;
  const double rank = std::ceil(p / 100.0 * static_cast<double>(count_));
  const size_t idx = std::min(rank < 1 ? size_t{0} : static_cast<size_t>(rank) - 1, count_ - 1);
  if (exact()) {
    std::vector<double> sorted = samples_;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<ptrdiff_t>(idx), sorted.end());
    return sorted[idx];
  }
  uint64_t before = 0;  // samples in the buckets below
  for (const Bucket& b : buckets_) {
    if (idx < before + b.count) {
      if (idx == before) return b.lo;
      if (idx == before + b.count - 1) return b.hi;
      const double at = static_cast<double>(idx - before) / static_cast<double>(b.count - 1);
      return std::min(b.hi, b.lo + (b.hi - b.lo) * at);
    }
    before += b.count;
  }
  return max_;
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
