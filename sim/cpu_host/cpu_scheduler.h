// The host's CPU cores as a shared resource: N cores and a run queue for the simulated
// threads (CpuContexts attached to it).
//
// Models:
//  - a thread runs only on a core; a thread that needs one when all are taken waits in one
//    FIFO run queue (simulated-time order, ties in arrival order) and pays context_switch
//    when it gets one (the switch is CPU time of the incoming thread, counted apart too);
//  - time slices: slices are consecutive time_slice periods from the moment a thread got its
//    core (after the switch); a running thread whose slice ends while others wait is
//    preempted to the back of the queue; its remaining work (or its spinning) resumes exactly
//    when it runs again; a thread alone keeps running into its next slice;
//  - blocking sleeps give the core up and take one again when the thread wakes (queueing if
//    needed) without a switch charge: the blocking path charges its own switch away and
//    wake-up (HostCostParams sleep_ns, wakeup_ns), which already include the switch;
//  - busy-waits hold the core and are preempted like work;
//  - preempt_disable() (spinlock holders): not preempted until enabled.
// Cost: with cores >= runnable threads, busy(t) is one wait(t) and no event is notified.
//
// Not modelled: per-core run queues, load balancing and migration costs, priorities, nice,
// vruntime fairness and EEVDF deadlines beyond round robin, wake-up preemption (a woken
// thread waits for a slice end), the scheduler tick (slices end exactly), idle states and
// their exit latency, SMT, cache refill after a switch beyond context_switch.
//
// Sources: Linux 6.6+ EEVDF base slice (sysctl_sched_base_slice 0.75 ms, scaled by
// 1 + ilog2(min(ncpus, 8)) with the default log tunable scaling: 3 ms on 8 or more CPUs);
// the context-switch cost is a guess (HostCostParams).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <systemc>
#include <vector>

#include "sim/base/stats.h"
#include "sim/cpu_host/cpu_context.h"
#include "sim/cpu_host/host_costs.h"

namespace wdsim {

class CpuScheduler {
 public:
  struct Config {
    uint32_t cores = 1;
    sc_core::sc_time time_slice;
    sc_core::sc_time context_switch;
  };
  // cores, time_slice_us and context_switch_ns of the host's costs.
  static Config config_of(const HostCostParams& costs);

  // Stats under `stat_prefix`: context_switches, preemptions (counters) and runqueue_wait_ns
  // (histogram: one sample each time a thread takes a core, 0 when one was free).
  CpuScheduler(const Config& config, StatsRegistry& stats,
               const std::string& stat_prefix = "host.sched");
  CpuScheduler(const CpuScheduler&) = delete;
  CpuScheduler& operator=(const CpuScheduler&) = delete;

  const Config& config() const { return config_; }
  uint32_t idle_cores() const { return idle_; }
  size_t queued() const { return queue_.size(); }
  uint64_t context_switches() const { return switches_.value(); }
  uint64_t preemptions() const { return preemptions_.value(); }

  // Every thread ever attached, in attach order (records outlive their threads).
  const std::deque<CpuThreadStats>& threads() const { return threads_; }
  // The first thread attached with `name`; nullptr if none. A linear search: for reports.
  const CpuThreadStats* thread(const std::string& name) const;
  // Writes each thread's record as scalars <prefix>.threads.<name>.{busy_ns, switch_ns,
  // runqueue_wait_ns, sleep_ns, switches, preemptions} (at the end of a run).
  void report_threads(StatsRegistry& stats) const;

 private:
  friend class CpuContext;

  CpuThreadStats* add_thread(std::string name, const CpuThreadStats& so_far);
  bool has_waiters() const { return !queue_.empty(); }
  // Takes a free core for `c` (only when no one waits); false if none.
  bool try_take(CpuContext& c);
  // `c` waits for a core; running threads are told to look at the queue at their slice end.
  void enqueue(CpuContext& c);
  // `c` gives its core up: straight to the head of the queue, or idle.
  void release(CpuContext& c);
  // `c` leaves the scheduler's lists (terminated or destroyed): its core is released.
  void evict(CpuContext& c);
  void count_switch() { switches_.inc(); }
  void count_take(const sc_core::sc_time& wait);
  void count_preemption() { preemptions_.inc(); }
  // The first slice boundary of `c` at or after `now`.
  void advance_slice(CpuContext& c, const sc_core::sc_time& now, bool strictly_after) const;

  Config config_;
  std::string prefix_;
  uint32_t idle_;
  std::deque<CpuContext*> queue_;
  std::vector<CpuContext*> running_;  // in the order they took their cores
  std::deque<CpuThreadStats> threads_;
  Counter& switches_;
  Counter& preemptions_;
  Histogram& runqueue_wait_ns_;
};

}  // namespace wdsim
