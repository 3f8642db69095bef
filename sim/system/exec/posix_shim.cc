// The C library and pthread calls of a program run by `wdsim exec`, on simulated time. `wdsim cc`
// links the program with -Wl,--wrap=NAME for every name in kWrappedCalls (wrapped_calls.h), so
// the program's own calls to NAME go to __wrap_NAME here, exported by the wdsim executable
// (-rdynamic). Called from anywhere but an exec program's simulated thread (a constructor of the
// program run by the host, an atexit handler at the host's exit), each does what the C library
// would (the real call).
//
// Semantics follow POSIX and glibc where the program can observe them: return codes (EBUSY,
// EPERM, EDEADLK, ETIMEDOUT, ESRCH), recursive and error-checking mutex types, CLOCK_* ids. A
// normal mutex locked twice by its owner returns EDEADLK instead of deadlocking the simulation.
// errno is the host's, shared by the simulated threads (they switch only inside these calls and
// UADK calls). Sources: POSIX.1-2017 (pthread_mutex_lock, pthread_cond_wait, clock_gettime,
// nanosleep), the glibc manual, Linux clock_gettime(2) and timer slack (prctl(2)).
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/system/exec/exec_program.h"

using wdsim::exec::ExecProgram;
using wdsim::exec::ExecThread;

namespace {

constexpr uint64_t kPsPerNs = 1000;
constexpr uint64_t kNsPerS = 1'000'000'000ull;
constexpr uint64_t kNsPerUs = 1000;
// glibc malloc chunk header (malloc/malloc.c): the size word before the user pointer, its flag
// bits, and the chunk's start two words before the pointer; a chunk it mmapped has IS_MMAPPED and
// its prev_size word holds the mapping's offset before the chunk.
constexpr size_t kChunkIsMmapped = 0x2;
constexpr size_t kChunkFlagBits = 0x7;

// The calling exec thread, with its call entered (cost charged, runtime bound).
// Basic blocks of the program's code since the last call (all simulated threads share the count:
// they switch only inside calls, and each call takes the count, so it is always the running
// thread's), and the count at which the hook ends a slice.
uint64_t g_code_blocks = 0;
uint64_t g_slice_blocks = UINT64_MAX;

ExecThread* enter() {
  ExecThread* self = ExecProgram::current();
  if (self) self->program->enter_call(*self);
  return self;
}

uint64_t timespec_ns(const timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * kNsPerS + static_cast<uint64_t>(ts.tv_nsec);
}
timespec ns_timespec(uint64_t ns) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ns / kNsPerS);
  ts.tv_nsec = static_cast<long>(ns % kNsPerS);
  return ts;
}

uint64_t realtime_ns(ExecThread& self) {
  return static_cast<uint64_t>(self.program->params().realtime_epoch_s * 1e9) +
         wdsim::exec::now_ps(self) / kPsPerNs;
}

// Sleeps for `ns` plus the timer slack. Returns at once for 0.
void sleep_ns(ExecThread& self, uint64_t ns) {
  static sc_core::sc_event never;  // nothing notifies it: the sleep ends by its timeout
  if (ns == 0) return;
  const uint64_t total_ps =
      ns * kPsPerNs + static_cast<uint64_t>(self.program->params().timer_slack_ns * 1e3);
  self.thread->os.cpu().sync();
  const uint64_t end = wdsim::exec::now_ps(self) + total_ps;
  self.program->block_until(self, never, end, [] { return false; });
}

// A mutex's type from its attributes (the real attribute object: it is not wrapped).
int mutex_type(const pthread_mutexattr_t* attr) {
  int type = PTHREAD_MUTEX_NORMAL;
  if (attr) pthread_mutexattr_gettype(attr, &type);
  return type;
}

int lock_mutex(ExecThread& self, pthread_mutex_t* m, bool try_only) {
  wdsim::exec::SimMutex& s = self.program->mutexes().at(m);
  if (s.owner == self.id) {
    if (s.type == PTHREAD_MUTEX_RECURSIVE) {
      ++s.depth;
      return 0;
    }
    return try_only ? EBUSY : EDEADLK;
  }
  if (s.owner != 0 && try_only) return EBUSY;
  ++s.waiters;
  self.program->block_until(self, s.released, 0, [&s] { return s.owner == 0; });
  --s.waiters;
  s.owner = self.id;
  s.depth = 1;
  return 0;
}

int unlock_mutex(ExecThread& self, pthread_mutex_t* m) {
  wdsim::exec::SimMutex& s = self.program->mutexes().at(m);
  if (s.owner != self.id) return EPERM;
  if (--s.depth > 0) return 0;
  s.owner = 0;
  if (s.waiters) s.released.notify(sc_core::SC_ZERO_TIME);
  return 0;
}

// A CLOCK_REALTIME deadline as simulated time (now if it has passed).
uint64_t realtime_deadline_ps(ExecThread& self, const timespec& abstime) {
  const uint64_t want = timespec_ns(abstime);
  const uint64_t now = realtime_ns(self);
  return wdsim::exec::now_ps(self) + (want > now ? (want - now) * kPsPerNs : 0);
}

int cond_wait(ExecThread& self, pthread_cond_t* c, pthread_mutex_t* m, const timespec* abstime) {
  if (const int rc = unlock_mutex(self, m)) return rc;
  wdsim::exec::SimCond& s = self.program->conds().at(c);
  wdsim::exec::SimCondWaiter me;
  s.waiters.push_back(&me);
  // Leaves the queue however the wait ends (timeout, or the thread unwound by a kill); a woken
  // waiter was already taken off it by the waker.
  struct Dequeue {
    wdsim::exec::SimCond& s;
    wdsim::exec::SimCondWaiter& me;
    ~Dequeue() {
      if (me.woken) return;
      const auto it = std::find(s.waiters.begin(), s.waiters.end(), &me);
      if (it != s.waiters.end()) s.waiters.erase(it);
    }
  } dequeue{s, me};
  // Condition variables default to CLOCK_REALTIME (pthread_condattr_setclock not modelled).
  const uint64_t deadline_ps = abstime ? realtime_deadline_ps(self, *abstime) : 0;
  bool woken = false;  // a deadline already past: ETIMEDOUT without waiting
  if (!abstime || deadline_ps > wdsim::exec::now_ps(self)) {
    woken = self.program->block_until(self, s.signalled, deadline_ps, [&me] { return me.woken; });
  }
  const int rc = woken ? 0 : ETIMEDOUT;
  lock_mutex(self, m, false);
  return rc;
}

// Wakes the oldest waiter of `s` (all of them if `all`).
void wake_cond(wdsim::exec::SimCond& s, bool all) {
  if (s.waiters.empty()) return;
  do {
    s.waiters.front()->woken = true;
    s.waiters.pop_front();
  } while (all && !s.waiters.empty());
  s.signalled.notify(sc_core::SC_ZERO_TIME);
}

// A spin lock's identity (pthread_spinlock_t is a volatile int).
const void* spin_key(pthread_spinlock_t* l) {
  return reinterpret_cast<const void*>(const_cast<int*>(l));
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kGlibcMalloc = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kGlibcMalloc = false;
#else
constexpr bool kGlibcMalloc = true;
#endif
#else
constexpr bool kGlibcMalloc = true;
#endif

// A chunk glibc mmapped is unmapped by free/realloc: the simulated kernel is told first. (Under
// AddressSanitizer malloc is ASan's, whose chunks have no such header: nothing is told.)
void before_chunk_release(ExecThread& self, void* p) {
  if (!kGlibcMalloc || !p) return;
  const size_t* words = static_cast<const size_t*>(p);
  const size_t size_word = words[-1];
  if (!(size_word & kChunkIsMmapped)) return;
  const size_t offset = words[-2];
  const uint64_t chunk = reinterpret_cast<uint64_t>(p) - 2 * sizeof(size_t);
  self.program->host_range_changed(self, chunk - offset, (size_word & ~kChunkFlagBits) + offset);
}

}  // namespace

extern "C" {

#define WDSIM_EXPORT __attribute__((visibility("default")))

WDSIM_EXPORT void wdsim_compute_ns(unsigned long long ns) {
  ExecThread* self = ExecProgram::current();
  if (self) self->thread->os.compute(static_cast<wdsim::rt::Picoseconds>(ns * kPsPerNs));
}

// Threads.
// Reached through wdsim_glue.c's __wrap_pthread_create (libgcc.a has a symbol of that name).
WDSIM_EXPORT int wdsim_pthread_create(pthread_t* thread, const pthread_attr_t* attr,
                                      void* (*start)(void*), void* arg) {
  ExecThread* self = enter();
  if (!self) return pthread_create(thread, attr, start, arg);
  *thread = static_cast<pthread_t>(self->program->create_thread(*self, start, arg));
  return 0;
}
WDSIM_EXPORT int __wrap_pthread_join(pthread_t thread, void** retval) {
  ExecThread* self = enter();
  if (!self) return pthread_join(thread, retval);
  return self->program->join_thread(*self, static_cast<uint64_t>(thread), retval);
}
WDSIM_EXPORT int __wrap_pthread_detach(pthread_t thread) {
  ExecThread* self = enter();
  if (!self) return pthread_detach(thread);
  return self->program->detach_thread(static_cast<uint64_t>(thread));
}
WDSIM_EXPORT pthread_t __wrap_pthread_self(void) {
  ExecThread* self = ExecProgram::current();
  return self ? static_cast<pthread_t>(self->id) : pthread_self();
}
WDSIM_EXPORT int __wrap_pthread_equal(pthread_t a, pthread_t b) { return a == b; }
WDSIM_EXPORT void __wrap_pthread_exit(void* retval) {
  ExecThread* self = enter();
  if (!self) pthread_exit(retval);
  if (self->id == 1) throw wdsim::exec::ProgramExit{0};  // main's pthread_exit: treated as exit
  throw wdsim::exec::ThreadExit{retval};
}
WDSIM_EXPORT int __wrap_sched_yield(void) {
  ExecThread* self = enter();
  if (!self) return sched_yield();
  self->thread->os.cpu().sync();
  return 0;
}

// Mutexes.
WDSIM_EXPORT int __wrap_pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t* attr) {
  ExecThread* self = enter();
  if (!self) return pthread_mutex_init(m, attr);
  self->program->mutexes().forget(m);
  self->program->mutexes().at(m).type = mutex_type(attr);
  return 0;
}
WDSIM_EXPORT int __wrap_pthread_mutex_destroy(pthread_mutex_t* m) {
  ExecThread* self = enter();
  if (!self) return pthread_mutex_destroy(m);
  const wdsim::exec::SimMutex& s = self->program->mutexes().at(m);
  if (s.owner != 0 || s.waiters != 0) return EBUSY;
  self->program->mutexes().forget(m);
  return 0;
}
WDSIM_EXPORT int __wrap_pthread_mutex_lock(pthread_mutex_t* m) {
  ExecThread* self = enter();
  return self ? lock_mutex(*self, m, false) : pthread_mutex_lock(m);
}
WDSIM_EXPORT int __wrap_pthread_mutex_trylock(pthread_mutex_t* m) {
  ExecThread* self = enter();
  return self ? lock_mutex(*self, m, true) : pthread_mutex_trylock(m);
}
WDSIM_EXPORT int __wrap_pthread_mutex_unlock(pthread_mutex_t* m) {
  ExecThread* self = enter();
  return self ? unlock_mutex(*self, m) : pthread_mutex_unlock(m);
}

// Condition variables.
WDSIM_EXPORT int __wrap_pthread_cond_init(pthread_cond_t* c, const pthread_condattr_t* attr) {
  ExecThread* self = enter();
  if (!self) return pthread_cond_init(c, attr);
  // Re-initializing a condition variable threads wait on: POSIX's optional EBUSY.
  if (!self->program->conds().at(c).waiters.empty()) return EBUSY;
  self->program->conds().forget(c);
  return 0;
}
WDSIM_EXPORT int __wrap_pthread_cond_destroy(pthread_cond_t* c) {
  ExecThread* self = enter();
  if (!self) return pthread_cond_destroy(c);
  if (!self->program->conds().at(c).waiters.empty()) return EBUSY;
  self->program->conds().forget(c);
  return 0;
}
WDSIM_EXPORT int __wrap_pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  ExecThread* self = enter();
  return self ? cond_wait(*self, c, m, nullptr) : pthread_cond_wait(c, m);
}
WDSIM_EXPORT int __wrap_pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m,
                                               const timespec* abstime) {
  ExecThread* self = enter();
  return self ? cond_wait(*self, c, m, abstime) : pthread_cond_timedwait(c, m, abstime);
}
WDSIM_EXPORT int __wrap_pthread_cond_signal(pthread_cond_t* c) {
  ExecThread* self = enter();
  if (!self) return pthread_cond_signal(c);
  wake_cond(self->program->conds().at(c), false);
  return 0;
}
WDSIM_EXPORT int __wrap_pthread_cond_broadcast(pthread_cond_t* c) {
  ExecThread* self = enter();
  if (!self) return pthread_cond_broadcast(c);
  wake_cond(self->program->conds().at(c), true);
  return 0;
}

// Spin locks: a waiter spins on its core (CPU time) until the holder releases.
WDSIM_EXPORT int __wrap_pthread_spin_init(pthread_spinlock_t* l, int pshared) {
  ExecThread* self = enter();
  if (!self) return pthread_spin_init(l, pshared);
  self->program->spins().forget(spin_key(l));
  return 0;
}
WDSIM_EXPORT int __wrap_pthread_spin_destroy(pthread_spinlock_t* l) {
  ExecThread* self = enter();
  if (!self) return pthread_spin_destroy(l);
  self->program->spins().forget(spin_key(l));
  return 0;
}
WDSIM_EXPORT int __wrap_pthread_spin_lock(pthread_spinlock_t* l) {
  ExecThread* self = enter();
  if (!self) return pthread_spin_lock(l);
  wdsim::exec::SimSpin& s = self->program->spins().at(spin_key(l));
  // The pending CPU time first, then the check (an unlock meanwhile is seen, not missed).
  for (self->thread->os.cpu().sync(); s.locked; self->thread->os.cpu().sync()) {
    self->thread->os.cpu().spin_wait(s.released);
  }
  s.locked = true;
  return 0;
}
WDSIM_EXPORT int __wrap_pthread_spin_trylock(pthread_spinlock_t* l) {
  ExecThread* self = enter();
  if (!self) return pthread_spin_trylock(l);
  wdsim::exec::SimSpin& s = self->program->spins().at(spin_key(l));
  if (s.locked) return EBUSY;
  s.locked = true;
  return 0;
}
WDSIM_EXPORT int __wrap_pthread_spin_unlock(pthread_spinlock_t* l) {
  ExecThread* self = enter();
  if (!self) return pthread_spin_unlock(l);
  wdsim::exec::SimSpin& s = self->program->spins().at(spin_key(l));
  s.locked = false;
  s.released.notify(sc_core::SC_ZERO_TIME);
  return 0;
}

// -fsanitize-coverage=trace-pc (`wdsim cc`): the compiler calls this at every basic block of the
// program's code. Every slice_blocks blocks without a call, the thread's time catches up.
WDSIM_EXPORT void __sanitizer_cov_trace_pc(void) {
  if (++g_code_blocks < g_slice_blocks) return;
  if (ExecThread* self = ExecProgram::current()) {
    self->program->end_slice(*self);
  } else {
    g_code_blocks = 0;  // the host running the program's code (a constructor, atexit)
  }
}

// Semaphores (sem_t, unnamed): the calls return -1 and set errno, as the C library's do.
WDSIM_EXPORT int __wrap_sem_init(sem_t* sem, int pshared, unsigned value) {
  ExecThread* self = enter();
  if (!self) return sem_init(sem, pshared, value);
  if (value > SEM_VALUE_MAX) {
    errno = EINVAL;
    return -1;
  }
  self->program->semaphores().forget(sem);
  self->program->semaphores().at(sem).value = value;
  return 0;
}
WDSIM_EXPORT int __wrap_sem_destroy(sem_t* sem) {
  ExecThread* self = enter();
  if (!self) return sem_destroy(sem);
  if (self->program->semaphores().at(sem).waiters) {
    errno = EBUSY;  // POSIX leaves it undefined; glibc does not check
    return -1;
  }
  self->program->semaphores().forget(sem);
  return 0;
}
namespace {
int sem_take(ExecThread& self, sem_t* sem, const timespec* abstime, bool try_only) {
  wdsim::exec::SimSemaphore& s = self.program->semaphores().at(sem);
  if (s.value == 0 && try_only) {
    errno = EAGAIN;
    return -1;
  }
  if (abstime && (abstime->tv_nsec < 0 || abstime->tv_nsec >= static_cast<long>(kNsPerS))) {
    errno = EINVAL;
    return -1;
  }
  const uint64_t deadline_ps = abstime ? realtime_deadline_ps(self, *abstime) : 0;
  bool got = s.value > 0;
  if (!got && (!abstime || deadline_ps > wdsim::exec::now_ps(self))) {
    ++s.waiters;
    got = self.program->block_until(self, s.posted, deadline_ps, [&s] { return s.value > 0; });
    --s.waiters;
  }
  if (!got) {
    errno = ETIMEDOUT;
    return -1;
  }
  --s.value;
  return 0;
}
}  // namespace
WDSIM_EXPORT int __wrap_sem_wait(sem_t* sem) {
  ExecThread* self = enter();
  return self ? sem_take(*self, sem, nullptr, false) : sem_wait(sem);
}
WDSIM_EXPORT int __wrap_sem_trywait(sem_t* sem) {
  ExecThread* self = enter();
  return self ? sem_take(*self, sem, nullptr, true) : sem_trywait(sem);
}
WDSIM_EXPORT int __wrap_sem_timedwait(sem_t* sem, const timespec* abstime) {
  ExecThread* self = enter();
  return self ? sem_take(*self, sem, abstime, false) : sem_timedwait(sem, abstime);
}
WDSIM_EXPORT int __wrap_sem_post(sem_t* sem) {
  ExecThread* self = enter();
  if (!self) return sem_post(sem);
  wdsim::exec::SimSemaphore& s = self->program->semaphores().at(sem);
  if (s.value == SEM_VALUE_MAX) {
    errno = EOVERFLOW;
    return -1;
  }
  ++s.value;
  if (s.waiters) s.posted.notify(sc_core::SC_ZERO_TIME);
  return 0;
}
WDSIM_EXPORT int __wrap_sem_getvalue(sem_t* sem, int* value) {
  ExecThread* self = enter();
  if (!self) return sem_getvalue(sem, value);
  *value = static_cast<int>(self->program->semaphores().at(sem).value);
  return 0;
}

// Barriers.
WDSIM_EXPORT int __wrap_pthread_barrier_init(pthread_barrier_t* b,
                                             const pthread_barrierattr_t* attr, unsigned count) {
  ExecThread* self = enter();
  if (!self) return pthread_barrier_init(b, attr, count);
  if (count == 0) return EINVAL;
  self->program->barriers().forget(b);
  self->program->barriers().at(b).count = count;
  return 0;
}
WDSIM_EXPORT int __wrap_pthread_barrier_destroy(pthread_barrier_t* b) {
  ExecThread* self = enter();
  if (!self) return pthread_barrier_destroy(b);
  if (self->program->barriers().at(b).arrived) return EBUSY;
  self->program->barriers().forget(b);
  return 0;
}
WDSIM_EXPORT int __wrap_pthread_barrier_wait(pthread_barrier_t* b) {
  ExecThread* self = enter();
  if (!self) return pthread_barrier_wait(b);
  wdsim::exec::SimBarrier& s = self->program->barriers().at(b);
  if (s.count == 0) return EINVAL;  // never initialized
  if (++s.arrived == s.count) {
    s.arrived = 0;
    ++s.generation;
    s.opened.notify(sc_core::SC_ZERO_TIME);
    return PTHREAD_BARRIER_SERIAL_THREAD;
  }
  const uint64_t mine = s.generation;
  self->program->block_until(*self, s.opened, 0, [&s, mine] { return s.generation != mine; });
  return 0;
}

// Read-write locks (readers preferred, as glibc's default).
WDSIM_EXPORT int __wrap_pthread_rwlock_init(pthread_rwlock_t* l, const pthread_rwlockattr_t* attr) {
  ExecThread* self = enter();
  if (!self) return pthread_rwlock_init(l, attr);
  self->program->rwlocks().forget(l);
  return 0;
}
WDSIM_EXPORT int __wrap_pthread_rwlock_destroy(pthread_rwlock_t* l) {
  ExecThread* self = enter();
  if (!self) return pthread_rwlock_destroy(l);
  const wdsim::exec::SimRwLock& s = self->program->rwlocks().at(l);
  if (s.readers || s.writer || s.waiters) return EBUSY;
  self->program->rwlocks().forget(l);
  return 0;
}
namespace {
int rwlock_take(ExecThread& self, pthread_rwlock_t* l, bool write, bool try_only) {
  wdsim::exec::SimRwLock& s = self.program->rwlocks().at(l);
  if (s.writer == self.id) return EDEADLK;  // glibc's answer for the write lock's owner
  const auto free_for_me = [&s, write] { return s.writer == 0 && (!write || s.readers == 0); };
  if (!free_for_me()) {
    if (try_only) return EBUSY;
    ++s.waiters;
    self.program->block_until(self, s.released, 0, free_for_me);
    --s.waiters;
  }
  if (write) {
    s.writer = self.id;
  } else {
    ++s.readers;
  }
  return 0;
}
}  // namespace
WDSIM_EXPORT int __wrap_pthread_rwlock_rdlock(pthread_rwlock_t* l) {
  ExecThread* self = enter();
  return self ? rwlock_take(*self, l, false, false) : pthread_rwlock_rdlock(l);
}
WDSIM_EXPORT int __wrap_pthread_rwlock_tryrdlock(pthread_rwlock_t* l) {
  ExecThread* self = enter();
  return self ? rwlock_take(*self, l, false, true) : pthread_rwlock_tryrdlock(l);
}
WDSIM_EXPORT int __wrap_pthread_rwlock_wrlock(pthread_rwlock_t* l) {
  ExecThread* self = enter();
  return self ? rwlock_take(*self, l, true, false) : pthread_rwlock_wrlock(l);
}
WDSIM_EXPORT int __wrap_pthread_rwlock_trywrlock(pthread_rwlock_t* l) {
  ExecThread* self = enter();
  return self ? rwlock_take(*self, l, true, true) : pthread_rwlock_trywrlock(l);
}
WDSIM_EXPORT int __wrap_pthread_rwlock_unlock(pthread_rwlock_t* l) {
  ExecThread* self = enter();
  if (!self) return pthread_rwlock_unlock(l);
  wdsim::exec::SimRwLock& s = self->program->rwlocks().at(l);
  if (s.writer == self->id) {
    s.writer = 0;
  } else if (s.readers > 0) {
    --s.readers;  // a reader's own count is not tracked per thread (glibc does not either)
  } else {
    return EPERM;
  }
  if (s.waiters && s.writer == 0 && s.readers == 0) s.released.notify(sc_core::SC_ZERO_TIME);
  return 0;
}

// Clocks and sleeps.
WDSIM_EXPORT int __wrap_clock_gettime(clockid_t clk, timespec* ts) {
  ExecThread* self = enter();
  if (!self) return clock_gettime(clk, ts);
  uint64_t ns = 0;
  switch (clk) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
      ns = realtime_ns(*self);
      break;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
      ns = wdsim::exec::now_ps(*self) / kPsPerNs;
      break;
    case CLOCK_PROCESS_CPUTIME_ID:
    case CLOCK_THREAD_CPUTIME_ID:
      // The calling thread's CPU time (the process's threads are not summed).
      ns = static_cast<uint64_t>(self->thread->os.cpu().busy_time().to_seconds() * 1e9);
      break;
    default:
      errno = EINVAL;
      return -1;
  }
  if (ts) *ts = ns_timespec(ns);
  return 0;
}
WDSIM_EXPORT int __wrap_gettimeofday(timeval* tv, void* tz) {
  ExecThread* self = enter();
  if (!self) return gettimeofday(tv, static_cast<struct timezone*>(tz));
  const uint64_t ns = realtime_ns(*self);
  if (tv) {
    tv->tv_sec = static_cast<time_t>(ns / kNsPerS);
    tv->tv_usec = static_cast<suseconds_t>((ns % kNsPerS) / kNsPerUs);
  }
  return 0;
}
WDSIM_EXPORT time_t __wrap_time(time_t* out) {
  ExecThread* self = enter();
  if (!self) return time(out);
  const time_t t = static_cast<time_t>(realtime_ns(*self) / kNsPerS);
  if (out) *out = t;
  return t;
}
WDSIM_EXPORT clock_t __wrap_clock(void) {
  ExecThread* self = enter();
  if (!self) return clock();
  return static_cast<clock_t>(self->thread->os.cpu().busy_time().to_seconds() * CLOCKS_PER_SEC);
}
WDSIM_EXPORT int __wrap_nanosleep(const timespec* req, timespec* rem) {
  ExecThread* self = enter();
  if (!self) return nanosleep(req, rem);
  if (!req || req->tv_nsec < 0 || req->tv_nsec >= static_cast<long>(kNsPerS) || req->tv_sec < 0) {
    errno = EINVAL;
    return -1;
  }
  sleep_ns(*self, timespec_ns(*req));
  if (rem) *rem = timespec{};
  return 0;
}
WDSIM_EXPORT int __wrap_clock_nanosleep(clockid_t clk, int flags, const timespec* req,
                                        timespec* rem) {
  ExecThread* self = enter();
  if (!self) return clock_nanosleep(clk, flags, req, rem);
  if (!req) return EINVAL;
  uint64_t ns = timespec_ns(*req);
  if (flags & TIMER_ABSTIME) {
    const uint64_t now =
        clk == CLOCK_REALTIME ? realtime_ns(*self) : wdsim::exec::now_ps(*self) / kPsPerNs;
    ns = ns > now ? ns - now : 0;
  }
  sleep_ns(*self, ns);
  if (rem) *rem = timespec{};
  return 0;
}
WDSIM_EXPORT int __wrap_usleep(useconds_t us) {
  ExecThread* self = enter();
  if (!self) return usleep(us);
  sleep_ns(*self, static_cast<uint64_t>(us) * kNsPerUs);
  return 0;
}
WDSIM_EXPORT unsigned int __wrap_sleep(unsigned int s) {
  ExecThread* self = enter();
  if (!self) return sleep(s);
  sleep_ns(*self, static_cast<uint64_t>(s) * kNsPerS);
  return 0;
}

// Process exit and aborts.
WDSIM_EXPORT void __wrap_exit(int code) {
  ExecThread* self = enter();
  if (!self) exit(code);
  throw wdsim::exec::ProgramExit{code};
}
WDSIM_EXPORT void __wrap__exit(int code) {
  ExecThread* self = enter();
  if (!self) _exit(code);
  throw wdsim::exec::ProgramExit{code};
}
WDSIM_EXPORT void __wrap_abort(void) {
  ExecThread* self = enter();
  if (!self) abort();
  std::fflush(nullptr);
  throw wdsim::exec::ProgramAbort{};
}
WDSIM_EXPORT void __wrap___assert_fail(const char* assertion, const char* file, unsigned int line,
                                       const char* function) {
  std::fprintf(stderr, "%s:%u: %s: Assertion `%s' failed.\n", file, line, function, assertion);
  __wrap_abort();
  abort();  // not reached
}

// Memory the program unmaps or re-protects: the simulated kernel drops its mirror of the range
// (and the device's translations of it) first.
WDSIM_EXPORT int __wrap_munmap(void* addr, size_t len) {
  ExecThread* self = enter();
  if (self) self->program->host_range_changed(*self, reinterpret_cast<uint64_t>(addr), len);
  return munmap(addr, len);
}
WDSIM_EXPORT int __wrap_mprotect(void* addr, size_t len, int prot) {
  ExecThread* self = enter();
  if (self) self->program->host_range_changed(*self, reinterpret_cast<uint64_t>(addr), len);
  return mprotect(addr, len, prot);
}
WDSIM_EXPORT void __wrap_free(void* p) {
  ExecThread* self = ExecProgram::current();
  if (self) before_chunk_release(*self, p);
  free(p);
}
WDSIM_EXPORT void* __wrap_realloc(void* p, size_t size) {
  ExecThread* self = ExecProgram::current();
  if (self) before_chunk_release(*self, p);
  return realloc(p, size);
}

}  // extern "C"

namespace wdsim::exec {
uint64_t take_code_blocks() {
  const uint64_t n = g_code_blocks;
  g_code_blocks = 0;
  return n;
}
void set_slice_blocks(uint64_t n) { g_slice_blocks = n; }
}  // namespace wdsim::exec
