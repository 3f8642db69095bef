// The PCIe fabric part of the scenario loader (scenario_fabric.cc): system.pcie.switches and the
// cross-checks of system.devices[].attach (not an API; scenario.cc calls it).
#pragma once

#include <vector>

#include "sim/base/params.h"
#include "sim/system/scenario.h"

namespace wdsim::scenario_detail {

// system.pcie.switches under `s` (system.pcie), each upstream link inheriting `base`.
void load_switches(ParamScope s, const PcieLinkParams& base, std::vector<PcieSwitchSpec>* out);
// Where devices and switches attach: names, ports and root ports, each used once.
void check_attachments(const ParamScope& s, const std::vector<PcieSwitchSpec>& switches,
                       const std::vector<DeviceSpec>& devices);

}  // namespace wdsim::scenario_detail
