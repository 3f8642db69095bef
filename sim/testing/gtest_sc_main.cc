// The gtest entry point for tests that link SystemC: libsystemc.so owns main() and calls
// sc_main(), so the test runner starts here.
#include <gtest/gtest.h>
#include <systemc>

int sc_main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
