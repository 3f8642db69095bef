#include "sim/cpu_host/cpu_scheduler.h"

#include <algorithm>
#include <stdexcept>

#include "sim/base/timing.h"

namespace wdsim {

using sc_core::sc_time;

CpuScheduler::Config CpuScheduler::config_of(const HostCostParams& costs) {
  Config c;
  c.cores = static_cast<uint32_t>(costs.cores);
  c.time_slice = ns(costs.time_slice_us * 1000.0);
  c.context_switch = ns(costs.context_switch_ns);
  return c;
}

CpuScheduler::CpuScheduler(const Config& config, StatsRegistry& stats,
                           const std::string& stat_prefix)
    : config_(config),
      prefix_(stat_prefix),
      idle_(config.cores),
      switches_(stats.counter(stat_prefix + ".context_switches",
                              "Context switches charged: a thread got a core after queueing")),
      preemptions_(stats.counter(stat_prefix + ".preemptions",
                                 "Time slices that ended with other threads waiting")),
      runqueue_wait_ns_(stats.histogram(stat_prefix + ".runqueue_wait_ns", "ns",
                                        "Time from needing a core to getting one")) {
  if (config_.cores == 0) throw std::invalid_argument("CpuScheduler: needs at least one core");
  if (config_.time_slice <= sc_core::SC_ZERO_TIME) {
    throw std::invalid_argument("CpuScheduler: time slice must be > 0");
  }
  running_.reserve(config_.cores);
}

const CpuThreadStats* CpuScheduler::thread(const std::string& name) const {
  for (const auto& t : threads_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

void CpuScheduler::report_threads(StatsRegistry& stats) const {
  for (const auto& t : threads_) {
    const std::string k = prefix_ + ".threads." + t.name + ".";
    stats.set_scalar(k + "busy_ns", to_ns(t.busy), "ns", "CPU time (work, spinning, switches)");
    stats.set_scalar(k + "switch_ns", to_ns(t.switching), "ns", "Of busy: context switches");
    stats.set_scalar(k + "runqueue_wait_ns", to_ns(t.runqueue_wait), "ns",
                     "Runnable, waiting for a core");
    stats.set_scalar(k + "sleep_ns", to_ns(t.sleeping), "ns", "Blocked in a sleep");
    stats.set_scalar(k + "switches", static_cast<double>(t.switches), "", "Context switches");
    stats.set_scalar(k + "preemptions", static_cast<double>(t.preemptions), "", "Preemptions");
  }
}

CpuThreadStats* CpuScheduler::add_thread(std::string name, const CpuThreadStats& so_far) {
  threads_.push_back(so_far);
  threads_.back().name = std::move(name);
  return &threads_.back();
}

bool CpuScheduler::try_take(CpuContext& c) {
  if (idle_ == 0) return false;
  --idle_;
  running_.push_back(&c);
  c.state_ = CpuContext::State::kRunning;
  return true;
}

void CpuScheduler::enqueue(CpuContext& c) {
  queue_.push_back(&c);
  c.state_ = CpuContext::State::kQueued;
  // Running threads in a wait that does not end at their slice end look at the queue then.
  const sc_time now = sc_core::sc_time_stamp();
  for (CpuContext* r : running_) {
    if (!r->in_run_wait_ || r->preempt_disabled_ > 0) continue;
    advance_slice(*r, now, /*strictly_after=*/false);
    r->wake_.notify(r->slice_end_ - now);
    r->notice_pending_ = true;
  }
}

void CpuScheduler::release(CpuContext& c) {
  auto it = std::find(running_.begin(), running_.end(), &c);
  if (it != running_.end()) running_.erase(it);
  c.state_ = CpuContext::State::kOff;
  c.end_run_wait();
  if (queue_.empty()) {
    ++idle_;
    return;
  }
  // The core goes straight to the head of the queue: nobody arriving later can take it.
  CpuContext* next = queue_.front();
  queue_.pop_front();
  next->state_ = CpuContext::State::kRunning;
  next->granted_ = true;
  running_.push_back(next);
  next->wake_.notify(sc_core::SC_ZERO_TIME);
}

void CpuScheduler::evict(CpuContext& c) {
  if (c.state_ == CpuContext::State::kRunning) {
    release(c);
  } else if (c.state_ == CpuContext::State::kQueued) {
    queue_.erase(std::find(queue_.begin(), queue_.end(), &c));
    c.state_ = CpuContext::State::kOff;
  }
}

void CpuScheduler::count_take(const sc_time& wait) { runqueue_wait_ns_.add(to_ns(wait)); }

void CpuScheduler::advance_slice(CpuContext& c, const sc_time& now, bool strictly_after) const {
  const sc_time::value_type slice = config_.time_slice.value();
  if (c.slice_end_ < now) {
    const sc_time::value_type behind = (now - c.slice_end_).value();
    c.slice_end_ += sc_time::from_value((behind + slice - 1) / slice * slice);
  }
  if (strictly_after && c.slice_end_ == now) c.slice_end_ += config_.time_slice;
}

}  // namespace wdsim
