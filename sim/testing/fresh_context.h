// Tests call fresh_sc_context() (sim/base/sim_context.h, which run_system uses too) between
// the systems they build; this header keeps the name tests include.
#pragma once

#include "sim/base/sim_context.h"

namespace wdsim::testing {

using wdsim::fresh_sc_context;

}  // namespace wdsim::testing
