// LeakSanitizer suppressions that belong to libsystemc, compiled into every binary that links
// //third_party:systemc, so an instrumented wdsim or test needs no extra file or variable.
// Without ASan this file is empty.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WDSIM_LSAN_SUPPRESSIONS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define WDSIM_LSAN_SUPPRESSIONS 1
#endif

#ifdef WDSIM_LSAN_SUPPRESSIONS
// Both are libsystemc behaviour when a simulation context is deleted (every run and many tests
// delete theirs, see sim/base/sim_context.h), not leaks in project code:
// - sc_event_timed::allocate takes 64-entry blocks from malloc for its free list; the
//   context's destructor deletes its timed-event queue without returning the entries still in
//   it, so their blocks are left unreferenced.
// - an SC_THREAD still suspended in wait() when the simulation ends is never unwound: its
//   coroutine stack is unmapped with the objects its frames own, and everything allocated
//   below sc_thread_cor_fn (the entry of every SC_THREAD) that those frames held looks leaked.
//   Leaks in code that runs outside simulation threads (loader, CLI, formats, runtime
//   standalone tests, elaboration) are still reported.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:sc_core::sc_event_timed::allocate\n"
         "leak:sc_core::sc_thread_cor_fn\n";
}
#endif
