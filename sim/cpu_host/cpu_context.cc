#include "sim/cpu_host/cpu_context.h"

#include <algorithm>
#include <stdexcept>

#include "sim/cpu_host/cpu_scheduler.h"

namespace wdsim {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {
sc_time now() { return sc_core::sc_time_stamp(); }
// "No deadline" for the internal waits.
const sc_time& forever() { return sc_core::sc_max_time(); }
}  // namespace

CpuContext::~CpuContext() {
  if (scheduler_) scheduler_->evict(*this);
}

void CpuContext::attach(CpuScheduler* scheduler, std::string name) {
  if (!scheduler) {
    own_stats_.name = std::move(name);
    return;
  }
  if (scheduler_) throw std::logic_error("CpuContext: already attached to a scheduler");
  scheduler_ = scheduler;
  stats_ = scheduler->add_thread(std::move(name), own_stats_);
}

void CpuContext::defer(const sc_time& t) {
  if (quantum_ == SC_ZERO_TIME) {
    busy(t);
    return;
  }
  if (kill_now()) {
    busy(t);  // throws the first time, returns afterwards
    return;
  }
  pending_ += t;
  if (pending_ >= quantum_) sync();
}

void CpuContext::busy(const sc_time& work) {
  const sc_time t = work + pending_;
  pending_ = SC_ZERO_TIME;
  if (dead_on_entry() || t <= SC_ZERO_TIME) return;
  if (!scheduler_) {
    // A core of its own: one wait, which terminate() can cut short.
    const sc_time start = now();
    sc_core::wait(t, wake_);
    stats_->busy += now() - start;
    if (kill_now()) throw_terminated(true);
    resumed();
    return;
  }
  bool waited = false;
  if (state_ != State::kRunning) waited = acquire(/*charge_switch=*/true, nullptr, nullptr);
  sc_time remaining = t;
  while (remaining > SC_ZERO_TIME) {
    const sc_time step = run_step(remaining);
    if (step == SC_ZERO_TIME) {
      preempt(nullptr, nullptr);
      waited = true;
      continue;
    }
    const sc_time start = now();
    sc_core::wait(step, wake_);
    waited = true;
    in_run_wait_ = false;
    const sc_time ran = now() - start;
    stats_->busy += ran;
    remaining -= ran;
    if (kill_now()) throw_terminated(true);
  }
  end_run_wait();
  if (waited) resumed();
}

bool CpuContext::sleep_impl(const sc_time& timeout, const sc_core::sc_event& e,
                            const sc_core::sc_event* also, bool has_deadline) {
  sync();
  if (dead_on_entry()) return false;
  const sc_time start = now();
  const sc_time deadline = has_deadline ? start + timeout : forever();
  if (scheduler_ && state_ == State::kRunning) scheduler_->release(*this);
  bool woken = false;
  while (true) {
    sc_core::sc_event_or_list events = e | wake_;
    if (also) events = events | *also;
    if (has_deadline) {
      if (now() < deadline) {
        sc_core::wait(events | deadline_event(deadline));
      } else {
        sc_core::wait(SC_ZERO_TIME, events);  // a zero timeout: one delta cycle
      }
    } else {
      sc_core::wait(events);
    }
    if (kill_now()) {
      stats_->sleeping += now() - start;
      throw_terminated(true);
    }
    if (e.triggered() || (also && also->triggered())) {
      woken = true;
      break;
    }
    if (has_deadline && now() >= deadline) break;
    // Otherwise a wake-up meant for a state we already left: sleep on.
  }
  stats_->sleeping += now() - start;
  if (scheduler_) acquire(/*charge_switch=*/false, nullptr, nullptr);
  resumed();
  return woken;
}

bool CpuContext::sleep(const sc_core::sc_event& e, const sc_time& timeout) {
  return sleep_impl(timeout, e, nullptr, /*has_deadline=*/true);
}

void CpuContext::sleep(const sc_core::sc_event& e) { sleep_impl(SC_ZERO_TIME, e, nullptr, false); }

bool CpuContext::sleep(const sc_core::sc_event& e, const sc_core::sc_event& also,
                       const sc_time& timeout) {
  return sleep_impl(timeout, e, &also, /*has_deadline=*/true);
}

bool CpuContext::spin_impl(const sc_time& timeout, const sc_core::sc_event& e,
                           const sc_core::sc_event* also, bool has_deadline) {
  sync();
  if (dead_on_entry()) return false;
  const sc_time deadline = has_deadline ? now() + timeout : forever();
  bool seen = false;
  bool waited = false;
  if (scheduler_ && state_ != State::kRunning) waited = acquire(true, &e, &seen);
  while (!seen) {
    const sc_time start = now();
    if (has_deadline && start >= deadline) break;
    sc_time step = has_deadline ? deadline - start : forever();
    if (scheduler_) {
      step = run_step(step);
      if (step == SC_ZERO_TIME) {
        preempt(&e, &seen);
        waited = true;
        continue;
      }
    }
    sc_core::sc_event_or_list events = e | wake_;
    if (also) events = events | *also;
    if (step == forever()) {
      sc_core::wait(events);
    } else if (has_deadline && start + step == deadline) {
      sc_core::wait(events | deadline_event(deadline));
    } else {
      sc_core::wait(step, events);  // a slice end: it passes unless the event comes first
    }
    waited = true;
    in_run_wait_ = false;
    stats_->busy += now() - start;
    if (kill_now()) throw_terminated(true);
    if (e.triggered() || (also && also->triggered())) seen = true;
  }
  if (scheduler_) end_run_wait();
  if (waited) resumed();
  return seen;
}

bool CpuContext::spin_wait(const sc_core::sc_event& e, const sc_time& timeout) {
  return spin_impl(timeout, e, nullptr, /*has_deadline=*/true);
}

void CpuContext::spin_wait(const sc_core::sc_event& e) {
  spin_impl(SC_ZERO_TIME, e, nullptr, false);
}

bool CpuContext::spin_wait(const sc_core::sc_event& e, const sc_core::sc_event& also,
                           const sc_time& timeout) {
  return spin_impl(timeout, e, &also, /*has_deadline=*/true);
}

const sc_core::sc_event& CpuContext::deadline_event(const sc_time& deadline) {
  const sc_time t = now();
  if (deadline_armed_ && deadline_at_ <= t) deadline_armed_ = false;  // it has fired
  if (!deadline_armed_ || deadline < deadline_at_) {
    deadline_.notify(deadline - t);  // replaces a later pending notification
    deadline_armed_ = true;
    deadline_at_ = deadline;
  }
  return deadline_;
}

void CpuContext::release() {
  if (scheduler_ && state_ == State::kRunning) scheduler_->release(*this);
}

void CpuContext::terminate() {
  if (killed_) return;
  killed_ = true;
  if (uninterruptible_ > 0) return;  // acted on when the section ends
  pending_ = SC_ZERO_TIME;           // the work it had not waited for never happens
  if (scheduler_) scheduler_->evict(*this);
  granted_ = false;
  // Delta notification: the thread's current wait ends now, whatever it waits for.
  wake_.notify(SC_ZERO_TIME);
}

void CpuContext::uninterruptible_end() {
  if (--uninterruptible_ > 0 || !killed_) return;
  pending_ = SC_ZERO_TIME;
  // The kill takes effect now: the core goes; the next busy/sleep/spin_wait throws (or, when
  // unwinding already, returns at once).
  if (scheduler_) scheduler_->evict(*this);
  granted_ = false;
}

bool CpuContext::acquire(bool charge_switch, const sc_core::sc_event* watch, bool* seen) {
  CpuScheduler& s = *scheduler_;
  const sc_time start = now();
  if (s.try_take(*this)) {
    slice_end_ = start + s.config_.time_slice;
    s.count_take(SC_ZERO_TIME);
    return false;
  }
  s.enqueue(*this);
  while (!granted_) {
    if (watch) {
      sc_core::wait(wake_ | *watch);
      if (watch->triggered()) *seen = true;
    } else {
      sc_core::wait(wake_);
    }
    if (kill_now()) {
      stats_->runqueue_wait += now() - start;
      throw_terminated(true);
    }
  }
  granted_ = false;
  const sc_time queued_for = now() - start;
  stats_->runqueue_wait += queued_for;
  s.count_take(queued_for);
  if (charge_switch) {
    // The switch runs on the core just taken: CPU time of this thread.
    const sc_time& cost = s.config_.context_switch;
    const sc_time t0 = now();
    while (now() - t0 < cost) {
      const sc_time left = cost - (now() - t0);
      if (watch && !*seen) {
        sc_core::wait(left, wake_ | *watch);
        if (watch->triggered()) *seen = true;
      } else {
        sc_core::wait(left, wake_);
      }
      if (kill_now()) break;
    }
    const sc_time spent = now() - t0;
    stats_->busy += spent;
    stats_->switching += spent;
    ++stats_->switches;
    s.count_switch();
    if (kill_now()) throw_terminated(true);
  }
  slice_end_ = now() + s.config_.time_slice;
  return true;
}

void CpuContext::preempt(const sc_core::sc_event* watch, bool* seen) {
  ++stats_->preemptions;
  scheduler_->count_preemption();
  scheduler_->release(*this);
  acquire(/*charge_switch=*/true, watch, seen);
}

sc_time CpuContext::run_step(const sc_time& want) {
  const sc_time t = now();
  const bool contended = scheduler_->has_waiters() && preempt_disabled_ == 0;
  if (t >= slice_end_) {
    if (contended) return SC_ZERO_TIME;
    scheduler_->advance_slice(*this, t, /*strictly_after=*/true);
  }
  if (contended) return std::min(want, slice_end_ - t);
  // Alone: run it all; a thread that queues meanwhile sends a notice for the slice end.
  in_run_wait_ = true;
  return want;
}

void CpuContext::end_run_wait() {
  in_run_wait_ = false;
  if (notice_pending_) {
    wake_.cancel();
    notice_pending_ = false;
  }
}

void CpuContext::throw_terminated(bool waited) {
  kill_thrown_ = true;
  if (waited) resumed();
  throw ThreadTerminated{};
}

}  // namespace wdsim
