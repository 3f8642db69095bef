#include "sim/system/runtime_cost_params.h"

#include <gtest/gtest.h>

namespace wdsim {
namespace {

TEST(RuntimeCostParamsTest, DeclaresEveryCostWithUnitAndSource) {
  auto specs = describe_params<RuntimeCostParams>("runtime.user_driver");
  ASSERT_GE(specs.size(), 9u);
  for (const auto& s : specs) {
    EXPECT_FALSE(s.unit.empty()) << s.key_path;
    EXPECT_FALSE(s.source.empty()) << s.key_path;
    EXPECT_FALSE(s.description.empty()) << s.key_path;
  }
  EXPECT_EQ(specs[0].key_path, "runtime.user_driver.send_call_ns");
}

// The declared defaults are the plain struct's (the runtime used without the simulator gets
// the same costs as a scenario that sets none), and they are the values `wdsim describe`
// printed when the runtime declared them itself.
TEST(RuntimeCostParamsTest, DefaultsAreThePlainStructs) {
  const rt::UserDriverCosts plain;
  const rt::UserDriverCosts declared = default_params<RuntimeCostParams>().costs;
  EXPECT_EQ(declared.send_call_ns, plain.send_call_ns);
  EXPECT_EQ(declared.sqe_ring_ns, plain.sqe_ring_ns);
  EXPECT_EQ(declared.doorbell_compose_ns, plain.doorbell_compose_ns);
  EXPECT_EQ(declared.recv_call_ns, plain.recv_call_ns);
  EXPECT_EQ(declared.cqe_process_ns, plain.cqe_process_ns);
  EXPECT_EQ(declared.sqe_build_ns, plain.sqe_build_ns);
  EXPECT_EQ(declared.sqe_parse_ns, plain.sqe_parse_ns);
  EXPECT_EQ(declared.poll_interval_ns, plain.poll_interval_ns);
  EXPECT_EQ(declared.sync_timeout_us, plain.sync_timeout_us);
  EXPECT_EQ(declared.lock_spin_ns, plain.lock_spin_ns);
  EXPECT_EQ(declared.lock_handoff_ns, plain.lock_handoff_ns);

  std::vector<std::string> keys_and_defaults;
  for (const auto& s : describe_params<RuntimeCostParams>("system.runtime")) {
    keys_and_defaults.push_back(s.key_path + "=" + s.default_text + " " + s.unit);
  }
  const std::vector<std::string> expected = {
      "system.runtime.send_call_ns=20 ns",         "system.runtime.sqe_ring_ns=3 ns",
      "system.runtime.doorbell_compose_ns=1 ns",   "system.runtime.recv_call_ns=15 ns",
      "system.runtime.cqe_process_ns=5 ns",        "system.runtime.sqe_build_ns=40 ns",
      "system.runtime.sqe_parse_ns=20 ns",         "system.runtime.poll_interval_ns=50 ns",
      "system.runtime.lock_handoff_ns=100 ns",     "system.runtime.lock_spin_ns=50 ns",
      "system.runtime.sync_timeout_us=1000000 us",
  };
  EXPECT_EQ(keys_and_defaults, expected);
}

}  // namespace
}  // namespace wdsim
