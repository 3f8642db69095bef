// Bad input to the scenario loader: every error names file:line:column and the key path, and
// nothing runs.
#include "sim/system/scenario.h"

#include <gtest/gtest.h>

namespace wdsim {
namespace {

std::string error_of(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  try {
    load_scenario_text(yaml, "bad.yaml", sets);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ScenarioLoader, AcceptsTheShippedScenarios) {
  EXPECT_NO_THROW(load_scenario("scenarios/syscall_vs_doorbell.yaml", {}, 0));
  EXPECT_NO_THROW(load_scenario("scenarios/golden_two_requests.yaml", {}, 0));
}

TEST(ScenarioLoader, UnknownKeyNamesItsPlace) {
  EXPECT_EQ(error_of("system:\n  smmu:\n    iotlb:\n      entires: 64\n"),
            "bad.yaml:4:16: system.smmu.iotlb.entires: unknown key");
  EXPECT_EQ(error_of("sytem: {}\n"), "bad.yaml:1:8: sytem: unknown key");
}

TEST(ScenarioLoader, WrongTypeAndRange) {
  EXPECT_EQ(error_of("workload:\n  requests: many\n"),
            "bad.yaml:2:13: workload.requests: expected uint, got 'many'");
  EXPECT_EQ(error_of("workload:\n  sizes: [64, 0]\n"),
            "bad.yaml:2:15: workload.sizes.1: value 0 is out of range [1, 8388608] B");
  EXPECT_EQ(error_of("workload:\n  paths: [doorbell, carrier_pigeon]\n"),
            "bad.yaml:2:21: workload.paths.1: 'carrier_pigeon' is not one of: doorbell, syscall");
  EXPECT_EQ(error_of("system:\n  pcie: fast\n"),
            "bad.yaml:2:9: system.pcie: unknown key");
}

TEST(ScenarioLoader, OverridesAreCheckedAndNamed) {
  EXPECT_EQ(error_of("{}\n", {"system.host.syscall_entry_ns=-5"}),
            "--set system.host.syscall_entry_ns=-5: system.host.syscall_entry_ns: value -5 is "
            "out of range [0, inf] ns");
  EXPECT_EQ(error_of("{}\n", {"system.nope=1"}), "--set system.nope=1: system.nope: unknown key");
  EXPECT_EQ(error_of("{}\n", {"novalue"}), "--set novalue: expected key.path=value");
}

TEST(ScenarioLoader, ConstraintsBeyondRangesNameTheKey) {
  EXPECT_EQ(error_of("system:\n  pcie:\n    lanes: 3\n"),
            "bad.yaml:3:12: system.pcie.lanes: must be 1, 2, 4, 8 or 16");
}

TEST(ScenarioLoader, SweepAxesAndTheirCartesianProduct) {
  Scenario sc = load_scenario_text(
      "sweep:\n  system.smmu.iotlb.entries: [16, 64]\n  workload.sizes: [[64], [64, 4096]]\n",
      "s.yaml", {});
  ASSERT_EQ(sc.sweep.size(), 2u);
  EXPECT_EQ(sc.sweep[0].key, "system.smmu.iotlb.entries");
  EXPECT_EQ(sc.sweep[1].values[1], "[64, 4096]");
  auto points = sweep_points(sc.sweep);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[0], (std::vector<std::string>{"system.smmu.iotlb.entries=16",
                                                 "workload.sizes=[64]"}));
  EXPECT_EQ(points[3], (std::vector<std::string>{"system.smmu.iotlb.entries=64",
                                                 "workload.sizes=[64, 4096]"}));
  EXPECT_EQ(error_of("sweep:\n  system.smmu.iotlb.entires: [1]\n"),
            "bad.yaml:2:30: sweep.system.smmu.iotlb.entires: not a parameter");
  EXPECT_EQ(error_of("sweep:\n  workload.requests: 5\n"),
            "bad.yaml:2:22: sweep.workload.requests: expected a non-empty list of values");
}

TEST(ScenarioLoader, MissingFileAndSyntaxError) {
  try {
    load_scenario("scenarios/does_not_exist.yaml", {}, 0);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "scenarios/does_not_exist.yaml: cannot open scenario file");
  }
  EXPECT_NE(error_of("workload: [\n").find("bad.yaml:"), std::string::npos);
}

TEST(ScenarioLoader, DescribeListsEveryBlock) {
  auto specs = describe_scenario();
  for (const char* prefix : {"system.dram.", "system.smmu.", "system.pcie.", "system.qm.",
                             "system.zip.", "system.host.", "system.runtime.", "workload.",
                             "output."}) {
    bool found = false;
    for (const auto& s : specs) found |= s.key_path.rfind(prefix, 0) == 0;
    EXPECT_TRUE(found) << prefix;
  }
  for (const auto& s : specs) {
    EXPECT_FALSE(s.description.empty()) << s.key_path;
    EXPECT_FALSE(s.source.empty()) << s.key_path;
  }
}

}  // namespace
}  // namespace wdsim
