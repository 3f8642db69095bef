// The WarpDrive sharing protocol in the whole system: queues handed out per process (each
// bound to its own PASID) until the function has none left (open fails with -EBUSY, as
// hisi_qm_create_qp does) and handed back on exit; several address spaces on one device with
// their own translation-cache counts; threads sharing UADK ctxs (the ctx lock serialises their
// sync requests) and threads time-sharing cores.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

uint64_t counter(SimEnv& env, const std::string& key) {
  const Counter* c = env.stats().find_counter(key);
  return c ? c->value() : 0;
}

RunOutcome run(const std::string& yaml, SimEnv& env, const std::vector<std::string>& sets = {}) {
  return run_system(load_scenario_text(yaml, "inline", sets), env);
}

// The value in column `column` of the only row of table `name`.
double cell(const RunOutcome& o, const std::string& name, const std::string& column) {
  for (const auto& t : o.report.tables) {
    if (t.name != name) continue;
    EXPECT_EQ(t.rows.size(), 1u);
    for (size_t c = 0; c < t.columns.size(); ++c) {
      if (t.columns[c] == column) return std::stod(t.rows.at(0).at(c));
    }
  }
  ADD_FAILURE() << "no " << name << "." << column;
  return NAN;
}

TEST(Sharing, QueuesRunOutWithEbusyAndComeBackWhenTheirProcessesExit) {
  SimEnv env(1);
  RunOutcome o = run(R"(
system:
  devices: [{kind: zip, qm: {num_qps: 2}}]
processes:
  - name: app
    count: 3
    threads:
      - program: compare
        expect_errors: true
        compare: {paths: [doorbell], sizes: [4096], requests: 20, warmup_requests: 0}
  - name: late
    threads:
      - program: compare
        start_us: 500
        compare: {paths: [doorbell], sizes: [4096], requests: 5, warmup_requests: 0}
output: {trace: true, chrome_trace: false}
)",
                     env);
  ASSERT_TRUE(o.ok) << o.error;
  ASSERT_EQ(o.processes.size(), 4u);
  // Two queues: the first two processes get one each, the third's open is refused.
  EXPECT_EQ(o.processes[0].requests_ok, 20u);
  EXPECT_EQ(o.processes[1].requests_ok, 20u);
  EXPECT_EQ(o.processes[2].requests_ok, 0u);
  EXPECT_EQ(o.processes[2].requests_failed, 1u);
  EXPECT_NE(o.processes[2].first_error.find("Device or resource busy (-16)"), std::string::npos)
      << o.processes[2].first_error;
  // After the first two exited, their queues are free again: the late process gets one.
  EXPECT_EQ(o.processes[3].requests_ok, 5u);
  // Each process that opened was bound to its own PASID.
  const std::string trace = env.trace().to_text();
  for (const char* bind : {"sva_bind sid=0 pid=100 pasid=1", "sva_bind sid=0 pid=101 pasid=2"}) {
    EXPECT_NE(trace.find(bind), std::string::npos) << bind;
  }
}

TEST(Sharing, EachAddressSpaceHasItsOwnTranslationCacheCountsAndTheyCompete) {
  auto hit_rate = [](uint32_t processes, SimEnv& env) {
    RunOutcome o = run(R"(
system:
  smmu: {iotlb: {entries: 64}}
processes:
  - name: app
    threads:
      - program: compare
        compare: {paths: [doorbell], sizes: [4096], requests: 24, warmup_requests: 8,
                  footprint_bytes: 65536}
output: {trace: false, chrome_trace: false}
)",
                       env, {"processes.0.count=" + std::to_string(processes)});
    EXPECT_TRUE(o.ok) << o.error;
    const double hits = static_cast<double>(counter(env, "smmu.iotlb.hits"));
    const double misses = static_cast<double>(counter(env, "smmu.iotlb.misses"));
    return hits / (hits + misses);
  };
  SimEnv one(1), eight(1);
  const double alone = hit_rate(1, one);
  const double shared = hit_rate(8, eight);
  // Eight working sets of ~32 pages each in a 64-entry IOTLB: each evicts the others'.
  EXPECT_LT(shared, alone - 0.1) << alone << " vs " << shared;
  // Per address space: PASIDs 1..8 on StreamID 0, each with its own lookups, summing to the
  // IOTLB's totals.
  uint64_t sum = 0;
  for (int pasid = 1; pasid <= 8; ++pasid) {
    const std::string base = "smmu.iotlb.by_pasid.s0.p" + std::to_string(pasid);
    const uint64_t lookups = counter(eight, base + ".hits") + counter(eight, base + ".misses");
    EXPECT_GT(lookups, 0u) << base;
    sum += lookups;
  }
  sum += counter(eight, "smmu.iotlb.by_pasid.s0.nopasid.hits") +
         counter(eight, "smmu.iotlb.by_pasid.s0.nopasid.misses");
  EXPECT_EQ(sum, counter(eight, "smmu.iotlb.hits") + counter(eight, "smmu.iotlb.misses"));
}

TEST(Sharing, EachRequestsStagesComeFromItsOwnSqeWithOthersInFlight) {
  // 4 KiB requests alone, then beside a process streaming 256 KiB requests on another queue
  // of the same device: the small requests' engine stage must stay theirs (a breakdown that
  // took the last SQE completed on the device would show the big requests' engine time).
  constexpr const char* kSmall = R"(
processes:
  - name: small
    threads:
      - program: compare
        compare: {paths: [doorbell], sizes: [4096], requests: 30, warmup_requests: 0}
output: {trace: false, chrome_trace: false}
)";
  SimEnv alone(1), beside(1);
  ASSERT_TRUE(run(kSmall, alone).ok);
  RunOutcome o = run(kSmall, beside,
                     {"processes.1.name=big", "processes.1.threads.0.compare.paths=[doorbell]",
                      "processes.1.threads.0.compare.sizes=[262144]",
                      "processes.1.threads.0.compare.requests=10"});
  ASSERT_TRUE(o.ok) << o.error;
  const Histogram* solo = alone.stats().find_histogram("workload.doorbell.4096.stage.engine_ns");
  const Histogram* mixed = beside.stats().find_histogram("workload.doorbell.4096.stage.engine_ns");
  const Histogram* big = beside.stats().find_histogram("workload.doorbell.262144.stage.engine_ns");
  ASSERT_TRUE(solo && mixed && big);
  EXPECT_EQ(mixed->count(), 30u);
  EXPECT_GT(big->mean(), 20.0 * solo->mean());
  // Two compress cores: the small requests do not wait behind the big ones.
  EXPECT_NEAR(mixed->mean(), solo->mean(), 0.05 * solo->mean());
  // And every request's stages still sum to its latency.
  const Histogram* lat = beside.stats().find_histogram("workload.doorbell.4096.latency_ns");
  double stage_sum = 0;
  for (const char* st :
       {"submit", "doorbell", "fetch", "translation", "engine", "writeback", "completion"}) {
    const Histogram* h =
        beside.stats().find_histogram(std::string("workload.doorbell.4096.stage.") + st + "_ns");
    ASSERT_NE(h, nullptr) << st;
    stage_sum += h->sum();
  }
  EXPECT_NEAR(stage_sum, lat->sum(), 1e-6 * lat->sum());
}

constexpr const char* kSyncThreads = R"yaml(
system:
  host: {cores: 8}
  devices: [{kind: zip}, {kind: sec}]
processes:
  - name: app
    threads:
      - name: worker
        program: uadk_sync
        uadk_sync: {alg: "cbc(aes)", size: 1024, requests: 32, warmup_requests: 2}
output: {trace: false, chrome_trace: false}
)yaml";

TEST(Sharing, ThreadsSharingOneCtxAreSerialisedByItsLock) {
  SimEnv e1(1), e4own(1), e4shared(1);
  RunOutcome single = run(kSyncThreads, e1);
  RunOutcome own = run(kSyncThreads, e4own, {"processes.0.threads.0.count=4"});
  RunOutcome shared =
      run(kSyncThreads, e4shared,
          {"processes.0.threads.0.count=4", "processes.0.threads.0.uadk_sync.ctxs=1"});
  ASSERT_TRUE(single.ok && own.ok && shared.ok) << single.error << own.error << shared.error;
  const double one = cell(single, "uadk_sync", "mb_per_s");
  // A queue each: four requests in flight at once on the SEC engine's cores.
  EXPECT_GT(cell(own, "uadk_sync", "mb_per_s"), 3.0 * one);
  EXPECT_EQ(cell(own, "uadk_sync", "lock_wait_pct"), 0.0);
  // One queue: the ctx lock is held across each sync request, so the four threads take turns
  // and the process gets one thread's throughput (less the lock hand-offs), while most of
  // their time goes to waiting for the lock.
  const double turns = cell(shared, "uadk_sync", "mb_per_s");
  EXPECT_LT(turns, 1.02 * one);
  EXPECT_GT(turns, 0.8 * one);
  EXPECT_GT(cell(shared, "uadk_sync", "lock_wait_pct"), 50.0);
  // Each request waits for others' turns first (the releasing thread may take the lock
  // straight back, as an unfair spinlock lets it, so not always for all three).
  EXPECT_GT(cell(shared, "uadk_sync", "mean_us"), 2.0 * cell(single, "uadk_sync", "mean_us"));
}

TEST(Sharing, MoreRunnableThreadsThanCoresTimeShare) {
  SimEnv wide(1), narrow(1);
  RunOutcome four_cores = run(kSyncThreads, wide, {"processes.0.threads.0.count=4"});
  RunOutcome one_core =
      run(kSyncThreads, narrow, {"processes.0.threads.0.count=4", "system.host.cores=1"});
  ASSERT_TRUE(four_cores.ok && one_core.ok) << four_cores.error << one_core.error;
  // On one core the four busy-polling threads run one after another (a poller holds its
  // core; slices of 3 ms are longer than the run): one thread's throughput.
  const double wide_mbps = cell(four_cores, "uadk_sync", "mb_per_s");
  const double narrow_mbps = cell(one_core, "uadk_sync", "mb_per_s");
  EXPECT_LT(narrow_mbps, 0.4 * wide_mbps);
  // Threads waited in the run queue for the one core; with four cores none did.
  const Histogram* narrow_wait = narrow.stats().find_histogram("host.sched.runqueue_wait_ns");
  const Histogram* wide_wait = wide.stats().find_histogram("host.sched.runqueue_wait_ns");
  ASSERT_TRUE(narrow_wait && wide_wait);
  EXPECT_GT(narrow_wait->max(), 50000.0);  // a thread waited at least a whole other thread's run
  EXPECT_EQ(wide_wait->max(), 0.0);
}

}  // namespace
}  // namespace wdsim
