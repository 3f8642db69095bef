#include "sim/base/timing.h"

#include <cmath>
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

sc_time TimingServer::serve(const sc_time& arrival, const sc_time& service) {
  sc_time start = arrival > free_at_ ? arrival : free_at_;
  waited_ += start - arrival;
  free_at_ = start + service;
  busy_ += service;
  ++jobs_;
  return free_at_;
}

ServerPool::ServerPool(size_t servers) : servers_(servers) {
  if (servers == 0) throw std::invalid_argument("ServerPool needs at least one server");
}

ServerPool::Grant ServerPool::serve(const sc_time& arrival, const sc_time& service) {
  size_t best = 0;
  for (size_t i = 1; i < servers_.size(); ++i) {
    if (servers_[i].free_at() < servers_[best].free_at()) best = i;
  }
  sc_time start = arrival > servers_[best].free_at() ? arrival : servers_[best].free_at();
  sc_time end = servers_[best].serve(arrival, service);
  return {best, start, end};
}

}  // namespace wdsim
