// ATS and PRI in the whole system: the QM as an ATS endpoint (system.devices[].qm.ats)
// translating its data DMA through its ATC and ATS Translation Requests, the
// kernel's CMD_ATC_INV after mmu_notifier TLBIs, and device page faults served
// by PRI (system.host.iopf=pri): page requests in the PRI queue, the kernel's
// PRIQ handler, CMD_PRI_RESP.
#include <gtest/gtest.h>

#include "sim/base/params.h"
#include "sim/iommu/smmu_formats.h"
#include "sim/system/scenario.h"
#include "sim/system/system.h"

namespace wdsim {
namespace {

uint64_t counter(SimEnv &env, const std::string &key) {
  const Counter *c = env.stats().find_counter(key);
  return c ? c->value() : 0;
}

// A parameter of the compare program of the default process's thread.
std::string compare(const std::string &key_value) {
  return "processes.0.threads.0.compare." + key_value;
}

RunOutcome run(const std::vector<std::string> &sets, SimEnv &env) {
  Scenario sc = load_scenario_text("{}\n", "inline", sets);
  return run_system(sc, env);
}

TEST(AtsSystem, TranslatedDmaHitsTheDeviceAtcAndSkipsTheSmmuWalk) {
  SimEnv env(1);
  // Populated, reused 16 KiB buffers: every request after the first finds its
  // pages in the ATC.
  RunOutcome o = run(
      {compare("paths=[doorbell]"), compare("sizes=[16384]"), compare("requests=4"),
       compare("warmup_requests=0"), compare("buffers=populate"), "system.devices.0.qm.ats=true"},
      env);
  ASSERT_TRUE(o.ok) << o.error;
  const uint64_t requests = counter(env, "qm.ats.translation_requests");
  EXPECT_GT(requests, 0u);
  EXPECT_EQ(counter(env, "smmu.ats.translation_requests"), requests);
  // Each ATC miss is one Translation Request; hits need no SMMU work at all.
  EXPECT_EQ(counter(env, "qm.ats.atc.misses"), requests);
  const uint64_t atc_hits = counter(env, "qm.ats.atc.hits");
  EXPECT_GE(atc_hits, 3 * requests);
  // The same run without ATS: the data DMA's repeat accesses hit the SMMU's
  // micro-TLB instead; with ATS they never reach it, and no page is walked more
  // often.
  SimEnv off_env(1);
  RunOutcome off =
      run({compare("paths=[doorbell]"), compare("sizes=[16384]"), compare("requests=4"),
           compare("warmup_requests=0"), compare("buffers=populate")},
          off_env);
  ASSERT_TRUE(off.ok) << off.error;
  EXPECT_EQ(counter(off_env, "qm.ats.translation_requests"), 0u);
  EXPECT_EQ(counter(env, "smmu.utlb.hits"), counter(off_env, "smmu.utlb.hits") - atc_hits);
  EXPECT_EQ(counter(env, "smmu.walks"), counter(off_env, "smmu.walks"));
  EXPECT_EQ(counter(env, "smmu.faults.f_transl_forbidden"), 0u);
}

TEST(AtsSystem, MunmapSendsAtcInvalidationThatEmptiesTheDeviceAtc) {
  SimEnv env(1);
  // Fresh destinations, touched by the CPU and unmapped after every request.
  RunOutcome o = run(
      {compare("paths=[doorbell]"), compare("sizes=[4096]"), compare("requests=3"),
       compare("warmup_requests=0"), compare("buffers=pretouch"), "system.devices.0.qm.ats=true"},
      env);
  ASSERT_TRUE(o.ok) << o.error;
  EXPECT_GE(counter(env, "smmu.cmds.atc_inv"), 3u);
  EXPECT_EQ(counter(env, "qm.ats.invalidate_requests"), counter(env, "smmu.cmds.atc_inv"));
  EXPECT_GT(counter(env, "qm.ats.atc.invalidated"), 0u);
  EXPECT_EQ(counter(env, "smmu.ats.atc_inv_timeouts"), 0u);
  const std::string trace = env.trace().to_text();
  // The ATC_INV follows the TLBI of the munmap and precedes its SYNC.
  const size_t inv = trace.find("host.smmu_drv mm_invalidate pasid=1");
  ASSERT_NE(inv, std::string::npos);
  const size_t tlbi = trace.find("TLBI_NH_VA", inv);
  const size_t atc = trace.find("ATC_INV", inv);
  const size_t sync = trace.find("SYNC", atc == std::string::npos ? inv : atc);
  ASSERT_NE(tlbi, std::string::npos);
  ASSERT_NE(atc, std::string::npos);
  ASSERT_NE(sync, std::string::npos);
  EXPECT_LT(tlbi, atc);
  EXPECT_LT(atc, sync);
}

TEST(AtsSystem, DevicePageFaultsAreServedByPri) {
  SimEnv env(1);
  RunOutcome o =
      run({compare("paths=[doorbell]"), compare("sizes=[65536]"), compare("requests=2"),
           compare("warmup_requests=0"), compare("data=random"), compare("buffers=demand"),
           "system.devices.0.qm.ats=true", "system.host.iopf=pri"},
          env);
  ASSERT_TRUE(o.ok) << o.error;  // every output was inflated and compared with its input
  EXPECT_EQ(o.report.measured_requests, 2u);
  const uint64_t page_requests = counter(env, "qm.ats.page_requests");
  // The device's incompressible output touches 15 fresh pages of each 129 KiB
  // buffer first.
  EXPECT_GE(page_requests, 2u * 15);
  EXPECT_EQ(counter(env, "smmu.pri.page_requests"), page_requests);
  EXPECT_EQ(counter(env, "smmu.priq.written"), page_requests);
  EXPECT_EQ(counter(env, "host.smmu_drv.page_requests"), page_requests);
  EXPECT_EQ(counter(env, "smmu.cmds.pri_resp"), page_requests);
  EXPECT_EQ(counter(env, "qm.ats.prg_responses.success"), page_requests);
  EXPECT_EQ(counter(env, "host.page_faults.io"), page_requests);
  EXPECT_GT(counter(env, "smmu.irq.priq.msis"), 0u);
  // No stall: nothing was held, no RESUME.
  EXPECT_EQ(counter(env, "smmu.stall.stalled"), 0u);
  EXPECT_EQ(counter(env, "smmu.cmds.resume"), 0u);
  EXPECT_EQ(counter(env, "smmu.pri.auto_responses"), 0u);
}

// Two ZIP functions, both ATS endpoints, each used by its own process: UADK picks the device
// with the most available queues, so b, starting after a opened its queue on hisi_zip-0 (as in
// system_test's TwoZipDevicesEachServeTheirOwnProcess), opens one of hisi_zip-1. Populated,
// reused buffers: repeat accesses hit the ATC; the munmap at exit invalidates them. `where`
// attaches both: on root ports 0 and 1, or at ports 0 and 1 of one switch.
std::string two_ats_devices(const std::string &where) {
  const std::string attach0 = where == "switch" ? "{switch: sw0, port: 0}" : "{root_port: 0}";
  const std::string attach1 = where == "switch" ? "{switch: sw0, port: 1}" : "{root_port: 1}";
  return "system:\n"
         "  pcie: {switches: [{name: sw0, downstream_ports: 2}]}\n"
         "  devices:\n"
         "    - {kind: zip, qm: {ats: true}, attach: " +
         attach0 +
         "}\n"
         "    - {kind: zip, qm: {ats: true}, attach: " +
         attach1 +
         "}\n"
         "processes:\n"
         "  - name: a\n"
         "    threads: [{name: main, program: compare, compare: {paths: [doorbell], sizes: "
         "[16384], requests: 4, warmup_requests: 0, buffers: populate}}]\n"
         "  - name: b\n"
         "    threads: [{name: main, start_us: 10, program: compare, compare: {paths: "
         "[doorbell], sizes: [16384], requests: 4, warmup_requests: 0, buffers: populate}}]\n"
         "output: {trace: true, chrome_trace: false}\n";
}

TEST(AtsSystem, TwoAtsEndpointsEachGetTheirTranslationsAndInvalidations) {
  for (const std::string where : {"root_ports", "switch"}) {
    SCOPED_TRACE(where);
    SimEnv env(1);
    RunOutcome o = run_system(load_scenario_text(two_ats_devices(where), "two_ats.yaml", {}), env);
    ASSERT_TRUE(o.ok) << o.error;
    uint64_t requests = 0, invalidations = 0;
    for (const char *qm : {"qm", "qm1"}) {
      const std::string p = std::string(qm) + ".ats.";
      SCOPED_TRACE(qm);
      // Each device translates through its own ATC: every miss one Translation Request, and
      // repeat accesses to a page hit.
      const uint64_t tr = counter(env, p + "translation_requests");
      EXPECT_GT(tr, 0u);
      EXPECT_EQ(counter(env, p + "atc.misses"), tr);
      EXPECT_GT(counter(env, p + "atc.hits"), 0u);
      EXPECT_EQ(counter(env, p + "translation_failures"), 0u);
      // The munmap at exit invalidates that process's pages in its own device's ATC.
      const uint64_t inv = counter(env, p + "invalidate_requests");
      EXPECT_GT(inv, 0u);
      EXPECT_GT(counter(env, p + "atc.invalidated"), 0u);
      requests += tr;
      invalidations += inv;
    }
    EXPECT_EQ(counter(env, "smmu.ats.translation_requests"), requests);
    EXPECT_EQ(counter(env, "pcie.root_complex.ats_messages"), requests);
    // Every CMD_ATC_INV reached the endpoint of its StreamID (an endpoint refuses another's
    // StreamID, and the SMMU would count the failure), none timed out or was unrouted.
    EXPECT_EQ(invalidations, counter(env, "smmu.cmds.atc_inv"));
    EXPECT_EQ(counter(env, "smmu.ats.atc_inv_unrouted"), 0u);
    EXPECT_EQ(counter(env, "smmu.ats.atc_inv_timeouts"), 0u);
    EXPECT_EQ(counter(env, "pcie.pcie_id_router.unrouted"), 0u);
    if (where == "root_ports") {
      // One ID-router port per root port: each carries its device's invalidations.
      EXPECT_EQ(counter(env, "pcie.pcie_id_router.port0.messages"),
                counter(env, "qm.ats.invalidate_requests"));
      EXPECT_EQ(counter(env, "pcie.pcie_id_router.port1.messages"),
                counter(env, "qm1.ats.invalidate_requests"));
    } else {
      // Behind one switch: its downstream ports route the messages by requester.
      EXPECT_EQ(counter(env, "pcie.sw0.unrouted"), 0u);
      EXPECT_EQ(counter(env, "pcie.pcie_link.up.answers"),
                counter(env, "qm.ats.invalidate_requests"));
      EXPECT_EQ(counter(env, "pcie.pcie_link1.up.answers"),
                counter(env, "qm1.ats.invalidate_requests"));
    }
    // Determinism: the same scenario and seed give the same trace.
    SimEnv again(1);
    ASSERT_TRUE(
        run_system(load_scenario_text(two_ats_devices(where), "two_ats.yaml", {}), again).ok);
    EXPECT_EQ(env.trace().to_text(), again.trace().to_text());
  }
}

TEST(AtsSystem, PriWithoutAtsIsAConfigErrorNamingTheKey) {
  try {
    load_scenario_text("system:\n  host:\n    iopf: pri\n", "bad.yaml", {});
    FAIL() << "expected a ConfigError";
  } catch (const ConfigError &e) {
    // Named at the device's qm.ats, saying that host.iopf pri needs it.
    EXPECT_NE(std::string(e.what()).find("system.devices.0.qm.ats"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("host.iopf pri"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(load_scenario_text(
      "system:\n  host:\n    iopf: pri\n  devices:\n    - qm:\n        ats: true\n", "good.yaml",
      {}));
}

TEST(AtsSystem, AtcInvCoversTheRangeWithOneAlignedPowerOfTwoSpan) {
  // Linux arm_smmu_atc_inv_to_cmd: the smallest aligned span of 4 KiB pages
  // covering the range.
  smmu::Command c = smmu::decode_cmd(smmu::encode_cmd_atc_inv(7, true, 3, 0x5000, 0x1000));
  EXPECT_EQ(c.op, static_cast<uint8_t>(smmu::CmdOp::kAtcInv));
  EXPECT_EQ(c.sid, 7u);
  EXPECT_TRUE(c.ssv);
  EXPECT_EQ(c.ssid, 3u);
  EXPECT_EQ(c.addr, 0x5000u);
  EXPECT_EQ(c.size, 0u);
  c = smmu::decode_cmd(smmu::encode_cmd_atc_inv(7, false, 3, 0x7000, 0x2000));  // pages 7, 8
  EXPECT_FALSE(c.ssv);
  EXPECT_EQ(c.ssid, 0u);
  EXPECT_EQ(c.addr, 0x0u);
  EXPECT_EQ(c.size, 4u);  // 16 pages from 0
  c = smmu::decode_cmd(smmu::encode_cmd_atc_inv(7, true, 3, 0x1234, 0));
  EXPECT_EQ(c.size, smmu::kAtcInvSizeAll);
}

}  // namespace
}  // namespace wdsim
