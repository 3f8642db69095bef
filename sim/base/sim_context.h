// A fresh SystemC simulation context, so one process can elaborate and run several systems one
// after another (run_system does it for every scenario; tests that build several systems do it
// between them). Call it after the previous system's modules are gone.
#pragma once

#include <systemc>

namespace wdsim {

inline void fresh_sc_context() {
  delete sc_core::sc_curr_simcontext;
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
}

}  // namespace wdsim
