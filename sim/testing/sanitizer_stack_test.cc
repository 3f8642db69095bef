// A C++ throw on the main stack after SystemC threads ran must clear the AddressSanitizer poison
// of the frames it unwinds (third_party/systemc_sanitizer.cc; docs/reliability.md). libsystemc
// leaves ASan believing the main stack is the last coroutine's, and ASan then refuses to clear
// it; a frame that ASan does not lay out itself (code built without ASan: libsystemc,
// libstdc++) placed there later is reported as a stack-buffer-overflow on its first write.
// Built without ASan the test runs the same code and checks the simulation and the exception.
#include <gtest/gtest.h>

#include <cstddef>
#include <stdexcept>
#include <systemc>

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

}  // namespace
}  // namespace wdsim
