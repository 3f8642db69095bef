#include "sim/pcie/flow_control.h"

#include <algorithm>

#include "sim/base/timing.h"

namespace wdsim {

using sc_core::sc_time;

bool CreditGate::fits(const sc_time& t, uint32_t headers, uint32_t data) const {
  uint64_t h = headers, d = data;
  for (const Hold& x : holds_) {
    if (x.start <= t && t < x.end) {
      h += x.headers;
      d += x.data;
    }
  }
  const bool h_ok = header_limit_ == 0 || h <= header_limit_ || h == headers;
  const bool d_ok = data_limit_ == 0 || d <= data_limit_ || d == data;
  return h_ok && d_ok;
}

sc_time CreditGate::earliest(const sc_time& at, uint32_t headers, uint32_t data) const {
  if (!limited() || fits(at, headers, data)) return at;
  // Credits come back only when a hold ends: try those instants in time order.
  std::vector<sc_time> ends;
  for (const Hold& x : holds_) {
    if (x.end > at) ends.push_back(x.end);
  }
  std::sort(ends.begin(), ends.end());
  for (const sc_time& t : ends) {
    if (fits(t, headers, data)) return t;
  }
  return ends.empty() ? at : ends.back();
}

void CreditGate::hold(const sc_time& start, const sc_time& released_at, uint32_t headers,
                      uint32_t data) {
  if (!limited() || released_at <= start) return;
  // Holds that ended long before this one started no longer matter (arrivals come mostly in
  // time order; the horizon is the timing servers').
  const sc_time& horizon = TimingServer::reorder_horizon();
  if (start > horizon) {
    const sc_time cut = start - horizon;
    holds_.erase(
        std::remove_if(holds_.begin(), holds_.end(), [&](const Hold& x) { return x.end < cut; }),
        holds_.end());
  }
  holds_.push_back({start, released_at, headers, data});
}

LinkCredits::LinkCredits(const PcieFlowControlParams& p, StatsRegistry& stats,
                         const std::string& prefix)
    : update_latency(ns(p.update_fc_latency_ns)),
      posted(p.posted_header, p.posted_data),
      nonposted(p.nonposted_header, 0),
      completion(p.completion_header, p.completion_data),
      stalls(stats.counter(prefix + ".credit_stalls",
                           "Requests that waited for flow-control credits")),
      stall_ps(stats.counter(prefix + ".credit_stall_ps",
                             "Time requests waited for flow-control credits (ps)")) {}

CreditGate& LinkCredits::gate(FcType type) {
  switch (type) {
    case FcType::kPosted:
      return posted;
    case FcType::kNonPosted:
      return nonposted;
    case FcType::kCompletion:
      break;
  }
  return completion;
}

namespace {
uint32_t data_credits(uint64_t payload) {
  const uint64_t unit = PcieFlowControlParams::kDataCreditBytes;
  return static_cast<uint32_t>((payload + unit - 1) / unit);
}
}  // namespace

sc_time LinkCredits::acquire(FcType type, const sc_time& at, uint64_t n_tlps, uint64_t payload) {
  CreditGate& g = gate(type);
  if (!g.limited()) return at;
  const sc_time start = g.earliest(at, static_cast<uint32_t>(n_tlps), data_credits(payload));
  if (start > at) {
    stalls.inc();
    stall_ps.inc(to_ps(start - at));
  }
  return start;
}

void LinkCredits::release(FcType type, const sc_time& start, const sc_time& freed, uint64_t n_tlps,
                          uint64_t payload) {
  gate(type).hold(start, freed + update_latency, static_cast<uint32_t>(n_tlps),
                  data_credits(payload));
}

}  // namespace wdsim
