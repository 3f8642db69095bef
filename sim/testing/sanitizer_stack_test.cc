// A C++ throw on the main stack after SystemC threads ran must clear the AddressSanitizer poison
// of the frames it unwinds (third_party/systemc_sanitizer.cc; docs/reliability.md). libsystemc
// leaves ASan believing the main stack is the last coroutine's, and ASan then refuses to clear
// it; a frame that ASan does not lay out itself (code built without ASan: libsystemc,
// libstdc++) placed there later is reported as a stack-buffer-overflow on its first write.
// Built without ASan the tests run the same code and check the simulation, the exception and
// the mappings.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstddef>
#include <stdexcept>
#include <systemc>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WDSIM_TEST_ASAN 1
#include <sanitizer/asan_interface.h>
#endif
#endif

#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

// Bytes of the uninstrumented frame's local: more than the throwing frames below cover.
constexpr size_t kLocalBytes = 16 * 1024;
// Recursion depth of the throw (frames with redzones, each a few hundred bytes).
constexpr int kThrowDepth = 24;

struct Sleeper : sc_core::sc_module {
  SC_HAS_PROCESS(Sleeper);
  explicit Sleeper(sc_core::sc_module_name name) : sc_module(name) { SC_THREAD(run); }
  void run() {
    for (int i = 0; i < 3; ++i) {
      wait(1, sc_core::SC_NS);
      ++steps;
    }
  }
  int steps = 0;
};

[[gnu::noinline]] void throw_from_deep_frames(int depth) {
  volatile char local[200];  // a local between redzones
  local[0] = static_cast<char>(depth);
  if (depth == 0) throw std::runtime_error("deep");
  throw_from_deep_frames(depth - 1);
  local[1] = local[0];
}

[[gnu::noinline]] size_t write_through(volatile char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = 1;
  size_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum += static_cast<size_t>(p[i]);
  return sum;
}

// Stands for libsystemc or libstdc++: its frame gets no shadow of its own.
[[gnu::noinline, gnu::no_sanitize_address]] size_t uninstrumented_frame() {
  volatile char local[kLocalBytes];
  return write_through(local, kLocalBytes);
}

TEST(SanitizerStack, AThrowOnTheMainStackAfterThreadsRanLeavesNoStalePoison) {
  fresh_sc_context();
  {
    Sleeper sleeper("sleeper");
    sc_core::sc_start();
    EXPECT_EQ(sleeper.steps, 3);
  }
  fresh_sc_context();
  EXPECT_THROW(throw_from_deep_frames(kThrowDepth), std::runtime_error);
  EXPECT_EQ(uninstrumented_frame(), kLocalBytes);
}

// A coroutine stack that is unmapped and mapped again at the same address (what libsystemc does
// for the threads of one simulation after another) starts with no poison: the shadow of what
// `munmap` unmaps is cleared (third_party/systemc_sanitizer.cc).
TEST(SanitizerStack, MemoryMappedAgainAtTheSameAddressStartsUnpoisoned) {
  constexpr size_t kBytes = 64 * 1024;
  void* first = mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(first, MAP_FAILED);
#ifdef WDSIM_TEST_ASAN
  __asan_poison_memory_region(first, kBytes);  // as a dead thread's frames leave it
  ASSERT_TRUE(__asan_address_is_poisoned(first));
#endif
  ASSERT_EQ(munmap(first, kBytes), 0);
  void* again = mmap(first, kBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  ASSERT_EQ(again, first);
#ifdef WDSIM_TEST_ASAN
  EXPECT_EQ(__asan_region_is_poisoned(again, kBytes), nullptr);
#endif
  EXPECT_EQ(write_through(static_cast<volatile char*>(again), kBytes), kBytes);
  munmap(again, kBytes);
}

}  // namespace
}  // namespace wdsim
