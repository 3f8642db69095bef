// Program kind `exec`: the user's own program (a shared object built by `wdsim cc`) run as a
// simulated process. Its main runs on a simulated thread; the threads it creates with
// pthread_create are simulated threads of the same process; its mutexes, condition variables,
// spin locks, sleeps and clocks run on simulated time (posix_shim.cc: `wdsim cc` links the
// program with -Wl,--wrap for each of them, so its calls land here); its UADK calls are the
// runtime's (runtime/uadk), bound to the calling simulated thread. The process's address space
// mirrors the host's (Process::enable_host_mirror): the program's own pointers (malloc, stack,
// static, mmap) are the simulated process's virtual addresses, so the device's DMA reads and
// writes the very buffers the program allocated, and an address the program has not mapped
// faults as on real hardware.
//
// Time. The program's own instructions are not simulated: each call it makes into the simulated
// OS (every wrapped call) charges `cpu_ns_per_call`, and `wdsim_compute_ns(n)` (wdsim.h)
// charges n ns where the user says the program computes. Sleeps last their time plus the
// kernel's timer slack (hrtimers fire at the end of the slack range: Linux's default
// timer_slack_ns is 50 us); blocking waits (join, a contended mutex, a condition variable)
// charge the context switch away and the wake-up as the host's sleep_ns and wakeup_ns.
//
// Not modelled: fork/exec/signals/signal handlers inside the program; the program's own
// instructions, caches and TLB; file I/O timing (read/write on real fds cost nothing); process
// isolation between several instances (they share the host's heap: each instance has its own copy
// of the program's globals, but one instance's pointer is valid in another's simulated space);
// timed rwlock waits and process-shared objects (not wrapped or not shared: a host call that
// blocks stalls the whole simulation). A busy loop on memory that only another simulated thread
// changes must call something that takes simulated time (sched_yield, usleep, a UADK poll), or it
// spins forever: the simulation does not advance inside the program's own instructions.
#pragma once

#include <csetjmp>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/system/program.h"

namespace wdsim::exec {

class ExecProgram;

// One simulated thread running the program's code (its main or a pthread_create start routine).
struct ExecThread {
  ExecProgram* program = nullptr;
  ProgramThread* thread = nullptr;   // set while the thread runs
  uint64_t id = 0;                   // the pthread_t the program sees (1: main)
  SpawnedThread* spawned = nullptr;  // nullptr for main
  void* (*start)(void*) = nullptr;
  void* arg = nullptr;
  void* retval = nullptr;
  bool detached = false;
  // A hardware fault (SIGSEGV, SIGBUS, SIGFPE, SIGILL) in the program's code jumps back here.
  sigjmp_buf fault_jump;
  bool fault_armed = false;
  int fault_signo = 0;
  uint64_t fault_addr = 0;
};

// Thrown by the wrapped exit()/_exit()/pthread_exit() and caught at the thread's top: not a
// std::exception, so handlers of simulation errors do not take it.
struct ProgramExit {
  int code;
};
struct ThreadExit {
  void* retval;
};
// Thrown by the wrapped abort() and a failed assert(): the process dies of SIGABRT.
struct ProgramAbort {};

struct ExecParams : ProgramParams {
  std::string program;
  std::vector<std::string> args;
  double cpu_ns_per_call;
  double ns_per_block;
  uint64_t slice_blocks;
  double timer_slack_ns;
  uint64_t stack_bytes;
  double realtime_epoch_s;
  void declare(ParamScope& s) override;
};

// What one synchronization object of the program is, in simulated time (keyed by its address).
struct SimMutex {
  uint64_t owner = 0;  // ExecThread id, 0 = free
  uint32_t depth = 0;  // recursive mutexes
  int type = 0;        // PTHREAD_MUTEX_NORMAL / RECURSIVE / ERRORCHECK
  uint32_t waiters = 0;
  sc_core::sc_event released;
};
// One thread blocked in pthread_cond_wait (on its stack while it waits).
struct SimCondWaiter {
  bool woken = false;  // set by signal/broadcast; the waiter then leaves the queue itself
};
// A condition variable: its waiters in arrival order. signal wakes the oldest, broadcast every
// one queued at the time of the call; a wake-up belongs to the waiter it was given to, so a
// thread that starts waiting later cannot take it.
struct SimCond {
  std::deque<SimCondWaiter*> waiters;
  sc_core::sc_event signalled;
};
struct SimSpin {
  bool locked = false;
  sc_core::sc_event released;
};
// A semaphore (sem_t): its count; waiters take it in no particular order, as POSIX allows.
struct SimSemaphore {
  uint32_t value = 0;
  uint32_t waiters = 0;
  sc_core::sc_event posted;
};
// A barrier: `count` threads meet; each round is a generation.
struct SimBarrier {
  uint32_t count = 0;
  uint32_t arrived = 0;
  uint64_t generation = 0;
  sc_core::sc_event opened;
};
// A read-write lock, preferring readers as glibc's default (PTHREAD_RWLOCK_PREFER_READER_NP).
struct SimRwLock {
  uint32_t readers = 0;
  uint64_t writer = 0;  // ExecThread id, 0 = none
  uint32_t waiters = 0;
  sc_core::sc_event released;
};
// The program's objects of one kind, by address, made on first use (a statically initialized
// object, PTHREAD_*_INITIALIZER, is first seen when it is used). Lookups only, never iterated, so
// the hash order is never observed.
template <class T>
class SyncObjects {
 public:
  T& at(const void* addr) {
    auto& p = objects_[addr];
    if (!p) p = std::make_unique<T>();
    return *p;
  }
  void forget(const void* addr) { objects_.erase(addr); }

 private:
  std::unordered_map<const void*, std::unique_ptr<T>> objects_;
};

class ExecProgram : public Program {
 public:
  ExecProgram(const ExecParams& p, const ProgramSetup& setup);
  ~ExecProgram() override;
  void run(ProgramThread& t) override;
  uint64_t requests_ok() const override { return 0; }
  uint64_t requests_failed() const override { return 0; }

  const ExecParams& params() const { return p_; }
  const ProgramSetup& setup() const { return setup_; }
  // The simulated thread running now, or nullptr if the caller is not one of an exec program's.
  static ExecThread* current();

  // What posix_shim.cc does on the program's behalf (each on the calling thread `self`).
  uint64_t create_thread(ExecThread& self, void* (*start)(void*), void* arg);
  int join_thread(ExecThread& self, uint64_t id, void** retval);
  int detach_thread(uint64_t id);
  SyncObjects<SimMutex>& mutexes() { return mutexes_; }
  SyncObjects<SimCond>& conds() { return conds_; }
  SyncObjects<SimSpin>& spins() { return spins_; }
  SyncObjects<SimSemaphore>& semaphores() { return semaphores_; }
  SyncObjects<SimBarrier>& barriers() { return barriers_; }
  SyncObjects<SimRwLock>& rwlocks() { return rwlocks_; }
  // The host's blocking sleep (futex wait) until `ready()` holds: each time the thread sleeps
  // (woken by `e`) it pays the switch away and the wake-up. `ready` is checked after the thread's
  // pending CPU time is spent, so a change made meanwhile is never missed. Returns false if the
  // simulated time reached `deadline_ps` first (0: no deadline).
  bool block_until(ExecThread& self, const sc_core::sc_event& e, uint64_t deadline_ps,
                   const std::function<bool()>& ready);
  // Charges the per-call CPU cost and the program's basic blocks since the last charge, and
  // re-binds the UADK runtime to the calling thread.
  void enter_call(ExecThread& self);
  // The program's code ran `slice_blocks` basic blocks without a call: charge them and let
  // simulated time catch up (so a loop waiting on memory another thread writes ends).
  void end_slice(ExecThread& self);
  // The host's view of a range the program unmapped, remapped or re-protected.
  void host_range_changed(ExecThread& self, uint64_t va, uint64_t len);

  // For the report.
  struct Figures {
    int exit_code = 0;
    int signal = 0;
    bool exited = false;
    uint64_t threads = 0;
    uint64_t calls = 0;
    uint64_t blocks = 0;       // blocking waits (join, mutex, condition variable, sleep)
    uint64_t code_blocks = 0;  // basic blocks of the program's own code that ran
    uint64_t run_ps = 0;       // main's start to the process's exit
    uint64_t cpu_ps = 0;       // the threads' CPU time
  };
  const Figures& figures() const { return figures_; }
  const std::string& path() const { return path_; }

 private:
  void run_main(ProgramThread& t, ExecThread& self);
  // Runs `body` on `self` with the fault jump armed; returns the signal (0 = none).
  template <class F>
  int guarded(ExecThread& self, F body);
  void thread_ended(ExecThread& self);

  ExecParams p_;
  ProgramSetup setup_;
  std::string path_;  // the program's shared object
  void* handle_ = nullptr;
  int (*main_)(int, char**, char**) = nullptr;
  std::string image_copy_;  // a private copy of the shared object for this instance, if any
  ProgramThread* main_thread_ = nullptr;
  std::map<uint64_t, std::unique_ptr<ExecThread>> threads_;  // by id
  uint64_t next_id_ = 1;
  SyncObjects<SimMutex> mutexes_;
  SyncObjects<SimCond> conds_;
  SyncObjects<SimSpin> spins_;
  SyncObjects<SimSemaphore> semaphores_;
  SyncObjects<SimBarrier> barriers_;
  SyncObjects<SimRwLock> rwlocks_;
  Figures figures_;
  uint64_t start_ps_ = 0;
};

// Simulated time of the calling thread, in ps.
uint64_t now_ps(ExecThread& self);
// The basic blocks the program's code has run since the last call (counted by the
// -fsanitize-coverage=trace-pc hook in posix_shim.cc), and resets the count.
uint64_t take_code_blocks();
// The count at which the hook ends a slice (ExecParams::slice_blocks of the running thread).
void set_slice_blocks(uint64_t n);

}  // namespace wdsim::exec
