// The gtest entry point for tests that link SystemC: libsystemc.so owns main() and calls
// sc_main(), so the test runner starts here.
#include <gtest/gtest.h>

#include <systemc>

int sc_main(int argc, char** argv) {
  // libsystemc's static sc_event::none registers with the first simulation context and
  // unregisters from it at exit. Tests (fresh_sc_context, run_system) delete the current
  // context, so the first one is set aside here and never deleted: without this, exit reads
  // a freed object manager (seen as a segfault after all tests passed).
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
