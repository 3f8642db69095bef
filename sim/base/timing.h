// Timing resources. Each shared thing (a link direction, a DRAM channel, a table walker, an
// engine core, the SMMU command queue) is a server that turns (arrival time, service time)
// into a completion time: queueing plus service, first come first served. Contention comes
// from these, deterministically; nothing ticks a clock.
//
// In loosely-timed SystemC an initiator may book a job far ahead of the simulated time (its
// local time offset runs ahead: an engine books its output write after its compute time),
// and another initiator may then arrive with an earlier time. Each server therefore keeps
// its booked intervals and puts a job in the first idle gap at or after its arrival that is
// long enough, instead of behind the latest booking: arrivals in time order are served
// first come first served exactly; an earlier arrival can use the idle time before a job
// booked ahead. Intervals that ended more than kReorderHorizon before the latest arrival are
// forgotten (no initiator lags that far behind another).
#pragma once

#include <cstdint>
#include <string>
#include <systemc>
#include <vector>

namespace wdsim {

// Simulated time as integer picoseconds (trace and stats use this).
uint64_t to_ps(const sc_core::sc_time& t);
sc_core::sc_time ps(uint64_t v);
sc_core::sc_time ns(double v);
double to_ns(const sc_core::sc_time& t);

// Time to move `bytes` at `gbytes_per_s` (10^9 bytes per second), rounded up to whole ps.
sc_core::sc_time transfer_time(uint64_t bytes, double gbytes_per_s);

class TimingServer {
 public:
  // How far behind the latest arrival a job may still arrive and find its gap.
  static constexpr double kReorderHorizonNs = 1e6;  // 1 ms of simulated time
  // kReorderHorizonNs as a time, converted once (it is asked for on every booking).
  static const sc_core::sc_time& reorder_horizon();

  // Books a job arriving at `arrival` that needs `service`; returns when it finishes.
  sc_core::sc_time serve(const sc_core::sc_time& arrival, const sc_core::sc_time& service);
  // When such a job would start, without booking it.
  sc_core::sc_time earliest_start(const sc_core::sc_time& arrival,
                                  const sc_core::sc_time& service) const;
  // When the last booked job ends.
  const sc_core::sc_time& free_at() const { return free_at_; }
  uint64_t jobs() const { return jobs_; }
  const sc_core::sc_time& busy_time() const { return busy_; }
  const sc_core::sc_time& wait_time() const { return waited_; }

 private:
  struct Interval {
    sc_core::sc_time start;
    sc_core::sc_time end;
  };
  // Booked intervals, disjoint and sorted by start, from booked_[head_] on (the ones before
  // head_ are forgotten and compacted away now and then): arrivals come mostly in time order,
  // so a booking lands at or near the back and no tree is walked.
  std::vector<Interval> booked_;
  size_t head_ = 0;
  // The first live interval that starts after t.
  size_t upper_bound(const sc_core::sc_time& t) const;
  sc_core::sc_time latest_arrival_ = sc_core::SC_ZERO_TIME;
  sc_core::sc_time free_at_ = sc_core::SC_ZERO_TIME;
  sc_core::sc_time busy_ = sc_core::SC_ZERO_TIME;
  sc_core::sc_time waited_ = sc_core::SC_ZERO_TIME;
  uint64_t jobs_ = 0;
};

// N identical servers; a job takes the one where it would start earliest (lowest index on a
// tie).
class ServerPool {
 public:
  explicit ServerPool(size_t servers);
  struct Grant {
    size_t server;
    sc_core::sc_time start;
    sc_core::sc_time end;
  };
  Grant serve(const sc_core::sc_time& arrival, const sc_core::sc_time& service);
  size_t size() const { return servers_.size(); }
  const TimingServer& server(size_t i) const { return servers_[i]; }

 private:
  std::vector<TimingServer> servers_;
};

}  // namespace wdsim
