// Gives a test a fresh SystemC simulation context, so one test binary can elaborate and run
// several systems one after another. Call it after the previous system's modules are gone.
#pragma once

#include <systemc>

namespace wdsim::testing {

inline void fresh_sc_context() {
  delete sc_core::sc_curr_simcontext;
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
}

}  // namespace wdsim::testing
