// Whole-system isolation: scenarios/isolation.yaml runs a victim (`compare`, doorbell path) and a
// hostile process (`hostile`) on one ZIP function with doorbell isolation and an isolation
// threshold. The tests check what the hostile saw per attack (exact counts: the run is
// deterministic), that the DMA ownership oracle checked device accesses and saw no violation,
// that the victim completed every request with the output digest of a run without the hostile,
// and that the hostile's SIGSEGV ended only the hostile. Two negative controls show that the
// checks can fail: without doorbell isolation the hostile's doorbell reaches the victim's queue
// (the victim's request fails, the hostile sees nothing on its own queue, and the oracle, rightly,
// sees no ownership violation: the device used the victim's own PASID on the victim's own
// memory); and a fabricated access handed to the oracle is counted.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

constexpr const char* kScenario = "scenarios/isolation.yaml";
constexpr const char* kFuzzScenario = "scenarios/hostile_fuzz.yaml";
// The scenario's numbers the assertions follow from.
constexpr uint64_t kVictimRequests = 2 * (100 + 1);  // sizes x (requests + warm-up)
constexpr uint64_t kRingDepth = 1024;                // QM_Q_DEPTH: send refuses at depth - 1
constexpr uint64_t kStaleSlots = 8;                  // hostile.stale_slots
constexpr uint64_t kRandomDescriptors = 16;          // hostile.random_descriptors
constexpr uint64_t kOtherQueues = 1023;              // the QM's 1024 queue numbers but its own

struct RunResult {
  RunOutcome outcome;
  std::string stats_csv;
  uint64_t counter(const std::string& key) const {
    const std::string prefix = key + ",counter,value,";
    std::istringstream in(stats_csv);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(prefix, 0) == 0) return std::stoull(line.substr(prefix.size()));
    }
    return 0;
  }
  std::string text(const std::string& key) const {
    const std::string prefix = key + ",text,value,";
    std::istringstream in(stats_csv);
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(prefix, 0) == 0) {
        std::string v = line.substr(prefix.size());
        return v.substr(0, v.find(','));
      }
    }
    return "";
  }
  const ProcessOutcome& process(const std::string& name) const {
    for (const ProcessOutcome& p : outcome.processes) {
      if (p.name == name) return p;
    }
    throw std::runtime_error("no process " + name);
  }
  // The hostile's count of `outcome` in `attack` (summed over repeats of the attack).
  uint64_t seen(const std::string& attack, const std::string& what) const {
    uint64_t n = 0;
    for (const auto& rows : table("hostile").rows) {
      if (rows[1] == attack && rows[2] == what) n += std::stoull(rows[3]);
    }
    return n;
  }
  uint64_t with_verdict(const std::string& verdict, const std::string& attack = "") const {
    uint64_t n = 0;
    for (const auto& rows : table("hostile").rows) {
      if (rows[4] == verdict && (attack.empty() || rows[1] == attack)) n += std::stoull(rows[3]);
    }
    return n;
  }
  const SummaryTable& table(const std::string& name) const {
    for (const SummaryTable& t : outcome.report.tables) {
      if (t.name == name) return t;
    }
    throw std::runtime_error("no table " + name);
  }
};

RunResult run(const Scenario& sc) {
  SimEnv env(sc.seed, /*trace_enabled=*/false);
  RunResult r;
  r.outcome = run_system(sc, env);
  r.stats_csv = env.stats().to_csv();
  return r;
}

// The same scenario with only the victim.
Scenario without_hostile(Scenario sc) {
  sc.processes.erase(std::remove_if(sc.processes.begin(), sc.processes.end(),
                                    [](const ProcessSpec& p) { return p.name == "evil"; }),
                     sc.processes.end());
  return sc;
}

TEST(IsolationSystem, HostileIsRefusedAndTheVictimIsUnharmed) {
  const Scenario sc = load_scenario(kScenario, {}, 0);
  const RunResult r = run(sc);
  ASSERT_TRUE(r.outcome.ok) << r.outcome.error;

  // The victim completed every request; the hostile died of its own SIGSEGV, nothing else.
  const ProcessOutcome& victim = r.process("victim");
  EXPECT_EQ(victim.end, "exited 0");
  EXPECT_EQ(victim.requests_ok, kVictimRequests);
  EXPECT_EQ(victim.requests_failed, 0u) << victim.first_error;
  const ProcessOutcome& evil = r.process("evil");
  EXPECT_EQ(evil.end.rfind("SIGSEGV at 0xffff000010000000", 0), 0u) << evil.end;
  EXPECT_EQ(evil.requests_failed, 0u);
  EXPECT_EQ(r.with_verdict("NOT refused"), 0u);
  EXPECT_EQ(evil.requests_ok, r.with_verdict("refused") + r.with_verdict("contained"));

  // The oracle checked the device's accesses and found every one within its owner's frames.
  EXPECT_GT(r.counter("host.dma_oracle.accesses"), 0u);
  EXPECT_EQ(r.counter("host.dma_oracle.violations"), 0u);
  EXPECT_EQ(r.counter("host.dma_oracle.foreign_frame"), 0u);
  EXPECT_EQ(r.counter("host.dma_oracle.free_frame"), 0u);
  EXPECT_EQ(r.counter("host.dma_oracle.after_unbind"), 0u);

  // Another process's addresses, translated by the hostile's PASID: the hostile's own memory at
  // those addresses (contained) or nothing (a fault); both cases occur.
  EXPECT_EQ(r.with_verdict("contained", "foreign_va") + r.with_verdict("refused", "foreign_va"),
            14u);  // 7 of the victim's pages (4 mappings' first pages, 3 last pages) x 2
  EXPECT_EQ(r.seen("foreign_va", "read/victim_anon/unmapped_here/dma_read_fault"), 2u);
  EXPECT_EQ(r.seen("foreign_va", "write/victim_anon/unmapped_here/dma_write_fault"), 2u);
  EXPECT_EQ(r.seen("foreign_va", "read/victim_ring/own_anon/ok"), 1u);
  EXPECT_EQ(r.seen("foreign_va", "write/victim_ring/own_anon/ok"), 1u);

  // Unmapped and kernel addresses fault (SMMU events, the stall handler aborts them); after the
  // isolation threshold the second unmapped_va gets no queue at all.
  EXPECT_EQ(r.seen("unmapped_va", "read/unmapped_here/dma_read_fault"), 1u);
  EXPECT_EQ(r.seen("unmapped_va", "write/unmapped_here/dma_write_fault"), 1u);
  EXPECT_EQ(r.seen("unmapped_va", "open/eperm"), 2u);
  EXPECT_EQ(r.seen("kernel_va", "read/unmapped_here/dma_read_fault"), 1u);
  EXPECT_EQ(r.seen("kernel_va", "write/unmapped_here/dma_write_fault"), 1u);
  EXPECT_EQ(r.counter("host.uacce.open_refused_isolated"), 2u);

  // Its own ring is its own business; DMA into its doorbell page fails.
  EXPECT_EQ(r.seen("own_ring", "read/own_sq/own_ring/ok"), 1u);
  EXPECT_EQ(r.seen("own_ring", "write/own_sq_far_slot/own_ring/ok"), 1u);
  EXPECT_EQ(r.seen("own_ring", "write/own_doorbell_page/own_mmio/dma_write_fault"), 1u);

  EXPECT_EQ(r.seen("random_sqe", "bad_request"), kRandomDescriptors);
  EXPECT_EQ(r.seen("random_addresses", "src_unmapped_here/dst_unmapped_here/dma_read_fault"),
            kRandomDescriptors);

  // Doorbells: the isolated page decides the queue. Out-of-range indices are rejected by the
  // QM; a doorbell naming every other queue moves the hostile's own tail, so exactly its own
  // stale (zeroed) slots run and fail on its own CQ.
  EXPECT_EQ(r.seen("doorbell", "qn_out_of_range/no_effect"), 1u);
  EXPECT_EQ(r.seen("doorbell", "index_out_of_range/qm_rejected"), 1u);
  EXPECT_EQ(r.seen("doorbell", "index_out_of_range/qm_errors_counted"), 3u);
  EXPECT_EQ(r.seen("doorbell", "bad_cmd/no_effect"), 1u);
  EXPECT_EQ(r.seen("doorbell", "cross_queue/landed_on_own_queue"), 1u);
  EXPECT_EQ(r.seen("doorbell", "cross_queue/own_completion/bad_request"), kStaleSlots);
  EXPECT_EQ(r.seen("mailbox", "stop_qp/mailbox_unreachable"), kOtherQueues);

  // A full ring: -EBUSY at depth - 1; everything drains. Overflowing the CQ by hand makes the
  // kernel's AEQ handler disable the hostile's queue, and only that one.
  EXPECT_EQ(r.seen("full_ring", "send_ebusy_after_1023"), 1u);
  EXPECT_EQ(r.seen("full_ring", "drained/ok"), kRingDepth - 1);
  EXPECT_EQ(r.seen("cq_overflow", "queue_disabled_by_kernel"), 1u);
  EXPECT_EQ(r.seen("cq_overflow", "then_send_eio"), 1u);
  EXPECT_EQ(r.seen("cq_overflow", "then_recv_eio"), 1u);
  EXPECT_EQ(r.counter("host.qm_drv.aeqes.cq_overflow"), 1u);
  EXPECT_EQ(r.counter("host.qm_drv.disabled_qps"), 1u);
  EXPECT_EQ(r.seen("cpu_kernel_load", "sigsegv"), 1u);

  // The victim's outputs are byte for byte those of a run without the hostile.
  const std::string digest = r.text("workload.compare.victim.output_digest");
  ASSERT_EQ(digest.size(), 16u);
  const RunResult alone = run(without_hostile(sc));
  ASSERT_TRUE(alone.outcome.ok) << alone.outcome.error;
  ASSERT_EQ(alone.outcome.processes.size(), 1u);
  EXPECT_EQ(alone.process("victim").requests_ok, kVictimRequests);
  EXPECT_EQ(alone.text("workload.compare.victim.output_digest"), digest);
}

// Negative control: the same doorbell attack without doorbell isolation. The shared doorbell
// register takes the queue number from the value, so the hostile rings the victim's queue and
// the device runs the victim's stale descriptors (under the victim's PASID, into the victim's
// buffers): the victim's request fails and nothing arrives on the hostile's own queue. The oracle
// sees no violation: ownership was never crossed, only the victim's queue was driven.
TEST(IsolationSystem, WithoutDoorbellIsolationTheHostileDrivesTheVictimsQueue) {
  const Scenario sc = load_scenario(
      kScenario,
      {"system.devices.0.qm.use_db_isolation=false", "processes.0.threads.0.expect_errors=true",
       "processes.1.threads.0.hostile.attacks=[doorbell]"},
      0);
  const RunResult r = run(sc);
  ASSERT_TRUE(r.outcome.ok) << r.outcome.error;
  const ProcessOutcome& victim = r.process("victim");
  EXPECT_EQ(victim.requests_failed, 1u);  // compare stops at its first failed request
  EXPECT_LT(victim.requests_ok, kVictimRequests);
  EXPECT_EQ(r.seen("doorbell", "cross_queue/nothing_on_own_queue"), 1u);
  EXPECT_EQ(r.process("evil").requests_failed, 1u);
  // The device fetched SQEs that nobody submitted: the victim's stale slots.
  EXPECT_GT(r.counter("qm.sqes"), victim.requests_ok + victim.requests_failed);
  EXPECT_GT(r.counter("host.dma_oracle.accesses"), 0u);
  EXPECT_EQ(r.counter("host.dma_oracle.violations"), 0u);
}

// The fuzzing hostile (scenarios/hostile_fuzz.yaml, shortened): thousands of random descriptors,
// doorbells and MMIO writes while the victim compresses. Ends with an oracle_probe so the run
// itself shows that the oracle was counting: exactly that one violation, none from the fuzz.
TEST(IsolationSystem, FuzzingHostileNeverReachesAnotherOwnersFrames) {
  constexpr uint64_t kOperations = 3000;
  constexpr uint64_t kRequests = 3000;  // about as long in simulated time as the fuzz
  const Scenario sc =
      load_scenario(kFuzzScenario,
                    {"processes.1.threads.0.hostile.fuzz_operations=" + std::to_string(kOperations),
                     "processes.1.threads.0.hostile.attacks=[fuzz, oracle_probe]",
                     "processes.0.threads.0.compare.requests=" + std::to_string(kRequests)},
                    0);
  const RunResult r = run(sc);
  ASSERT_TRUE(r.outcome.ok) << r.outcome.error;
  const ProcessOutcome& victim = r.process("victim");
  EXPECT_EQ(victim.end, "exited 0");
  EXPECT_EQ(victim.requests_ok, kRequests + 1);  // + the warm-up request
  EXPECT_EQ(victim.requests_failed, 0u) << victim.first_error;
  EXPECT_EQ(r.with_verdict("NOT refused"), 0u);
  EXPECT_EQ(r.seen("oracle_probe", "oracle_counted_violation"), 1u);
  EXPECT_GT(r.counter("host.dma_oracle.accesses"), kOperations);
  EXPECT_EQ(r.counter("host.dma_oracle.violations"), 1u);  // the probe's
  EXPECT_EQ(r.counter("host.dma_oracle.foreign_frame"), 0u);
  EXPECT_EQ(r.counter("host.dma_oracle.free_frame"), 0u);

  // Every operation kind ran, and the device met garbage: bad requests and faults.
  uint64_t ops = 0;
  for (const char* op :
       {"random_bytes", "random_addresses", "foreign_addresses", "doorbell", "mmio_write"}) {
    uint64_t n = 0;
    for (const auto& row : r.table("hostile").rows) {
      const bool own_completion = row[2].find("/own_completion/") != std::string::npos;
      if (row[1] == "fuzz" && row[2].rfind(std::string(op) + "/", 0) == 0 && !own_completion) {
        n += std::stoull(row[3]);
      }
    }
    EXPECT_GT(n, kOperations / 20) << op;
    ops += n;
  }
  EXPECT_EQ(ops, kOperations);
  EXPECT_GT(r.seen("fuzz", "random_bytes/bad_request"), 0u);
  EXPECT_GT(r.seen("fuzz", "foreign_addresses/dma_read_fault"), 0u);
  EXPECT_GT(r.counter("host.smmu_drv.events.f_translation"), 0u);

  // The victim's outputs are byte for byte those of a run without the hostile.
  const RunResult alone = run(without_hostile(sc));
  ASSERT_TRUE(alone.outcome.ok) << alone.outcome.error;
  EXPECT_EQ(alone.text("workload.compare.victim.output_digest"),
            r.text("workload.compare.victim.output_digest"));
}

// Negative control of the oracle itself: one fabricated device write with a PASID nobody is
// bound to, into a frame of the victim, handed straight to the oracle, is counted.
TEST(IsolationSystem, TheOracleCountsAForcedViolation) {
  const Scenario sc =
      load_scenario(kScenario, {"processes.1.threads.0.hostile.attacks=[oracle_probe]"}, 0);
  const RunResult r = run(sc);
  ASSERT_TRUE(r.outcome.ok) << r.outcome.error;
  EXPECT_EQ(r.seen("oracle_probe", "oracle_counted_violation"), 1u);
  EXPECT_EQ(r.counter("host.dma_oracle.violations"), 1u);
  EXPECT_EQ(r.counter("host.dma_oracle.after_unbind"), 1u);
  EXPECT_EQ(r.process("victim").requests_failed, 0u);
}

}  // namespace
}  // namespace wdsim
