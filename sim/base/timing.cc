#include "sim/base/timing.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <stdexcept>

namespace wdsim {

using sc_core::sc_time;

namespace {
// The time resolution in ps (fixed once SystemC has handed it out).
uint64_t resolution_ps() {
  static const uint64_t kResolutionPs =
      static_cast<uint64_t>(std::llround(sc_core::sc_get_time_resolution().to_seconds() * 1e12));
  return kResolutionPs;
}
}  // namespace

uint64_t to_ps(const sc_time& t) { return t.value() * resolution_ps(); }

// Both round as sc_time(double, unit) does (value * scale + 0.5, truncated), without its per-call
// unit and resolution lookups, and without a call into SystemC per time: they scale a unit time
// made once with sc_time's inline `*` (the same double arithmetic: unit * v + 0.5, truncated).
// A ps count below 2^52 comes out exact that way (v + 0.5 is a double); larger ones are built
// from the value.
sc_time ps(uint64_t v) {
  constexpr uint64_t kExactBelow = uint64_t{1} << 52;
  static const sc_time kOnePs = sc_time::from_value(1);
  if (resolution_ps() != 1) return sc_time(static_cast<double>(v), sc_core::SC_PS);
  if (v < kExactBelow) return kOnePs * static_cast<double>(v);
  return sc_time::from_value(v);
}
sc_time ns(double v) {
  constexpr uint64_t kPsPerNs = 1000;
  static const sc_time kOneNs = sc_time::from_value(kPsPerNs);
  if (resolution_ps() != 1 || !(v >= 0) || v > 1e15) return sc_time(v, sc_core::SC_NS);
  return kOneNs * v;  // 1000.0 * v + 0.5 (volatile, as sc_time's constructor), truncated
}
double to_ns(const sc_time& t) { return static_cast<double>(to_ps(t)) / 1000.0; }

sc_time transfer_time(uint64_t bytes, double gbytes_per_s) {
  if (gbytes_per_s <= 0) throw std::invalid_argument("transfer_time: bandwidth must be > 0");
  // bytes / (GB/s) = ns; in ps: bytes * 1000 / GBps.
  double t_ps = std::ceil(static_cast<double>(bytes) * 1000.0 / gbytes_per_s);
  return ps(static_cast<uint64_t>(t_ps));
}

size_t TimingServer::upper_bound(const sc_time& t) const {
  auto it = std::upper_bound(booked_.begin() + static_cast<std::ptrdiff_t>(head_), booked_.end(), t,
                             [](const sc_time& v, const Interval& i) { return v < i.start; });
  return static_cast<size_t>(it - booked_.begin());
}

sc_time TimingServer::earliest_start(const sc_time& arrival, const sc_time& service) const {
  // After every booking (the usual case: arrivals in time order): starts at once.
  if (head_ == booked_.size() || arrival >= booked_.back().end) return arrival;
  sc_time t = arrival;
  size_t i = upper_bound(t);
  if (i > head_ && booked_[i - 1].end > t) t = booked_[i - 1].end;  // inside a booked interval
  // Skip intervals that leave too small a gap.
  while (i < booked_.size() && booked_[i].start < t + service) {
    if (booked_[i].end > t) t = booked_[i].end;
    ++i;
  }
  return t;
}

const sc_time& TimingServer::reorder_horizon() {
  // After the time resolution is fixed, as ns() assumes (resolution_ps).
  static const sc_time kHorizon = ns(kReorderHorizonNs);
  return kHorizon;
}

sc_time TimingServer::serve(const sc_time& arrival, const sc_time& service) {
  if (arrival > latest_arrival_) {
    latest_arrival_ = arrival;
    const sc_time& horizon = reorder_horizon();
    if (latest_arrival_ > horizon) {
      const sc_time cutoff = latest_arrival_ - horizon;
      while (head_ < booked_.size() && booked_[head_].end < cutoff) ++head_;
      // Compact once the forgotten prefix is as long as what is live.
      constexpr size_t kCompactAfter = 256;
      if (head_ >= kCompactAfter && head_ * 2 >= booked_.size()) {
        booked_.erase(booked_.begin(), booked_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
      }
    }
  }
  const sc_time start = earliest_start(arrival, service);
  const sc_time end = start + service;
  waited_ += start - arrival;
  busy_ += service;
  ++jobs_;
  if (service > sc_core::SC_ZERO_TIME) {
    // Insert [start, end), merging with an interval that ends at start or begins at end.
    auto first = booked_.begin() + static_cast<std::ptrdiff_t>(head_);
    // At the back (the usual case) without a search.
    const size_t pos =
        head_ == booked_.size() || booked_.back().start < start
            ? booked_.size()
            : static_cast<size_t>(std::lower_bound(first, booked_.end(), start,
                                                   [](const Interval& i, const sc_time& v) {
                                                     return i.start < v;
                                                   }) -
                                  booked_.begin());
    const bool with_prev = pos > head_ && booked_[pos - 1].end == start;
    const bool with_next = pos < booked_.size() && booked_[pos].start == end;
    if (with_prev && with_next) {
      booked_[pos - 1].end = booked_[pos].end;
      booked_.erase(booked_.begin() + static_cast<std::ptrdiff_t>(pos));
    } else if (with_prev) {
      booked_[pos - 1].end = end;
    } else if (with_next) {
      booked_[pos].start = start;
    } else {
      booked_.insert(booked_.begin() + static_cast<std::ptrdiff_t>(pos), Interval{start, end});
    }
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
