// The CPU side of one simulated thread (or of a kernel context such as the core that takes
// interrupts). Software steps call busy(cost); blocking waits call sleep(); busy-waits call
// spin_wait(). Every call runs in the calling SC_THREAD.
//
// Unattached (the default: boot, IRQ and kernel contexts), the context has a core of its own:
// busy(t) is one wait(t), sleep() waits for the event or the timeout, spin_wait() does the same
// and charges the wait as CPU time. Attached to a CpuScheduler, the thread must hold one of the
// scheduler's cores to make progress (busy, spin_wait), gives it up while it sleeps, queues
// for it when all cores are taken, and is preempted at the end of its time slice when others
// are waiting (cpu_scheduler.h has the rules and the costs).
//
// terminate() (called by another process: the kernel killing the thread) ends the thread's
// current or next wait at once with ThreadTerminated, thrown exactly once; afterwards busy,
// sleep and spin_wait return at once without waiting, so code that unwinds (destructors
// calling close()) neither waits nor throws again. Kernel work that must finish (a mailbox
// command, a command-queue sync, a SpinLock section) runs in an Uninterruptible section: a
// kill takes effect when it ends, and a section entered while unwinding waits for real.
//
// Temporal decoupling (set_quantum): defer(t) adds CPU work to the thread's local time
// without a wait, as tlm_utils::tlm_quantumkeeper does; the thread runs ahead of simulated time
// by at most the quantum. Every other call (busy, sleep, spin_wait) first applies what was
// deferred, so the thread's waits, its core's slices and its CPU time stay exactly as if each
// step had been a wait; the caller syncs before anything others can observe (HostThread: MMIO,
// system calls, polls, loads of device-shared memory, locks; reads go through sync_for_read, which
// skips the wait when nothing else could run before the thread's own time). local_now() is the
// thread's own time. Without a quantum (the default: boot, IRQ and kernel contexts) defer is busy.
//
// Not modelled here: what the thread computes (callers pass the cost), caches and the cost of
// refilling them after a switch (only context_switch_ns), CPU frequency.
// A thread attached to a scheduler must wait only through these calls: a raw wait() would hold
// its core without being preempted.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <systemc>

namespace wdsim {

class CpuScheduler;

// Thrown into a terminated thread. Not a std::exception, so handlers of simulation errors
// (std::runtime_error, std::exception) do not swallow it: it unwinds to the thread's top.
struct ThreadTerminated {};

// What one thread spent, kept by its scheduler after the thread is gone (one per attach()).
struct CpuThreadStats {
  std::string name;
  sc_core::sc_time busy = sc_core::SC_ZERO_TIME;           // CPU time: work, spinning, switches
  sc_core::sc_time switching = sc_core::SC_ZERO_TIME;      // of busy: context switches charged
  sc_core::sc_time runqueue_wait = sc_core::SC_ZERO_TIME;  // runnable, waiting for a core
  sc_core::sc_time sleeping = sc_core::SC_ZERO_TIME;       // blocked in sleep()
  uint64_t switches = 0;     // context switches charged (got a core after queueing)
  uint64_t preemptions = 0;  // time slice ended with others waiting
};

class CpuContext {
 public:
  CpuContext() = default;
  // Gives the core back (a thread that ends releases its core); never waits.
  ~CpuContext();
  CpuContext(const CpuContext&) = delete;
  CpuContext& operator=(const CpuContext&) = delete;

  // Makes this thread one of `scheduler`'s (nullptr: stays unattached). Call before the first
  // busy/sleep/spin_wait. `name` names the thread in the scheduler's per-thread records.
  void attach(CpuScheduler* scheduler, std::string name);

  // Runs `t` of CPU work on a core (after what was deferred).
  void busy(const sc_core::sc_time& t);
  // Temporal decoupling (see the header comment): how far the thread may run ahead of
  // simulated time; zero turns it off.
  void set_quantum(const sc_core::sc_time& q) { quantum_ = q; }
  // CPU work the thread runs without waiting now; synchronises once a quantum has built up.
  void defer(const sc_core::sc_time& t);
  // Applies the deferred work (one busy); local time becomes simulated time.
  void sync() {
    if (pending_ > sc_core::SC_ZERO_TIME) busy(sc_core::SC_ZERO_TIME);
  }
  // Before a read of state other processes change (queue memory a device writes, a lock word):
  // syncs, unless nothing else in the simulation can run before the thread's own time (no
  // activity pending now, the next timed event later than local_now()). Then the read sees
  // now what it would see then, and the deferred work stays deferred for the next sync: the
  // same results without the wait.
  void sync_for_read() {
    if (pending_ == sc_core::SC_ZERO_TIME) return;
    if (!killed_ && !sc_core::sc_pending_activity_at_current_time() &&
        sc_core::sc_time_to_pending_activity() > pending_) {
      return;
    }
    sync();
  }
  // The thread's own time: simulated time plus the deferred work.
  sc_core::sc_time local_now() const { return sc_core::sc_time_stamp() + pending_; }
  const sc_core::sc_time& pending() const { return pending_; }
  // Blocking sleep (epoll, wait_for_completion, a mutex): the core is free while it waits and
  // taken again after. True if woken by `e`, false on timeout. Charges no CPU time: the
  // caller charges the switch away and the wake-up (HostCostParams sleep_ns, wakeup_ns).
  bool sleep(const sc_core::sc_event& e, const sc_core::sc_time& timeout);
  // The same without a timeout.
  void sleep(const sc_core::sc_event& e);
  // The same, woken by either event (e.g. the queue's wake-up or the kernel's signal event);
  // true when either fired.
  bool sleep(const sc_core::sc_event& e, const sc_core::sc_event& also,
             const sc_core::sc_time& timeout);
  // Busy-wait (polling, a spinlock): holds the core; the whole wait is CPU time. True if `e`
  // fired (also while the thread was preempted: it sees it when it runs again), false once
  // `timeout` has passed without it.
  bool spin_wait(const sc_core::sc_event& e, const sc_core::sc_time& timeout);
  // The same without a timeout.
  void spin_wait(const sc_core::sc_event& e);
  // The same, ending when either event fires.
  bool spin_wait(const sc_core::sc_event& e, const sc_core::sc_event& also,
                 const sc_core::sc_time& timeout);

  // The thread stops running (it exits, or waits outside this class): its core goes to the
  // next waiting thread; the next busy/spin_wait queues for one again. Never waits.
  void release();
  // While disabled (nested count) a thread is not preempted at slice end (a spinlock holder,
  // preempt_disable()).
  void preempt_disable() { ++preempt_disabled_; }
  void preempt_enable() { --preempt_disabled_; }

  // Called each time the thread resumes after a wait of its own (busy, sleep, spin_wait),
  // before the call returns or throws.
  void set_resume_hook(std::function<void()> hook) { resume_hook_ = std::move(hook); }

  // From another process: ends the thread (see the header comment). Releases its core.
  void terminate();
  bool terminated() const { return killed_; }

  // Kernel work that must run to its end (a mailbox command, a command-queue sync, a spinlock
  // section): terminate() meanwhile takes effect when the outermost section ends (as a fatal
  // signal is acted on once the kernel work is done); a thread already terminated (unwinding)
  // runs a section with real waits, so a hardware handshake still completes. Nested.
  void uninterruptible_begin() { ++uninterruptible_; }
  void uninterruptible_end();
  class Uninterruptible {
   public:
    explicit Uninterruptible(CpuContext& cpu) : cpu_(cpu) { cpu_.uninterruptible_begin(); }
    ~Uninterruptible() { cpu_.uninterruptible_end(); }
    Uninterruptible(const Uninterruptible&) = delete;
    Uninterruptible& operator=(const Uninterruptible&) = delete;

   private:
    CpuContext& cpu_;
  };

  // CPU time charged: work (deferred work included), spinning, context switches.
  sc_core::sc_time busy_time() const { return stats_->busy + pending_; }
  const CpuThreadStats& stats() const { return *stats_; }
  bool attached() const { return scheduler_ != nullptr; }
  bool holds_core() const { return state_ == State::kRunning; }

 private:
  friend class CpuScheduler;
  enum class State { kOff, kQueued, kRunning };

  // Takes a core, queueing if none is free. Returns whether it waited. A thread that queued
  // pays context_switch_ns when charge_switch. While queued, records whether `watch` fired.
  bool acquire(bool charge_switch, const sc_core::sc_event* watch, bool* seen);
  bool sleep_impl(const sc_core::sc_time& timeout, const sc_core::sc_event& e,
                  const sc_core::sc_event* also, bool has_deadline);
  bool spin_impl(const sc_core::sc_time& timeout, const sc_core::sc_event& e,
                 const sc_core::sc_event* also, bool has_deadline);
  // Slice over with others waiting: to the back of the queue, then on a core again.
  void preempt(const sc_core::sc_event* watch, bool* seen);
  // How long the thread may run before looking at the queue again (at most `want`); at a slice
  // end with waiters it must preempt first (returns zero).
  sc_core::sc_time run_step(const sc_core::sc_time& want);
  void end_run_wait();
  // The event a sleep or spin with a deadline waits on (with its other events) instead of a
  // timed wait: a timed wait that ends by an event leaves its cancelled timeout in SystemC's
  // timed-event queue until its time comes (a poll's timeout: seconds away), so with one per
  // request the queue grew with the run and every event cost log(requests). deadline_ stays
  // armed at the earliest deadline asked for; a later deadline keeps it and re-arms when it
  // fires (a spurious wake the loops already handle). Host speed only: no result changes.
  const sc_core::sc_event& deadline_event(const sc_core::sc_time& deadline);
  // Terminated, and not inside an uninterruptible section.
  bool kill_now() const { return killed_ && uninterruptible_ == 0; }
  // On entry to busy/sleep/spin_wait: throws the first time after terminate(); true when the
  // call must return at once.
  bool dead_on_entry() {
    if (!kill_now()) return false;
    if (!kill_thrown_) throw_terminated(false);
    return true;
  }
  [[noreturn]] void throw_terminated(bool waited);
  void resumed() {
    if (resume_hook_) resume_hook_();
  }

  CpuScheduler* scheduler_ = nullptr;
  CpuThreadStats own_stats_;
  CpuThreadStats* stats_ = &own_stats_;  // the scheduler's record once attached
  // One event wakes the thread for everything the scheduler and terminate() tell it: a core
  // granted, a slice end while others wait, termination. Flags say which.
  sc_core::sc_event wake_;
  State state_ = State::kOff;
  bool granted_ = false;
  bool notice_pending_ = false;  // a slice-end notice is scheduled on wake_
  bool in_run_wait_ = false;     // running in a wait that does not end at the slice end
  bool killed_ = false;
  bool kill_thrown_ = false;
  int preempt_disabled_ = 0;
  int uninterruptible_ = 0;
  sc_core::sc_time slice_end_ = sc_core::SC_ZERO_TIME;
  sc_core::sc_time quantum_ = sc_core::SC_ZERO_TIME;
  sc_core::sc_time pending_ = sc_core::SC_ZERO_TIME;  // deferred CPU work not yet waited for
  sc_core::sc_event deadline_;
  bool deadline_armed_ = false;
  sc_core::sc_time deadline_at_ = sc_core::SC_ZERO_TIME;  // when deadline_ fires, if armed
  std::function<void()> resume_hook_;
};

// A kernel spinlock shared by simulated threads (spin_lock/spin_unlock): a waiter spins,
// holding its core (CPU time); holder and waiters are not preempted and finish the section
// even if terminated meanwhile. Uncontended, lock and unlock cost no simulated time.
class SpinLock {
 public:
  void lock(CpuContext& cpu) {
    cpu.uninterruptible_begin();
    cpu.preempt_disable();
    while (locked_) cpu.spin_wait(released_);
    locked_ = true;
  }
  void unlock(CpuContext& cpu) {
    locked_ = false;
    released_.notify(sc_core::SC_ZERO_TIME);
    cpu.preempt_enable();
    cpu.uninterruptible_end();
  }
  bool locked() const { return locked_; }

 private:
  bool locked_ = false;
  sc_core::sc_event released_;
};

// Holds a SpinLock for a scope.
class SpinLockGuard {
 public:
  SpinLockGuard(SpinLock& lock, CpuContext& cpu) : lock_(lock), cpu_(cpu) { lock_.lock(cpu_); }
  ~SpinLockGuard() { lock_.unlock(cpu_); }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  SpinLock& lock_;
  CpuContext& cpu_;
};

}  // namespace wdsim
