// What libsystemc needs under AddressSanitizer, compiled into every binary that links
// //third_party:systemc, so an instrumented wdsim or test needs no extra file or variable:
// LeakSanitizer suppressions and the main thread's stack bounds at exit. Without ASan this
// file is empty.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WDSIM_LSAN_SUPPRESSIONS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define WDSIM_LSAN_SUPPRESSIONS 1
#endif

#ifdef WDSIM_LSAN_SUPPRESSIONS
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>

#include <cstddef>
#include <cstdlib>

// Both are libsystemc behaviour when a simulation context is deleted (every run and many tests
// delete theirs, see sim/base/sim_context.h), not leaks in project code:
// - sc_event_timed::allocate takes 64-entry blocks from malloc for its free list; the
//   context's destructor deletes its timed-event queue without returning the entries still in
//   it, so their blocks are left unreferenced.
// - an SC_THREAD still suspended in wait() when the simulation ends is never unwound: its
//   coroutine stack is unmapped with the objects its frames own, and everything allocated
//   below sc_thread_cor_fn (the entry of every SC_THREAD) that those frames held looks leaked.
//   Leaks in code that runs outside simulation threads (loader, CLI, formats, runtime
//   standalone tests, elaboration) are still reported. libsystemc is built without frame
//   pointers, so a stack that starts inside it can stop before sc_thread_cor_fn: the
//   kernel's own list of a suspended thread's processes is named too.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:sc_core::sc_event_timed::allocate\n"
         "leak:sc_core::sc_thread_cor_fn\n"
         "leak:std::vector<sc_core::sc_thread_process*\n";
}

// libsystemc announces every coroutine switch to ASan, but a switch back to the main
// coroutine passes a zero-sized stack, so ASan's idea of the main thread's stack stays that
// of the last coroutine it ran. At exit LeakSanitizer scans that range as the main stack; when
// the coroutine stack was already unmapped (its context deleted) the scan faults ("Tracer
// caught signal 11 ... LeakSanitizer has encountered a fatal error"). Before the leak check,
// which ASan registered with atexit before any static constructor ran, the real bounds are
// announced by an empty switch to the main stack itself.
namespace {

void restore_main_stack_bounds() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* bottom = nullptr;
  size_t size = 0;
  const bool got = pthread_attr_getstack(&attr, &bottom, &size) == 0;
  pthread_attr_destroy(&attr);
  if (!got) return;
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, bottom, size);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
}

[[maybe_unused]] const int kRegistered = std::atexit(restore_main_stack_bounds);

}  // namespace
#endif
