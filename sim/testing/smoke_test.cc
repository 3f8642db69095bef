#include <gtest/gtest.h>

#include <systemc>
TEST(Smoke, Runs) {
  sc_core::sc_start(sc_core::sc_time(1, sc_core::SC_NS));
  EXPECT_EQ(sc_core::sc_time_stamp(), sc_core::sc_time(1, sc_core::SC_NS));
}
