// What libsystemc needs under AddressSanitizer, compiled into every binary that links
// //third_party:systemc, so an instrumented wdsim or test needs no extra file or variable:
// LeakSanitizer suppressions, the main thread's stack bounds at exit and before every throw on
// the main stack, and no stale poison on re-used coroutine stacks (docs/reliability.md).
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
#include <dlfcn.h>
#include <pthread.h>
#include <sanitizer/asan_interface.h>
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

// libsystemc announces most coroutine switches to ASan, but not every return to the main
// coroutine: a switch back to it passes a zero-sized stack, and after some switches ASan's idea
// of the main thread's stack stays that of the last coroutine it ran. Two things go wrong:
// - At exit LeakSanitizer scans that range as the main stack; when the coroutine stack was
//   already unmapped (its context deleted) the scan faults ("Tracer caught signal 11 ...
//   LeakSanitizer has encountered a fatal error").
// - A C++ throw on the main stack calls __asan_handle_no_return (ASan's __cxa_throw), which
//   clears the poison of the frames the exception unwinds from the stack pointer up to the
//   stack's top. With a coroutine's top it refuses ("ASan is ignoring requested
//   __asan_handle_no_return: stack type: default top: <coroutine> bottom: <main>"), so the
//   unwound frames' redzones stay poisoned, and a later call that places a live object there
//   is reported as a stack-buffer-overflow that is not one (hardening_system_test did).
// Both are fixed by announcing the main stack's real bounds (an empty switch to the main
// stack itself) when it matters: before the leak check, which ASan registered with atexit
// before any static constructor ran, and before every throw made on the main stack.
namespace {

struct StackBounds {
  void* bottom = nullptr;
  size_t size = 0;
};

StackBounds this_thread_stack() {
  StackBounds b;
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return b;
  if (pthread_attr_getstack(&attr, &b.bottom, &b.size) != 0) b = {};
  pthread_attr_destroy(&attr);
  return b;
}

// Static initialisation runs on the main thread, on its own stack.
const StackBounds kMainStack = this_thread_stack();

void restore_main_stack_bounds() {
  if (kMainStack.size == 0) return;
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(&fake_stack, kMainStack.bottom, kMainStack.size);
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
}

bool on_main_stack() {
  const char here = 0;
  const auto* bottom = static_cast<const char*>(kMainStack.bottom);
  return kMainStack.size != 0 && &here >= bottom && &here < bottom + kMainStack.size;
}

[[maybe_unused]] const int kRegistered = std::atexit(restore_main_stack_bounds);

}  // namespace

// Every throw allocates its exception first (libstdc++'s __cxa_allocate_exception, taken here
// from the next object that defines it): on the main stack the bounds are put right before
// ASan's __cxa_throw reads them. Coroutine stacks are left as libsystemc announced them.
extern "C" void* __cxa_allocate_exception(size_t size) noexcept {
  using Allocate = void* (*)(size_t) noexcept;
  static const auto next = reinterpret_cast<Allocate>(dlsym(RTLD_NEXT, "__cxa_allocate_exception"));
  if (!next) std::abort();
  if (on_main_stack()) restore_main_stack_bounds();
  return next(size);
}
// libsystemc unmaps a coroutine stack when its thread's process is deleted. A thread still
// suspended in wait() is never unwound, so its frames' poison (redzones, out-of-scope locals)
// stays in ASan's shadow of that range, and clang-14's ASan does not clear the shadow of
// unmapped memory. A later coroutine stack mapped at the same address starts with that stale
// poison: ASan lays out a new frame assuming the shadow is clear and writes only its redzones
// and scoped locals, so a plain local or temporary placed on stale poison is reported on its
// first write. Whatever is unmapped through `munmap` is unpoisoned first.
extern "C" int munmap(void* addr, size_t length) noexcept {
  using Unmap = int (*)(void*, size_t) noexcept;
  static const auto next = reinterpret_cast<Unmap>(dlsym(RTLD_NEXT, "munmap"));
  if (!next) std::abort();
  if (addr != nullptr && length != 0) __asan_unpoison_memory_region(addr, length);
  return next(addr, length);
}
#endif
