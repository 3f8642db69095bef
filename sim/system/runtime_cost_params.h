// RuntimeCostParams: the runtime's software costs (rt::UserDriverCosts, a plain struct in
// runtime/hisi_qm_udrv.h) declared as simulator parameters, `system.runtime.*`: name, unit,
// description, source and range for `wdsim describe` and the scenario loader. The runtime
// itself knows nothing of ParamScope; the defaults live once, in the plain struct, and are
// read from a default-constructed one here.
#pragma once

#include "runtime/hisi_qm_udrv.h"
#include "sim/base/params.h"

namespace wdsim {

struct RuntimeCostParams {
  rt::UserDriverCosts costs;

  void declare(ParamScope& s);
};

}  // namespace wdsim
