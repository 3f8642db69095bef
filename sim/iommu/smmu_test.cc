#include "sim/iommu/smmu.h"

#include <gtest/gtest.h>

#include <cstring>

#include "sim/iommu/testing/smmu_harness.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
using smmu::EventId;
using testing::SmmuHarness;

constexpr double kMemNs = 50;    // fake memory latency per access
constexpr double kLookupNs = 2;  // IOTLB lookup
constexpr double kStepNs = 1;    // walker work per level
constexpr double kRegNs = 10;    // register access
constexpr double kCfgiNs = 20, kTlbiNs = 20, kSyncNs = 10;

SmmuParams test_params() {
  SmmuParams p = default_params<SmmuParams>();
  p.iotlb.lookup_latency_ns = kLookupNs;
  p.config_cache.lookup_latency_ns = 0;
  p.walk.step_latency_ns = kStepNs;
  p.reg_access_ns = kRegNs;
  p.cmdq.cfgi_cost_ns = kCfgiNs;
  p.cmdq.tlbi_cost_ns = kTlbiNs;
  p.cmdq.sync_cost_ns = kSyncNs;
  // The formulas below count the main TLB only; micro-TLB and walk cache have their own tests
  // (smmu_translation_test.cc).
  p.utlb.enabled = false;
  p.walk_cache.enabled = false;
  return p;
}

constexpr uint32_t kSid = 5;
constexpr uint64_t kVa = 0x7000'1000;
constexpr uint64_t kPa = 0x4000'0000;

// StreamID 5 with 16 CDs; PASID 1 -> ASID 1 with its own page table mapping kVa -> kPa.
struct Basic {
  SmmuHarness h{test_params(), kMemNs};
  uint64_t root1 = 0;
  Basic() {
    h.s1_stream(kSid, 4);
    root1 = h.new_table();
    smmu::CdConfig cd;
    cd.asid = 1;
    cd.ttb0 = root1;
    h.set_cd(kSid, 1, cd);
    h.map_page(root1, kVa, kPa, SmmuHarness::kUserRw);
  }
  // Starts the SMMU and lines the driver's local time up with simulated time.
  void start() {
    sc_time t;
    h.enable(t);
    sc_core::wait(t);
  }
  void wait_cmdq() {
    sc_time d = h.smmu->cmdq_drained_at();
    if (d > sc_core::sc_time_stamp()) sc_core::wait(d - sc_core::sc_time_stamp());
  }
  uint64_t counter(const std::string& key) {
    const Counter* c = h.env.stats().find_counter(key);
    return c ? c->value() : 0;
  }
};

const sc_time kColdTranslation =
    ns(kLookupNs + kMemNs /*STE*/ + kMemNs /*CD*/ + 4 * (kMemNs + kStepNs) /*4 levels*/);

TEST(Smmu, EveryStatIsRegisteredWhenBuilt) {
  SmmuHarness h(test_params(), kMemNs);
  const StatsRegistry& stats = h.env.stats();
  for (const char* key : {"smmu.cmds.sync",
                          "smmu.cmds.cfgi_ste",
                          "smmu.cmds.tlbi_nh_va",
                          "smmu.cmds.atc_inv",
                          "smmu.cmds.pri_resp",
                          "smmu.cmds.resume",
                          "smmu.cmds.stall_term",
                          "smmu.cmds.errors",
                          "smmu.cmds.msi_errors",
                          "smmu.stall.stalled",
                          "smmu.stall.unreported",
                          "smmu.stall.over_limit",
                          "smmu.stall.answers.retry",
                          "smmu.stall.answers.abort",
                          "smmu.stall.answers.terminate",
                          "smmu.stall.resume_no_match",
                          "smmu.stall.terminated_by_stall_term",
                          "smmu.ats.translation_requests",
                          "smmu.ats.unsupported",
                          "smmu.ats.no_access.f_translation",
                          "smmu.ats.no_access.f_permission",
                          "smmu.ats.atc_invalidations",
                          "smmu.ats.atc_inv_unrouted",
                          "smmu.ats.atc_inv_timeouts",
                          "smmu.pri.page_requests",
                          "smmu.pri.auto_responses",
                          "smmu.pri.responses.success",
                          "smmu.pri.responses.deny",
                          "smmu.pri.responses.fail",
                          "smmu.irq.evtq.msis",
                          "smmu.irq.evtq.msi_errors",
                          "smmu.irq.evtq.no_address",
                          "smmu.irq.priq.msis"}) {
    const Counter* c = stats.find_counter(key);
    ASSERT_NE(c, nullptr) << key;
    EXPECT_EQ(c->value(), 0u) << key;
  }
  for (const char* key : {"smmu.cmd_time_ns.sync", "smmu.stall.service_time_ns",
                          "smmu.fault_service_ns.f_translation", "smmu.pri.service_time_ns"}) {
    const Histogram* hist = stats.find_histogram(key);
    ASSERT_NE(hist, nullptr) << key;
    EXPECT_EQ(hist->count(), 0u) << key;
  }
  // Commands the queue refuses (CERROR_ILL) have no stats.
  EXPECT_EQ(stats.find_counter("smmu.cmds.tlbi_el2_all"), nullptr);
}

TEST(Smmu, ColdWalkCostsSteCdAndFourDescriptorsThenHitCostsLookup) {
  Basic b;
  auto& h = b.h;
  h.memory->poke(kPa + 0x10, "hello", 5);
  h.run([&] {
    b.start();
    h.memory->clear_log();
    sc_time t;
    IoAttrs a;
    char buf[6] = {};
    ASSERT_EQ(h.dma(kSid, 1, kVa + 0x10, buf, 5, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_STREQ(buf, "hello");
    EXPECT_EQ(a.translation_time, kColdTranslation);
    EXPECT_EQ(t, kColdTranslation + ns(kMemNs));
    const auto& log = h.memory->log();
    ASSERT_EQ(log.size(), 7u);
    EXPECT_EQ(log[0].addr, SmmuHarness::kStrtab + 64 * kSid);
    EXPECT_EQ(log[0].len, 64u);
    EXPECT_EQ(log[1].addr, h.cd_table(kSid) + 64 * 1);
    EXPECT_EQ(log[1].len, 64u);
    for (int i = 2; i < 6; ++i) EXPECT_EQ(log[i].len, 8u);
    EXPECT_EQ(log[2].addr, b.root1 + 8 * aarch64::table_index_4k(kVa, 0));
    EXPECT_EQ(log[6].addr, kPa + 0x10);

    // Same page again, once the first DMA is done (an earlier arrival would wait for the walk
    // in flight): only the lookup.
    sc_core::wait(t);
    h.memory->clear_log();
    t = SC_ZERO_TIME;
    ASSERT_EQ(h.dma(kSid, 1, kVa + 0x800, buf, 4, true, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(a.translation_time, ns(kLookupNs));
    EXPECT_EQ(t, ns(kLookupNs + kMemNs));
    ASSERT_EQ(h.memory->log().size(), 1u);
    EXPECT_EQ(h.memory->log()[0].addr, kPa + 0x800);
  });
  EXPECT_EQ(b.counter("smmu.iotlb.hits"), 1u);
  EXPECT_EQ(b.counter("smmu.iotlb.misses"), 1u);
  EXPECT_EQ(b.counter("smmu.walks"), 1u);
  EXPECT_EQ(b.counter("smmu.translations"), 2u);
  EXPECT_EQ(h.env.stats().find_histogram("smmu.walk_latency_ns")->max(), 4 * (kMemNs + kStepNs));
  std::string trace = h.env.trace().to_text();
  EXPECT_NE(trace.find("smmu ste_fetch sid=5"), std::string::npos);
  EXPECT_NE(trace.find("smmu walk sid=5 pasid=1 iova=0x70001010 levels=4"), std::string::npos);
  EXPECT_NE(trace.find("smmu iotlb_hit"), std::string::npos);
}

TEST(Smmu, TlbiNhVaRemovesOnlyThatPage) {
  Basic b;
  auto& h = b.h;
  h.run([&] {
    b.start();
    sc_time t;
    uint32_t v = 0;
    IoAttrs a;
    h.dma(kSid, 1, kVa, &v, 4, false, t, &a);
    // Another page's TLBI leaves the entry.
    h.submit({smmu::encode_cmd_tlbi_nh_va(1, kVa + 0x1000), smmu::encode_cmd_sync()}, t);
    b.wait_cmdq();
    t = SC_ZERO_TIME;
    h.dma(kSid, 1, kVa, &v, 4, false, t, &a);
    EXPECT_EQ(a.translation_time, ns(kLookupNs));
    // Its own TLBI removes it: walk again (STE and CD still in the config cache).
    t = SC_ZERO_TIME;
    h.submit({smmu::encode_cmd_tlbi_nh_va(1, kVa, true), smmu::encode_cmd_sync()}, t);
    b.wait_cmdq();
    t = SC_ZERO_TIME;
    h.dma(kSid, 1, kVa, &v, 4, false, t, &a);
    EXPECT_EQ(a.translation_time, ns(kLookupNs + 4 * (kMemNs + kStepNs)));
  });
  EXPECT_EQ(b.counter("smmu.walks"), 2u);
  EXPECT_EQ(b.counter("smmu.cmds.tlbi_nh_va"), 2u);
  EXPECT_EQ(b.counter("smmu.cmds.sync"), 2u);
}

TEST(Smmu, TlbiNhVaRangeAndTlbiNhAsid) {
  Basic b;
  auto& h = b.h;
  // PASID 2 -> ASID 2 with its own table, mapping the same VA elsewhere.
  uint64_t root2 = h.new_table();
  smmu::CdConfig cd2;
  cd2.asid = 2;
  cd2.ttb0 = root2;
  h.set_cd(kSid, 2, cd2);
  h.map_page(root2, kVa, kPa + 0x10'0000, SmmuHarness::kUserRw);
  for (int i = 1; i < 4; ++i)
    h.map_page(b.root1, kVa + i * 0x1000, kPa + i * 0x1000, SmmuHarness::kUserRw);
  h.run([&] {
    b.start();
    sc_time t;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) h.dma(kSid, 1, kVa + i * 0x1000, &v, 4, false, t);
    h.dma(kSid, 2, kVa, &v, 4, false, t);
    EXPECT_EQ(h.smmu->iotlb().valid_entries(), 5u);
    // Range TLBI of pages 1..2 (NUM 1, SCALE 0, TG 4K).
    h.submit({smmu::encode_cmd_tlbi_nh_va(1, kVa + 0x1000, true,
                                          {.num = 1, .scale = 0, .tg = smmu::kTlbiTg4K, .ttl = 3}),
              smmu::encode_cmd_sync()},
             t);
    b.wait_cmdq();
    EXPECT_EQ(h.smmu->iotlb().valid_entries(), 3u);
    t = SC_ZERO_TIME;
    h.submit({smmu::encode_cmd_tlbi_nh_asid(1), smmu::encode_cmd_sync()}, t);
    b.wait_cmdq();
    EXPECT_EQ(h.smmu->iotlb().valid_entries(), 1u);  // ASID 2's entry survives
    IoAttrs a;
    t = SC_ZERO_TIME;
    h.dma(kSid, 2, kVa, &v, 4, false, t, &a);
    EXPECT_EQ(a.translation_time, ns(kLookupNs));
    t = SC_ZERO_TIME;
    h.dma(kSid, 1, kVa, &v, 4, false, t, &a);
    EXPECT_EQ(a.translation_time, ns(kLookupNs + 4 * (kMemNs + kStepNs)));
  });
}

TEST(Smmu, BadStreamIdRecordsEventAndSimulationContinues) {
  Basic b;
  auto& h = b.h;
  h.run([&] {
    b.start();
    sc_time t;
    uint32_t v = 0;
    IoAttrs a;
    EXPECT_EQ(h.dma(300, std::nullopt, 0x1000, &v, 4, false, t, &a),
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(a.fault, IoFault::kBadConfig);
    smmu::EventRecord e = h.event(0);
    EXPECT_EQ(e.id, static_cast<uint8_t>(EventId::kCBadStreamId));
    EXPECT_EQ(e.sid, 300u);
    EXPECT_EQ(h.reg_read32(smmu::kRegEvtqProd, t), 1u);
    // A good stream still works.
    EXPECT_EQ(h.dma(kSid, 1, kVa, &v, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    // An invalid STE: C_BAD_STE.
    h.set_ste(7, smmu::SteConfig{.valid = false});
    EXPECT_EQ(h.dma(7, std::nullopt, 0x1000, &v, 4, false, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.event(1).id, static_cast<uint8_t>(EventId::kCBadSte));
  });
  EXPECT_EQ(b.counter("smmu.faults.c_bad_streamid"), 1u);
  EXPECT_EQ(b.counter("smmu.faults.c_bad_ste"), 1u);
}

TEST(Smmu, UnmappedVaIsTranslationFaultWithFields) {
  Basic b;
  auto& h = b.h;
  h.run([&] {
    b.start();
    sc_time t;
    uint32_t v = 0;
    IoAttrs a;
    EXPECT_EQ(h.dma(kSid, 1, 0x5555'0008, &v, 4, false, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(a.fault, IoFault::kTranslation);
    smmu::EventRecord e = h.event(0);
    EXPECT_EQ(e.id, static_cast<uint8_t>(EventId::kFTranslation));
    EXPECT_EQ(e.sid, kSid);
    EXPECT_TRUE(e.ssv);
    EXPECT_EQ(e.ssid, 1u);
    EXPECT_EQ(e.input_addr, 0x5555'0008u);
    EXPECT_TRUE(e.rnw);
    EXPECT_EQ(e.clss, static_cast<uint8_t>(smmu::EventClass::kIn));
    // Beyond the 48-bit input range: also F_TRANSLATION, without a walk.
    EXPECT_EQ(h.dma(kSid, 1, 1ull << 50, &v, 4, true, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.event(1).id, static_cast<uint8_t>(EventId::kFTranslation));
    EXPECT_FALSE(h.event(1).rnw);
  });
  EXPECT_EQ(b.counter("smmu.faults.f_translation"), 2u);
  EXPECT_EQ(b.counter("smmu.walks"), 1u);
}

TEST(Smmu, WriteToReadOnlyIsPermissionFault) {
  Basic b;
  auto& h = b.h;
  h.map_page(b.root1, kVa + 0x1000, kPa + 0x1000, SmmuHarness::kUserRo);
  h.run([&] {
    b.start();
    sc_time t;
    uint32_t v = 0;
    IoAttrs a;
    EXPECT_EQ(h.dma(kSid, 1, kVa + 0x1000, &v, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(h.dma(kSid, 1, kVa + 0x1000, &v, 4, true, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(a.fault, IoFault::kPermission);
    EXPECT_EQ(h.event(0).id, static_cast<uint8_t>(EventId::kFPermission));
    EXPECT_FALSE(h.event(0).rnw);
  });
}

TEST(Smmu, PasidsAreIsolated) {
  Basic b;
  auto& h = b.h;
  uint64_t root2 = h.new_table();
  smmu::CdConfig cd2;
  cd2.asid = 2;
  cd2.ttb0 = root2;
  h.set_cd(kSid, 2, cd2);
  h.map_page(root2, kVa + 0x4000, kPa + 0x4000, SmmuHarness::kUserRw);
  h.run([&] {
    b.start();
    sc_time t;
    uint32_t v = 0;
    IoAttrs a;
    EXPECT_EQ(h.dma(kSid, 1, kVa, &v, 4, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(h.dma(kSid, 2, kVa, &v, 4, false, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(a.fault, IoFault::kTranslation);
    EXPECT_EQ(h.event(0).ssid, 2u);
    // PASID beyond S1CDMax (16 CDs): C_BAD_SUBSTREAMID.
    EXPECT_EQ(h.dma(kSid, 16, kVa, &v, 4, false, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.event(1).id, static_cast<uint8_t>(EventId::kCBadSubstreamId));
    // A PASID whose CD is invalid: C_BAD_CD.
    EXPECT_EQ(h.dma(kSid, 3, kVa, &v, 4, false, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.event(2).id, static_cast<uint8_t>(EventId::kCBadCd));
  });
}

TEST(Smmu, SyncCompletesAfterCommandCostsAndConsFollowsTime) {
  Basic b;
  auto& h = b.h;
  constexpr uint64_t kMsi = 0x32'0000;
  h.run([&] {
    b.start();
    sc_time t;
    h.submit({smmu::encode_cmd_cfgi_ste(kSid), smmu::encode_cmd_tlbi_nh_asid(1),
              smmu::encode_cmd_sync(smmu::kSyncCsIrq, kMsi, 0xabcd)},
             t);
    const sc_time at = sc_core::sc_time_stamp() + t;  // the PROD write took effect here
    const sc_time end1 = at + ns(kMemNs + kCfgiNs);
    const sc_time end2 = end1 + ns(kMemNs + kTlbiNs);
    const sc_time end3 = end2 + ns(kMemNs + kSyncNs);
    EXPECT_EQ(h.smmu->cmdq_drained_at(), end3);
    EXPECT_EQ(h.smmu->read_reg32(smmu::kRegCmdqCons, end1 - ns(1)), 0u);
    EXPECT_EQ(h.smmu->read_reg32(smmu::kRegCmdqCons, end1), 1u);
    EXPECT_EQ(h.smmu->read_reg32(smmu::kRegCmdqCons, end3 - ns(1)), 2u);
    EXPECT_EQ(h.smmu->read_reg32(smmu::kRegCmdqCons, end3), 3u);
    // Through the register socket: a read issued right after the write lands before end1.
    sc_time r = t;
    EXPECT_EQ(h.reg_read32(smmu::kRegCmdqCons, r), 0u);
    sc_core::wait(end3 - sc_core::sc_time_stamp());
    r = SC_ZERO_TIME;
    EXPECT_EQ(h.reg_read32(smmu::kRegCmdqCons, r), 3u);
    EXPECT_EQ(h.memory->peek32(kMsi), 0xabcdu);
    bool msi_seen = false;
    for (const auto& acc : h.memory->log()) {
      if (acc.write && acc.addr == kMsi) {
        EXPECT_EQ(acc.at, end3);
        msi_seen = true;
      }
    }
    EXPECT_TRUE(msi_seen);
  });
  EXPECT_EQ(b.counter("smmu.cmds.cfgi_ste"), 1u);
  EXPECT_EQ(b.counter("smmu.cmds.tlbi_nh_asid"), 1u);
  EXPECT_NE(h.env.trace().to_text().find("smmu sync cs=1 msi_addr=0x320000"), std::string::npos);
}

TEST(Smmu, UnknownCommandStopsQueueWithCerrorIllThenResumes) {
  Basic b;
  auto& h = b.h;
  h.run([&] {
    b.start();
    sc_time t;
    smmu::CmdWords bad{0xee, 0};
    h.submit({smmu::encode_cmd_tlbi_nh_asid(1), bad, smmu::encode_cmd_sync()}, t);
    b.wait_cmdq();
    t = SC_ZERO_TIME;
    const uint32_t cons = h.reg_read32(smmu::kRegCmdqCons, t);
    EXPECT_EQ(smmu::queue_index(cons, SmmuHarness::kCmdqLog2), 1u);
    EXPECT_EQ(get_bits(cons, 30, 24), smmu::kCerrorIll);
    const uint32_t gerror = h.reg_read32(smmu::kRegGerror, t);
    EXPECT_EQ(gerror & smmu::kGerrorCmdqErr, smmu::kGerrorCmdqErr);
    // Software (like Linux's arm_smmu_cmdq_skip_err) replaces it with a SYNC and acks.
    h.memory->poke(SmmuHarness::kCmdq + 16, smmu::encode_cmd_sync().data(), 16);
    h.reg_write32(smmu::kRegGerrorn, gerror, t);
    sc_core::wait(t);
    b.wait_cmdq();
    t = SC_ZERO_TIME;
    EXPECT_EQ(h.reg_read32(smmu::kRegCmdqCons, t), 3u);
  });
  EXPECT_EQ(b.counter("smmu.cmds.errors"), 1u);
  EXPECT_EQ(b.counter("smmu.cmds.sync"), 2u);
}

TEST(Smmu, EventQueueOverflowSetsFlagAndDrops) {
  Basic b;
  auto& h = b.h;
  h.run([&] {
    sc_time t;
    h.enable(t, /*evtq_log2=*/1);  // two entries
    uint32_t v = 0;
    for (int i = 0; i < 3; ++i) h.dma(kSid, 1, 0x9000'0000 + i * 0x1000, &v, 4, false, t);
    const uint32_t prod = h.reg_read32(smmu::kRegEvtqProd, t);
    EXPECT_EQ(prod & ~smmu::kQueueOverflowFlag, 2u);  // index 0, wrap 1
    EXPECT_EQ(prod & smmu::kQueueOverflowFlag, smmu::kQueueOverflowFlag);
    EXPECT_EQ(h.event(1).input_addr, 0x9000'1000u);
  });
  EXPECT_EQ(b.counter("smmu.evtq.dropped_full"), 1u);
  EXPECT_EQ(b.counter("smmu.evtq.written"), 2u);
}

TEST(Smmu, DisabledSmmuFollowsGbpaAndMissingIoAttrsIsAnError) {
  Basic b;
  auto& h = b.h;
  h.memory->poke(0x1234, "abcd", 4);
  h.run([&] {
    sc_time t;
    char buf[5] = {};
    IoAttrs a;
    EXPECT_EQ(h.dma(kSid, 1, 0x1234, buf, 4, false, t, &a), tlm::TLM_OK_RESPONSE);  // bypass
    EXPECT_STREQ(buf, "abcd");
    h.reg_write32(smmu::kRegGbpa, smmu::kGbpaUpdate | smmu::kGbpaAbort, t);
    EXPECT_EQ(h.reg_read32(smmu::kRegGbpa, t), smmu::kGbpaAbort);
    EXPECT_EQ(h.dma(kSid, 1, 0x1234, buf, 4, false, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(a.fault, IoFault::kAbort);
    EXPECT_EQ(tlm_access(h.driver->dma, tlm::TLM_READ_COMMAND, 0x1234, buf, 4, t),
              tlm::TLM_GENERIC_ERROR_RESPONSE);
    h.reg_write32(smmu::kRegCr0, smmu::kCr0SmmuEn, t);
    EXPECT_EQ(h.reg_read32(smmu::kRegCr0Ack, t), smmu::kCr0SmmuEn);
  });
}

TEST(Smmu, MultiPageDmaTranslatesEachPage) {
  Basic b;
  auto& h = b.h;
  h.map_page(b.root1, kVa + 0x1000, kPa + 0x9000, SmmuHarness::kUserRw);  // not contiguous
  h.run([&] {
    b.start();
    std::vector<uint8_t> data(0x1000);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
    h.memory->clear_log();
    sc_time t;
    IoAttrs a;
    ASSERT_EQ(h.dma(kSid, 1, kVa + 0x800, data.data(), data.size(), true, t, &a),
              tlm::TLM_OK_RESPONSE);
    uint8_t first = 0, second = 0;
    h.memory->peek(kPa + 0x800, &first, 1);
    h.memory->peek(kPa + 0x9000, &second, 1);
    EXPECT_EQ(first, 0);
    EXPECT_EQ(second, 0x00);  // data[0x800] == 0x00
    uint8_t last = 0;
    h.memory->peek(kPa + 0x97ff, &last, 1);
    EXPECT_EQ(last, 0xff);
    // Two translations: the cold one, then a walk for the second page (config cached).
    EXPECT_EQ(a.translation_time, kColdTranslation + ns(kLookupNs + 4 * (kMemNs + kStepNs)));
    // A fault on the second page aborts the whole DMA before any data moves.
    h.memory->clear_log();
    EXPECT_EQ(h.dma(kSid, 1, kVa + 0x1800, data.data(), data.size(), true, t, &a),
              tlm::TLM_ADDRESS_ERROR_RESPONSE);
    for (const auto& acc : h.memory->log()) EXPECT_NE(acc.addr, kPa + 0x9800);
  });
}

// A zero-length DMA translates nothing and moves nothing (the piece count for it must not wrap:
// the fuzzers found addr + len - 1 underflowing), at address 0 and mid-page; a DMA over more
// pages than the inline pieces (seven) translates each of them.
TEST(Smmu, ZeroLengthDmaIsANoOpAndLongDmasUseEveryPage) {
  Basic b;
  auto& h = b.h;
  for (uint64_t p = 1; p <= 6; ++p) {
    h.map_page(b.root1, kVa + p * 0x1000, kPa + p * 0x1000, SmmuHarness::kUserRw);
  }
  h.run([&] {
    b.start();
    uint8_t none = 0;
    sc_time t;
    IoAttrs a;
    h.memory->clear_log();
    EXPECT_EQ(h.dma(kSid, 1, 0, &none, 0, false, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(h.dma(kSid, 1, kVa + 0x10, &none, 0, true, t, &a), tlm::TLM_OK_RESPONSE);
    EXPECT_TRUE(h.memory->log().empty());
    std::vector<uint8_t> data(5 * 0x1000 + 0x20, 0x5a);
    ASSERT_EQ(h.dma(kSid, 1, kVa + 0xff0, data.data(), data.size(), true, t, &a),
              tlm::TLM_OK_RESPONSE);
    uint8_t last = 0;  // the DMA's last byte: kVa + 0xff0 + 0x501f
    h.memory->peek(kPa + 0x600f, &last, 1);
    EXPECT_EQ(last, 0x5a);
  });
}

TEST(Smmu, ConfigCacheNeedsCfgiToSeeNewSte) {
  Basic b;
  auto& h = b.h;
  h.run([&] {
    b.start();
    sc_time t;
    uint32_t v = 0;
    EXPECT_EQ(h.dma(kSid, 1, kVa, &v, 4, false, t), tlm::TLM_OK_RESPONSE);
    h.set_ste(kSid, smmu::SteConfig{.valid = true, .config = smmu::SteCfg::kAbort});
    EXPECT_EQ(h.dma(kSid, 1, kVa, &v, 4, false, t), tlm::TLM_OK_RESPONSE);  // stale, cached
    h.submit({smmu::encode_cmd_cfgi_ste(kSid), smmu::encode_cmd_sync()}, t);
    b.wait_cmdq();
    t = SC_ZERO_TIME;
    IoAttrs a;
    EXPECT_EQ(h.dma(kSid, 1, kVa, &v, 4, false, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(a.fault, IoFault::kAbort);
  });
}

TEST(Smmu, TwoLevelStreamTableIsRejectedNotCrashed) {
  Basic b;
  auto& h = b.h;
  h.run([&] {
    sc_time t;
    h.enable(t);
    h.reg_write32(smmu::kRegStrtabBaseCfg,
                  smmu::encode_strtab_base_cfg({.log2size = 16, .split = 8, .fmt = 1}), t);
    uint32_t v = 0;
    IoAttrs a;
    EXPECT_EQ(h.dma(kSid, 1, kVa, &v, 4, false, t, &a), tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(h.event(0).id, static_cast<uint8_t>(EventId::kCBadStreamId));
  });
  EXPECT_NE(h.env.trace().to_text().find("smmu fault type=C_BAD_STREAMID sid=5 pasid=1"),
            std::string::npos);
}

TEST(Smmu, NoPasidUsesS1DssAndIdrsDescribeTheModel) {
  Basic b;
  auto& h = b.h;
  smmu::CdConfig cd0;
  cd0.asid = 9;
  cd0.ttb0 = b.root1;
  h.set_cd(kSid, 0, cd0);  // S1DSS = SSID0 (the SteConfig default)
  h.run([&] {
    b.start();
    sc_time t;
    uint32_t v = 0;
    EXPECT_EQ(h.dma(kSid, std::nullopt, kVa, &v, 4, false, t), tlm::TLM_OK_RESPONSE);
    const uint32_t idr1 = h.reg_read32(smmu::kRegIdr1, t);
    EXPECT_EQ(get_bits(idr1, 10, 6), 20u);  // SSIDSIZE
    EXPECT_EQ(get_bits(idr1, 5, 0), 16u);   // SIDSIZE
    EXPECT_EQ(h.reg_read32(smmu::kRegIdr3, t) & smmu::kIdr3Ril, smmu::kIdr3Ril);
  });
}

}  // namespace
}  // namespace wdsim
