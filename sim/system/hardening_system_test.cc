// Hardening of the simulated system: values the models cannot take are rejected at load with
// the key that holds them (cache shapes, SQE size, DRAM size and interleave, StreamIDs,
// doorbell pages, the MSI window, a command queue the kernel's SMMU driver refuses, ATS
// without the SMMU's ATS, durations past kMaxDurationSeconds); the SMMU driver sizes its queues
// from IDR1; the CMD_SYNC wait and the QM mailbox wait time out with an error; the run's
// watchdogs (run.max_sim_time_ms, run.max_host_seconds) end a run that would go on, naming the
// limit; and a failed request ends the run as a simulation error saying what failed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/base/params.h"
#include "sim/base/sim_env.h"
#include "sim/cpu_host/kernel/smmu_driver.h"
#include "sim/system/machine.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

// One process, one compare thread, one doorbell request of 4 KiB.
constexpr const char* kOneRequest =
    "seed: 1\n"
    "processes:\n"
    "  - name: app\n"
    "    threads:\n"
    "      - program: compare\n"
    "        compare: {paths: [doorbell], sizes: [4096], requests: 1, warmup_requests: 0}\n";

std::string load_error(const std::vector<std::string>& sets) {
  try {
    load_scenario_text(kOneRequest, "b.yaml", sets);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

RunOutcome run_with(const std::vector<std::string>& sets) {
  const Scenario sc = load_scenario_text(kOneRequest, "b.yaml", sets);
  SimEnv env(sc.seed, /*trace_enabled=*/false);
  return run_system(sc, env);
}

struct BadValue {
  std::string set;
  std::string key;   // the key the error must name
  std::string says;  // a part of its message
};

TEST(LoadChecks, ValuesTheModelsCannotTakeAreLocatedErrors) {
  const std::vector<BadValue> cases = {
      {"system.smmu.iotlb.entries=510", "system.smmu.iotlb.entries",
       "must be a multiple of ways (4)"},
      {"system.smmu.iotlb.ways=3", "system.smmu.iotlb.ways", "entries (512) must be a multiple"},
      {"system.smmu.utlb.entries=30", "system.smmu.utlb.entries", "multiple of ways (32)"},
      {"system.smmu.walk_cache.l2_entries=350", "system.smmu.walk_cache.l2_entries",
       "multiple of ways"},
      {"system.devices.0.qm.atc.entries=63", "system.devices.0.qm.atc.entries", "multiple of ways"},
      {"system.devices.0.qm.sqe_size_bytes=64", "system.devices.0.qm.sqe_size_bytes",
       "out of range [128, 128]"},
      {"system.dram.size_bytes=16777217", "system.dram.size_bytes", "multiple of 4 KiB"},
      {"system.dram.size_bytes=1048576", "system.dram.size_bytes", "out of range"},
      {"system.dram.interleave_bytes=100", "system.dram.interleave_bytes", "power of two"},
      {"system.devices.0.qm.stream_id=65536", "system.devices.0.qm.stream_id", "out of range"},
      {"system.devices.0.qm.db_isolation_base=16385", "system.devices.0.qm.db_isolation_base",
       "out of range"},
      {"system.devices.0.qm.db_isolation_base=98304", "system.devices.0.qm.db_isolation_base",
       "multiple of 64 KiB"},
      {"system.smmu.cmdq.max_log2_entries=3", "system.smmu.cmdq.max_log2_entries",
       "needs a command queue of more than 64 entries"},
      {"system.root_complex.msi_size=0", "system.root_complex.msi_size", "out of range"},
      {"system.devices.0.qm.mailbox_latency_ns=1.8e19", "system.devices.0.qm.mailbox_latency_ns",
       "out of range [0, 10000000000000]"},
      {"system.smmu.cmdq.sync_cost_ns=1.8e19", "system.smmu.cmdq.sync_cost_ns", "out of range"},
  };
  for (const BadValue& c : cases) {
    const std::string e = load_error({c.set});
    EXPECT_NE(e.find("--set " + c.set), std::string::npos) << c.set << ": " << e;
    EXPECT_NE(e.find(": " + c.key + ": "), std::string::npos) << c.set << ": " << e;
    EXPECT_NE(e.find(c.says), std::string::npos) << c.set << ": " << e;
  }
}

TEST(LoadChecks, ContradictionsNameTheKeyTheUserSet) {
  std::string e = load_error({"system.smmu.sid_bits=4", "system.devices.0.qm.stream_id=16"});
  EXPECT_NE(e.find("system.devices.0.qm.stream_id: StreamID 16"), std::string::npos) << e;
  e = load_error({"system.smmu.sid_bits=4"});  // stream id 0 fits
  EXPECT_EQ(e, "");
  e = load_error({"system.devices.0.qm.ats=true", "system.smmu.ats.enabled=false"});
  EXPECT_NE(e.find("system.devices.0.qm.ats: system.devices.0 is an ATS endpoint"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("smmu.ats.enabled: false"), std::string::npos) << e;
  e = load_error({"system.devices.0.qm.msi_address=4096"});
  EXPECT_NE(e.find("system.devices.0.qm.msi_address: MSI address is outside"), std::string::npos)
      << e;
}

TEST(LoadChecks, EveryLatencyHasAnUpperBound) {
  for (const ParamSpec& p : describe_scenario()) {
    if (units_per_second(p.unit) == 0) continue;
    if (p.key_path == "run.max_host_seconds") continue;  // host time, not simulated time
    ASSERT_TRUE(p.range.hi.has_value()) << p.key_path;
    EXPECT_LE(*p.range.hi * (1e12 / units_per_second(p.unit)), 1.8e19 / 1000) << p.key_path;
  }
}

TEST(LoadChecks, TheDocumentedMinimumMemoryRuns) {
  const RunOutcome o =
      run_with({"system.dram.size_bytes=" + std::to_string(DramParams::kMinSizeBytes)});
  EXPECT_TRUE(o.ok) << o.error;
}

// The SMMU driver's queues: its own sizes, cut to what IDR1 says the SMMU supports.
class QueueSizes : public sc_core::sc_module {
 public:
  QueueSizes(sc_core::sc_module_name name, const SystemParams& p, SimEnv& env)
      : sc_module(name), machine(p, env) {
    SC_HAS_PROCESS(QueueSizes);
    SC_THREAD(run);
  }
  void run() {
    CpuContext boot;
    machine.boot(boot);
    sc_core::sc_stop();
  }
  Machine machine;
};

std::vector<unsigned> driver_queue_sizes(const std::vector<std::string>& sets) {
  const Scenario sc = load_scenario_text(kOneRequest, "b.yaml", sets);
  SimEnv env(1, false);
  testing::fresh_sc_context();
  std::vector<unsigned> out;
  {
    QueueSizes q("q", sc.system, env);
    sc_core::sc_start();
    const SmmuDriver& d = q.machine.smmu_driver();
    out = {d.cmdq_log2(), d.evtq_log2()};
  }
  testing::fresh_sc_context();
  return out;
}

TEST(SmmuDriver, SizesItsQueuesFromIdr1) {
  EXPECT_EQ(driver_queue_sizes({}), (std::vector<unsigned>{8, 7}));
  EXPECT_EQ(driver_queue_sizes(
                {"system.smmu.cmdq.max_log2_entries=7", "system.smmu.evtq_max_log2_entries=1"}),
            (std::vector<unsigned>{7, 1}));
  // The largest queue the driver refuses no longer hangs: it is rejected at load.
  EXPECT_NE(load_error({"system.smmu.cmdq.max_log2_entries=6"}), "");
}

TEST(SmmuDriver, ASyncThatNeverCompletesTimesOut) {
  const RunOutcome o =
      run_with({"system.smmu.cmdq.sync_cost_ns=1e12", "system.host.smmu_poll_timeout_us=1000"});
  ASSERT_FALSE(o.ok);
  EXPECT_NE(o.error.find("SMMU driver: CMD_SYNC timeout after 1000 us"), std::string::npos)
      << o.error;
}

TEST(SmmuDriver, ASlowSyncStillCompletes) {
  // 0.1 s per CMD_SYNC: within the driver's 1 s timeout, polled with a growing delay.
  const RunOutcome o = run_with({"system.smmu.cmdq.sync_cost_ns=1e8"});
  EXPECT_TRUE(o.ok) << o.error;
}

TEST(Watchdog, SimulatedTimeLimitEndsTheRunNamingIt) {
  const RunOutcome o = run_with({"run.max_sim_time_ms=0.001"});
  ASSERT_FALSE(o.ok);
  EXPECT_NE(o.error.find("watchdog: run.max_sim_time_ms (0.001 ms of simulated time) reached at "
                         "simulated time 1000000 ps"),
            std::string::npos)
      << o.error;
  EXPECT_NE(o.error.find("threads still running: none yet (the system was booting)"),
            std::string::npos)
      << o.error;
}

TEST(Watchdog, HostTimeLimitEndsTheRunNamingIt) {
  const RunOutcome o = run_with({"run.max_host_seconds=0"});
  ASSERT_FALSE(o.ok);
  EXPECT_NE(o.error.find("watchdog: run.max_host_seconds (0 s of host time) reached at "
                         "simulated time"),
            std::string::npos)
      << o.error;
}

// The request times out first (the runtime's sync timeout, 1 s, before the engine's 2 s); the
// queue's STOP_QP at close then times out too: it is logged, not thrown from the runtime's
// destructors, and named as the cause.
TEST(FailedRequests, ASlowEngineFailsTheRequestNotTheTeardown) {
  const RunOutcome o = run_with({"system.devices.0.zip.setup_latency_ns=2000000000"});
  ASSERT_FALSE(o.ok);
  EXPECT_EQ(o.error.rfind("app/main: doorbell path: request failed", 0), 0u) << o.error;
  EXPECT_NE(o.error.find("no completion within 1000000 us"), std::string::npos) << o.error;
  EXPECT_NE(o.error.find("(the sync request timeout, sync_timeout_us)"), std::string::npos)
      << o.error;
  EXPECT_NE(o.error.find("(kernel: hisi_zip: mailbox command 8 for queue 0 still busy"),
            std::string::npos)
      << o.error;
}

TEST(FailedRequests, TheSyncTimeoutIsTheRuntimes) {
  const RunOutcome o = run_with(
      {"system.devices.0.zip.setup_latency_ns=2000000", "system.runtime.sync_timeout_us=1000"});
  ASSERT_FALSE(o.ok);
  EXPECT_NE(o.error.find("no completion within 1000 us"), std::string::npos) << o.error;
}

}  // namespace
}  // namespace wdsim
