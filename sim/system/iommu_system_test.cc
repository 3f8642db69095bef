// The kernel side of SVA translation, in the whole system: I/O page faults by the stall
// model, their absence when stall is off, mmu_notifier invalidations on munmap, and the
// DMA API's deferred (batched) IOTLB flush.
#include <gtest/gtest.h>

#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

uint64_t counter(const SimEnv& env, const std::string& key) {
  const Counter* c = const_cast<SimEnv&>(env).stats().find_counter(key);
  return c ? c->value() : 0;
}

// A parameter of the compare program of the default process's thread.
std::string compare(const std::string& key_value) {
  return "processes.0.threads.0.compare." + key_value;
}

RunOutcome run(const std::vector<std::string>& sets, SimEnv& env) {
  Scenario sc = load_scenario_text("{}\n", "inline", sets);
  return run_system(sc, env);
}

TEST(IommuSystem, DeviceFaultsOnUntouchedPagesStallAndAreResumed) {
  SimEnv env(1);
  RunOutcome o = run({compare("paths=[doorbell]"), compare("sizes=[65536]"), compare("requests=2"),
                      compare("warmup_requests=0"), compare("data=random"),
                      compare("buffers=demand"), "system.host.iopf=stall"},
                     env);
  ASSERT_TRUE(o.ok) << o.error;
  const uint64_t io_faults = counter(env, "host.page_faults.io");
  // The runtime writes the zlib header into the first page (a CPU fault); the device's
  // incompressible output then touches the other pages of each fresh 129 KiB buffer first.
  EXPECT_GE(io_faults, 2u * 15);
  EXPECT_EQ(counter(env, "smmu.cmds.resume"), io_faults);
  EXPECT_EQ(counter(env, "host.smmu_drv.events.f_translation"), io_faults);
  // The stall's service time is part of the request's translation stage.
  const Histogram* xlat = env.stats().find_histogram("qm.stage.translation_ns");
  ASSERT_NE(xlat, nullptr);
  EXPECT_GT(xlat->max(), 2500.0);  // at least the fault handler's cost
}

TEST(IommuSystem, WithoutStallADeviceFaultFailsTheRequest) {
  SimEnv env(1);
  RunOutcome o = run({compare("paths=[doorbell]"), compare("sizes=[65536]"), compare("requests=1"),
                      compare("warmup_requests=0"), compare("data=random"),
                      compare("buffers=demand"), "system.host.iopf=none"},
                     env);
  EXPECT_FALSE(o.ok);
  EXPECT_NE(o.error.find("doorbell path"), std::string::npos) << o.error;
  EXPECT_EQ(counter(env, "smmu.cmds.resume"), 0u);
}

TEST(IommuSystem, MunmapOfAnSvaBufferInvalidatesTheIotlb) {
  SimEnv env(1);
  // Fresh destinations, unmapped after every request while the PASID stays bound.
  RunOutcome o = run({compare("paths=[doorbell]"), compare("sizes=[4096]"), compare("requests=3"),
                      compare("warmup_requests=0"), compare("buffers=pretouch")},
                     env);
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_GE(counter(env, "smmu.cmds.tlbi_nh_va"), 3u);
  EXPECT_GT(counter(env, "smmu.iotlb.invalidated"), 0u);
  EXPECT_NE(env.trace().to_text().find("host.smmu_drv mm_invalidate pasid=1"), std::string::npos);
}

TEST(IommuSystem, DeferredFlushBatchesIotlbInvalidation) {
  auto tlbis = [](const std::string& mode, uint64_t* flushes) {
    SimEnv env(1);
    RunOutcome o = run({compare("paths=[syscall]"), compare("sizes=[4096]"), compare("requests=8"),
                        compare("warmup_requests=0"), "system.host.dma_flush=" + mode,
                        "system.host.dma_flush_batch=4"},
                       env);
    EXPECT_TRUE(o.ok) << o.error;
    *flushes = counter(env, "host.dma.deferred_flushes");
    return counter(env, "smmu.cmds.tlbi_nh_va") + counter(env, "smmu.cmds.tlbi_nh_asid");
  };
  uint64_t strict_flushes = 0, deferred_flushes = 0;
  const uint64_t strict = tlbis("strict", &strict_flushes);
  const uint64_t deferred = tlbis("deferred", &deferred_flushes);
  EXPECT_EQ(strict_flushes, 0u);
  // 8 requests x 2 buffers = 16 unmaps: strict invalidates each; deferred every 4.
  EXPECT_GE(strict, 16u);
  EXPECT_EQ(deferred_flushes, 4u);
  EXPECT_LT(deferred, strict);
}

TEST(IommuSystem, AVirtualMachineNestsEveryWalkInItsStage2) {
  // With the SMMU's caches off every DMA walks: stage 1 alone reads 4 descriptors; nested
  // over a 2 MiB-block stage 2 (start level 1: 2 reads per stage-2 walk) each of the 4 table
  // reads and the output are translated too: 4 + 5 * 2 = 14 reads.
  auto mean_reads = [](const std::string& vm) {
    SimEnv env(1);
    RunOutcome o =
        run({compare("sizes=[4096]"), compare("requests=1"), compare("warmup_requests=0"),
             "system.host.vm=" + vm, "system.smmu.walk_cache.enabled=false",
             "system.smmu.iotlb.enabled=false", "system.smmu.utlb.enabled=false"},
            env);
    EXPECT_TRUE(o.ok) << vm << ": " << o.error;
    const Histogram* h = env.stats().find_histogram("smmu.walk_reads");
    return h ? h->mean() : 0.0;
  };
  EXPECT_DOUBLE_EQ(mean_reads("none"), 4.0);
  EXPECT_DOUBLE_EQ(mean_reads("2m"), 14.0);
  EXPECT_DOUBLE_EQ(mean_reads("1g"), 9.0);  // 1 read per stage-2 walk: 4 + 5
}

}  // namespace
}  // namespace wdsim
