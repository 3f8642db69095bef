// What every model in one simulation shares: the stats registry, the trace sink and the
// scenario seed from which each component derives its own named random stream.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <systemc>

#include "sim/base/stats.h"
#include "sim/base/timing.h"
#include "sim/base/trace.h"

namespace wdsim {

class SimEnv {
 public:
  explicit SimEnv(uint64_t seed = 1, bool trace_enabled = true)
      : seed_(seed), trace_(trace_enabled) {}

  StatsRegistry& stats() { return stats_; }
  TraceSink& trace() { return trace_; }
  // Whether a trace sink is open. Per-request callers test it before building an event's
  // fields, so a run with tracing off formats nothing.
  bool tracing() const { return trace_.enabled(); }
  uint64_t seed() const { return seed_; }

  // Emits a trace event at the current simulated time plus `offset` (the caller's annotated
  // local time in loosely-timed code).
  // Returns the event's sequence number (TraceSink::flow_event), 0 when tracing is off.
  uint64_t trace_event(std::string_view component, std::string_view event,
                       std::vector<TraceField> fields = {},
                       const sc_core::sc_time& offset = sc_core::SC_ZERO_TIME) {
    return trace_.emit(to_ps(sc_core::sc_time_stamp() + offset), component, event,
                       std::move(fields));
  }
  // An event for trace.json only (TraceSink::view_event), at the current time plus `offset`.
  uint64_t trace_view_event(std::string_view component, std::string_view event,
                            std::vector<TraceField> fields = {},
                            const sc_core::sc_time& offset = sc_core::SC_ZERO_TIME) {
    if (!trace_.enabled()) return 0;
    return trace_.view_event(to_ps(sc_core::sc_time_stamp() + offset), component, event,
                             std::move(fields));
  }
  // A counter track's value at the current simulated time plus `offset` (trace.json only).
  void trace_counter(std::string_view track, double value,
                     const sc_core::sc_time& offset = sc_core::SC_ZERO_TIME) {
    if (trace_.enabled()) trace_.counter(to_ps(sc_core::sc_time_stamp() + offset), track, value);
  }

  // A random stream for one component: the same seed and name give the same sequence.
  std::mt19937_64 rng(std::string_view stream_name) const {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (char c : stream_name) h = (h ^ static_cast<uint8_t>(c)) * 1099511628211ull;
    return std::mt19937_64(seed_ ^ h);
  }

 private:
  uint64_t seed_;
  StatsRegistry stats_;
  TraceSink trace_;
};

}  // namespace wdsim
