// Helpers the program kinds share: a request's stage breakdown from checkpoints, and number
// formatting for their tables.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace wdsim {

// In order; the durations sum to the request's latency.
using Stages = std::vector<std::pair<std::string, uint64_t>>;

// Stages from checkpoints: each stage lasts from the previous checkpoint to its own, clamped
// so that the stages are never negative and always sum to the total.
class StageBuilder {
 public:
  explicit StageBuilder(uint64_t start) : last_(start) {}
  void mark(const std::string& name, uint64_t at) {
    const uint64_t t = std::max(at, last_);
    stages_.push_back({name, t - last_});
    last_ = t;
  }
  // A span [.., at] of which `part` (clamped to the span) is reported as `part_name`.
  void mark_split(const std::string& name, const std::string& part_name, uint64_t part,
                  uint64_t at) {
    const uint64_t t = std::max(at, last_);
    const uint64_t p = std::min(part, t - last_);
    stages_.push_back({part_name, p});
    stages_.push_back({name, t - last_ - p});
    last_ = t;
  }
  Stages take() { return std::move(stages_); }

 private:
  uint64_t last_;
  Stages stages_;
};

inline std::string size_text(uint64_t b) {
  if (b >= 1024 * 1024 && b % (1024 * 1024) == 0) return std::to_string(b >> 20) + " MiB";
  if (b >= 1024 && b % 1024 == 0) return std::to_string(b >> 10) + " KiB";
  return std::to_string(b) + " B";
}

// A number with `digits` decimals, for table cells.
inline std::string fixed(double v, int digits = 3) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

}  // namespace wdsim
