// Gen3 x4 link parameters and wire-time formulas shared by the fabric tests
// (pcie_fabric_test.cc, pcie_ordering_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <systemc>

#include "sim/base/params.h"
#include "sim/base/timing.h"
#include "sim/pcie/pcie_link.h"

namespace wdsim::testing {

inline PcieLinkParams gen3_x4() {
  PcieLinkParams p = default_params<PcieLinkParams>();
  p.generation = 3;
  p.lanes = 4;
  p.tlp_overhead_bytes = 24;
  p.completion_overhead_bytes = 20;
  p.pasid_prefix_bytes = 4;
  p.hop_latency_ns = 150;
  return p;
}

// Gen3 x4: one byte takes 130 / (4 x 128) ns.
inline double wire_ps(double bytes) { return bytes * 1040000.0 / 4096.0; }

// Each serialization rounds up to a whole ps.
inline double ceil_ps(double ps) { return std::ceil(ps); }

inline void expect_ps(const sc_core::sc_time& t, double expected_ps) {
  EXPECT_NEAR(static_cast<double>(to_ps(t)), expected_ps, 2.0);
}

}  // namespace wdsim::testing
