// Helpers the program kinds share: a request's stage breakdown from checkpoints (stage names
// interned in a small table), the streaming per-point latency figures the tables and stats are
// made of, and number formatting for their tables. Nothing here grows with the request count.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/base/stats.h"
#include "sim/base/trace.h"

namespace wdsim {

// A stage name's index in the table of stage names (in order of first interning).
using StageId = uint16_t;

inline std::vector<std::string>& stage_names() {
  static std::vector<std::string> names;
  return names;
}
// The id of a stage name, added to the table on first use. Intern once (e.g. at namespace
// scope), not per request.
inline StageId intern_stage(std::string_view name) {
  std::vector<std::string>& names = stage_names();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<StageId>(i);
  }
  names.emplace_back(name);
  return static_cast<StageId>(names.size() - 1);
}
inline const std::string& stage_name(StageId id) { return stage_names().at(id); }

// A request's stages in order; the durations (ps) sum to the request's latency. Fixed
// capacity: no allocation per request.
class Stages {
 public:
  static constexpr size_t kMax = 16;
  using Entry = std::pair<StageId, uint64_t>;
  void push(StageId id, uint64_t ps) {
    if (n_ == kMax) throw std::logic_error("a request has more than 16 stages");
    at_[n_++] = {id, ps};
  }
  const Entry* begin() const { return at_.data(); }
  const Entry* end() const { return at_.data() + n_; }
  size_t size() const { return n_; }

 private:
  std::array<Entry, kMax> at_{};
  size_t n_ = 0;
};

// Stages from checkpoints: each stage lasts from the previous checkpoint to its own, clamped
// so that the stages are never negative and always sum to the total.
class StageBuilder {
 public:
  explicit StageBuilder(uint64_t start) : last_(start) {}
  void mark(StageId stage, uint64_t at) {
    const uint64_t t = std::max(at, last_);
    stages_.push(stage, t - last_);
    last_ = t;
  }
  // A span [.., at] of which `part` (clamped to the span) is reported as `part_stage`.
  void mark_split(StageId stage, StageId part_stage, uint64_t part, uint64_t at) {
    const uint64_t t = std::max(at, last_);
    const uint64_t p = std::min(part, t - last_);
    stages_.push(part_stage, p);
    stages_.push(stage, t - last_ - p);
    last_ = t;
  }
  const Stages& stages() const { return stages_; }

 private:
  uint64_t last_;
  Stages stages_;
};

// trace.json: the request as an async slice [start, start + its stages] on `track`, its stages
// nested in it (no-op with tracing off).
inline void trace_request(TraceSink& trace, const std::string& track, const std::string& name,
                          uint64_t id, uint64_t start_ps, const Stages& stages) {
  if (!trace.enabled()) return;
  uint64_t at = start_ps;
  for (const auto& [stage, ps] : stages) {
    trace.slice(track, stage_name(stage), id, 1, at, at + ps);
    at += ps;
  }
  trace.slice(track, name, id, 0, start_ps, at);
}

// trace.json: a request with no stage breakdown (the async and UADK kinds) as one async slice
// [start, end] on `track`; requests in flight together overlap (no-op with tracing off).
inline void trace_request(TraceSink& trace, const std::string& track, const std::string& name,
                          uint64_t id, uint64_t start_ps, uint64_t end_ps) {
  if (trace.enabled()) trace.slice(track, name, id, 0, start_ps, end_ps);
}

// "name=ps;name=ps;..." (the stages column of requests.csv).
inline std::string stages_text(const Stages& stages) {
  std::string s;
  for (const auto& [id, ps] : stages) {
    if (!s.empty()) s += ';';
    s += stage_name(id) + "=" + std::to_string(ps);
  }
  return s;
}

// The latencies of a point's measured requests as its stats (ns) and its table (us) show them,
// streamed: each in its own histogram so both keep the figures of the samples themselves.
struct LatencyStats {
  Histogram ns;
  Histogram us;
  void add(uint64_t ps) {
    ns.add(static_cast<double>(ps) / 1000.0);
    us.add(static_cast<double>(ps) / 1e6);
  }
  void merge(const LatencyStats& o) {
    ns.merge(o.ns);
    us.merge(o.us);
  }
  uint64_t count() const { return ns.count(); }
};

// Per stage of a point's measured requests: a histogram (ns) and the exact sum (ps), with the
// stages in order of first appearance.
class StageStats {
 public:
  void add(const Stages& stages) {
    for (const auto& [id, ps] : stages) {
      Stage& s = stage(id);
      s.ns.add(static_cast<double>(ps) / 1000.0);
      s.sum_ps += ps;
      total_ps_ += ps;
    }
  }
  void merge(const StageStats& o) {
    for (StageId id : o.order_) {
      const Stage& from = o.by_id_[id];
      Stage& s = stage(id);
      s.ns.merge(from.ns);
      s.sum_ps += from.sum_ps;
    }
    total_ps_ += o.total_ps_;
  }
  const std::vector<StageId>& order() const { return order_; }
  const Histogram& ns(StageId id) const { return by_id_.at(id).ns; }
  uint64_t sum_ps(StageId id) const { return id < by_id_.size() ? by_id_[id].sum_ps : 0; }
  uint64_t total_ps() const { return total_ps_; }

 private:
  struct Stage {
    bool seen = false;
    Histogram ns;
    uint64_t sum_ps = 0;
  };
  Stage& stage(StageId id) {
    if (id >= by_id_.size()) by_id_.resize(id + 1);
    Stage& s = by_id_[id];
    if (!s.seen) {
      s.seen = true;
      order_.push_back(id);
    }
    return s;
  }
  std::vector<Stage> by_id_;
  std::vector<StageId> order_;
  uint64_t total_ps_ = 0;
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
