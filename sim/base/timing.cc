#include "sim/base/timing.h"

#include <cmath>
#include <iterator>
#include <stdexcept>

namespace wdsim {

using sc_core::sc_time;

uint64_t to_ps(const sc_time& t) {
  static const uint64_t kResolutionPs =
      static_cast<uint64_t>(std::llround(sc_core::sc_get_time_resolution().to_seconds() * 1e12));
  return t.value() * kResolutionPs;
}

sc_time ps(uint64_t v) { return sc_time(static_cast<double>(v), sc_core::SC_PS); }
sc_time ns(double v) { return sc_time(v, sc_core::SC_NS); }
double to_ns(const sc_time& t) { return static_cast<double>(to_ps(t)) / 1000.0; }

sc_time transfer_time(uint64_t bytes, double gbytes_per_s) {
  if (gbytes_per_s <= 0) throw std::invalid_argument("transfer_time: bandwidth must be > 0");
  // bytes / (GB/s) = ns; in ps: bytes * 1000 / GBps.
  double t_ps = std::ceil(static_cast<double>(bytes) * 1000.0 / gbytes_per_s);
  return ps(static_cast<uint64_t>(t_ps));
}

sc_time TimingServer::earliest_start(const sc_time& arrival, const sc_time& service) const {
  sc_time t = arrival;
  auto it = booked_.upper_bound(t);
  if (it != booked_.begin()) {
    auto prev = std::prev(it);
    if (prev->second > t) t = prev->second;  // arrival falls inside a booked interval
  }
  // Skip intervals that leave too small a gap.
  while (it != booked_.end() && it->first < t + service) {
    if (it->second > t) t = it->second;
    ++it;
  }
  return t;
}

sc_time TimingServer::serve(const sc_time& arrival, const sc_time& service) {
  if (arrival > latest_arrival_) {
    latest_arrival_ = arrival;
    const sc_time horizon = ns(kReorderHorizonNs);
    if (latest_arrival_ > horizon) {
      const sc_time cutoff = latest_arrival_ - horizon;
      while (!booked_.empty() && booked_.begin()->second < cutoff) booked_.erase(booked_.begin());
    }
  }
  const sc_time start = earliest_start(arrival, service);
  const sc_time end = start + service;
  waited_ += start - arrival;
  busy_ += service;
  ++jobs_;
  if (service > sc_core::SC_ZERO_TIME) {
    // Insert [start, end), merging with an interval that ends at start or begins at end.
    sc_time s = start, e = end;
    auto next = booked_.lower_bound(start);
    if (next != booked_.begin()) {
      auto prev = std::prev(next);
      if (prev->second == start) {
        s = prev->first;
        booked_.erase(prev);
      }
    }
    next = booked_.find(end);
    if (next != booked_.end()) {
      e = next->second;
      booked_.erase(next);
    }
    booked_[s] = e;
  }
  if (end > free_at_) free_at_ = end;
  return end;
}

ServerPool::ServerPool(size_t servers) : servers_(servers) {
  if (servers == 0) throw std::invalid_argument("ServerPool needs at least one server");
}

ServerPool::Grant ServerPool::serve(const sc_time& arrival, const sc_time& service) {
  size_t best = 0;
  sc_time best_start = servers_[0].earliest_start(arrival, service);
  for (size_t i = 1; i < servers_.size(); ++i) {
    const sc_time s = servers_[i].earliest_start(arrival, service);
    if (s < best_start) {
      best = i;
      best_start = s;
    }
  }
  const sc_time end = servers_[best].serve(arrival, service);
  return {best, end - service, end};
}

}  // namespace wdsim
