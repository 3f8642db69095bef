// Doorbell isolation in the whole system: the golden two-request workload (doorbell and
// syscall paths) with system.devices[].qm.use_db_isolation = true. Each queue's uacce MMIO region
// is then its own 64 KiB page (the QM ignores SQ/CQ doorbells at the shared 0x1000), so the run
// only completes, with every output inflating back to its input (the system verifies each),
// if the runtime and the kernel driver ring the isolated pages.
#include <gtest/gtest.h>

#include <string>

#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

TEST(QmIsolationSystem, GoldenWorkloadRunsWithDoorbellIsolation) {
  Scenario sc = load_scenario("scenarios/golden/two_requests.yaml",
                              {"system.devices.0.qm.use_db_isolation=true"}, 0);
  SimEnv env(sc.seed);
  RunOutcome o = run_system(sc, env);
  ASSERT_TRUE(o.ok) << o.error;
  ASSERT_EQ(o.report.measured_requests, 2u);
  const std::string trace = env.trace().to_text();
  EXPECT_NE(trace.find("qm doorbell"), std::string::npos);
  EXPECT_EQ(trace.find("doorbell_ignored"), std::string::npos);
  EXPECT_EQ(trace.find("doorbell_bad"), std::string::npos);
  const Counter* sqes = env.stats().find_counter("qm.sqes");
  ASSERT_NE(sqes, nullptr);
  EXPECT_EQ(sqes->value(), 2u);
}

}  // namespace
}  // namespace wdsim
