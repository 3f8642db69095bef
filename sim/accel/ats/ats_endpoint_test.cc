// An AtsEndpoint against the SMMU model: ATS translation requests filling the ATC, PRI page
// requests through the PRI queue and CMD_PRI_RESP (and the automatic failure), CMD_ATC_INV
// reaching the endpoint and CMD_SYNC waiting for it. The SMMU-only side (PRI queue overflow,
// IDRs): sim/iommu/ats_test.cc.
#include "sim/accel/ats/ats_endpoint.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "sim/base/bits.h"
#include "sim/iommu/pri_queue.h"
#include "sim/iommu/smmu.h"
#include "sim/iommu/testing/fault_testing.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
using testing::SmmuHarness;
using testing::Worker;

constexpr double kMemNs = 50;
constexpr double kSyncNs = 10;
constexpr double kAtcInvNs = 20;
constexpr double kPriRespNs = 10;
constexpr double kInvalidateNs = 100;  // endpoint's invalidation latency
constexpr double kAtcLookupNs = 2;
constexpr uint32_t kSid = 5;
constexpr uint64_t kVa = 0x7000'1000;
constexpr uint64_t kVa2 = 0x7000'2000;
constexpr uint64_t kPa = 0x4000'0000;
constexpr uint64_t kPa2 = 0x4000'8000;
constexpr uint64_t kPriq = 0x32'0000;

SmmuParams params() {
  SmmuParams p = default_params<SmmuParams>();
  p.cmdq.sync_cost_ns = kSyncNs;
  p.ats.atc_inv_cost_ns = kAtcInvNs;
  p.pri.resp_cost_ns = kPriRespNs;
  return p;
}

AtsEndpointParams endpoint_params() {
  AtsEndpointParams p = default_params<AtsEndpointParams>();
  p.invalidate_latency_ns = kInvalidateNs;
  p.atc.lookup_latency_ns = kAtcLookupNs;
  return p;
}

// StreamID 5 with EATS = 1; PASIDs 1 and 2 with their own page tables.
struct AtsRig {
  SmmuHarness h;
  std::unique_ptr<AtsEndpoint> ep;
  uint64_t root1 = 0, root2 = 0;
  explicit AtsRig(const SmmuParams& p = params(), uint8_t eats = smmu::kEatsTrans,
                  const AtsEndpointParams& ep_p = endpoint_params())
      : h(p, kMemNs) {
    ep = std::make_unique<AtsEndpoint>("ep", ep_p, kSid, h.env, "ep");
    ep->ats.bind(h.smmu->ats);
    h.smmu->ats_inv_pri.bind(ep->from_smmu);
    smmu::SteConfig ste;
    ste.s1_context_ptr = h.cd_table(kSid);
    ste.s1_cd_max = 4;
    ste.eats = eats;
    h.set_ste(kSid, ste);
    root1 = h.new_table();
    root2 = h.new_table();
    for (uint32_t pasid : {1u, 2u}) {
      smmu::CdConfig cd;
      cd.asid = static_cast<uint16_t>(pasid);
      cd.ttb0 = pasid == 1 ? root1 : root2;
      h.set_cd(kSid, pasid, cd);
    }
  }
  ~AtsRig() { ep.reset(); }
  // SMMU on, plus the PRI queue (2^log2 entries) when asked.
  void enable(sc_time& t, int priq_log2 = -1) {
    h.enable(t);
    if (priq_log2 >= 0) {
      h.reg_write64(smmu::kRegPriqBase, smmu::encode_queue_base({kPriq, uint8_t(priq_log2), true}),
                    t);
      h.reg_write32(smmu::kRegCr0,
                    smmu::kCr0SmmuEn | smmu::kCr0CmdqEn | smmu::kCr0EvtqEn | smmu::kCr0PriqEn, t);
    }
  }
  smmu::PageRequest priq_entry(unsigned i) {
    uint64_t w[2];
    h.memory->peek(kPriq + 16ull * i, w, 16);
    return smmu::decode_priq_entry(w);
  }
};

TEST(Ats, TranslationRequestFillsTheAtcAndTheNextLookupHits) {
  AtsRig r;
  auto& h = r.h;
  h.map_page(r.root1, kVa, kPa, SmmuHarness::kUserRw);
  h.map_page(r.root1, kVa2, kPa2, SmmuHarness::kUserRo);
  h.memory->poke(kPa + 0x20, "ats!", 4);
  h.run([&] {
    sc_time t;
    r.enable(t);
    sc_core::wait(t);
    t = SC_ZERO_TIME;
    AtsEndpoint::Result res = r.ep->translate(true, 1, kVa + 0x20, true, false, false, t);
    EXPECT_TRUE(res.ok);
    EXPECT_EQ(res.pa, kPa + 0x20);
    // A hit costs the ATC lookup only.
    sc_time hit;
    res = r.ep->translate(true, 1, kVa + 0x30, false, false, false, hit);
    EXPECT_TRUE(res.ok);
    EXPECT_EQ(res.pa, kPa + 0x30);
    EXPECT_EQ(hit, ns(kAtcLookupNs));
    // The translated DMA skips the walk (EATS = 1) and reaches the PA.
    char buf[5] = {};
    t = SC_ZERO_TIME;
    EXPECT_EQ(testing::dma_any(h, kSid, 1, kPa + 0x20, buf, 4, false, t, nullptr, true),
              tlm::TLM_OK_RESPONSE);
    EXPECT_STREQ(buf, "ats!");
    // A read-only page: R = 1, W = 0; the endpoint asks for a write and would need PRI.
    res = r.ep->translate(true, 1, kVa2, false, false, false, t);
    EXPECT_TRUE(res.ok);
    const std::optional<AtcEntry> e = r.ep->atc().lookup(true, 1, kVa2, t);
    ASSERT_TRUE(e.has_value());
    EXPECT_TRUE(e->read);
    EXPECT_FALSE(e->write);
    EXPECT_EQ(e->pa_page, kPa2);
  });
  EXPECT_EQ(testing::counter_value(h, "smmu.ats.translation_requests"), 2u);
  EXPECT_EQ(testing::counter_value(h, "ep.translation_requests"), 2u);
  EXPECT_EQ(testing::counter_value(h, "ep.atc.hits"), 2u);
  EXPECT_EQ(testing::counter_value(h, "ep.atc.misses"), 2u);
  EXPECT_NE(h.env.trace().to_text().find(
                "smmu ats_translate sid=5 pasid=1 iova=0x70001000 pa=0x40000000 r=1 w=1"),
            std::string::npos);
}

TEST(Ats, EatsZeroIsUnsupportedRequestWithFBadAtsTreq) {
  AtsRig r(params(), smmu::kEatsAbort);
  auto& h = r.h;
  h.map_page(r.root1, kVa, kPa, SmmuHarness::kUserRw);
  h.run([&] {
    sc_time t;
    r.enable(t);
    const AtsEndpoint::Result res = r.ep->translate(true, 1, kVa, false, false, false, t);
    EXPECT_FALSE(res.ok);
    EXPECT_EQ(res.status, AtsStatus::kUnsupportedRequest);
    EXPECT_EQ(res.page_requests, 0u);
  });
  const smmu::EventRecord e = h.event(0);
  EXPECT_EQ(e.id, static_cast<uint8_t>(smmu::EventId::kFBadAtsTreq));
  EXPECT_EQ(e.sid, kSid);
  EXPECT_TRUE(e.ssv);
  EXPECT_EQ(e.ssid, 1u);
  EXPECT_EQ(e.input_addr, kVa);
  EXPECT_FALSE(e.stall);
}

TEST(Pri, PageRequestGoesToThePriQueueAndPriRespSuccessLetsTheEndpointRetry) {
  AtsRig r;
  auto& h = r.h;
  sc_time resp_at, pr_at;
  AtsEndpoint::Result res;
  Worker kernel("kernel", [&] {
    sc_core::wait(h.smmu->priq_posted());
    pr_at = sc_core::sc_time_stamp();
    const sc_time now = sc_core::sc_time_stamp();
    EXPECT_EQ(h.smmu->read_reg32(smmu::kRegPriqProd, now), 1u);
    const smmu::PageRequest pr = r.priq_entry(0);
    EXPECT_EQ(pr.sid, kSid);
    EXPECT_TRUE(pr.ssv);
    EXPECT_EQ(pr.ssid, 1u);
    EXPECT_EQ(pr.addr, kVa);
    EXPECT_TRUE(pr.write);
    EXPECT_FALSE(pr.read);
    EXPECT_FALSE(pr.exec);
    EXPECT_FALSE(pr.priv);
    EXPECT_TRUE(pr.last);
    EXPECT_EQ(pr.prg_index, 0u);
    h.map_page(r.root1, kVa, kPa, SmmuHarness::kUserRw);
    resp_at = now + ns(1000);
    h.smmu->write_reg32(smmu::kRegPriqCons, 1, resp_at);
    testing::submit_at(h,
                       {testing::cmd_pri_resp(kSid, 1, pr.prg_index, smmu::kPriRespSuccess),
                        smmu::encode_cmd_sync()},
                       resp_at);
  });
  h.run([&] {
    sc_time t;
    r.enable(t, /*priq_log2=*/3);
    res = r.ep->translate(true, 1, kVa + 8, true, false, false, t);
  });
  EXPECT_TRUE(res.ok);
  EXPECT_EQ(res.pa, kPa + 8);
  EXPECT_EQ(res.page_requests, 1u);
  EXPECT_EQ(res.last_prg_code, kPrgSuccess);
  // No event: ATS faults are answered R = W = 0, not recorded.
  EXPECT_EQ(h.smmu->read_reg32(smmu::kRegEvtqProd, SC_ZERO_TIME), 0u);
  EXPECT_EQ(testing::counter_value(h, "smmu.ats.no_access.f_translation"), 1u);
  EXPECT_EQ(testing::counter_value(h, "smmu.pri.page_requests"), 1u);
  EXPECT_EQ(testing::counter_value(h, "smmu.pri.responses.success"), 1u);
  EXPECT_EQ(testing::counter_value(h, "ep.prg_responses.success"), 1u);
  const Histogram* service = h.env.stats().find_histogram("smmu.pri.service_time_ns");
  ASSERT_NE(service, nullptr);
  // Arrival (the record write, when the kernel woke) to PRI_RESP completing (fetch + cost).
  EXPECT_DOUBLE_EQ(service->max(), to_ns(resp_at + ns(kMemNs + kPriRespNs) - pr_at));
}

TEST(Pri, DenyFailsTheTranslationAndPriqDisabledGetsAnAutomaticFailure) {
  {
    AtsRig r;
    auto& h = r.h;
    AtsEndpoint::Result res;
    Worker kernel("kernel", [&] {
      sc_core::wait(h.smmu->priq_posted());
      testing::submit_at(h, {testing::cmd_pri_resp(kSid, 1, 0, smmu::kPriRespDeny)},
                         sc_core::sc_time_stamp());
    });
    h.run([&] {
      sc_time t;
      r.enable(t, 3);
      res = r.ep->translate(true, 1, kVa, false, false, false, t);
    });
    EXPECT_FALSE(res.ok);
    EXPECT_EQ(res.last_prg_code, kPrgInvalidRequest);
    EXPECT_EQ(testing::counter_value(h, "ep.translation_failures"), 1u);
  }
  testing::fresh_sc_context();
  {
    AtsRig r;
    auto& h = r.h;
    AtsEndpoint::Result res;
    h.run([&] {
      sc_time t;
      r.enable(t);  // PRIQEN clear
      res = r.ep->translate(true, 2, kVa, false, false, false, t);
    });
    EXPECT_FALSE(res.ok);
    EXPECT_EQ(res.last_prg_code, kPrgFailure);
    EXPECT_EQ(testing::counter_value(h, "smmu.pri.auto_responses"), 1u);
  }
}

TEST(AtcInv, ReachesTheEndpointAndSyncWaitsForItsCompletion) {
  AtsRig r;
  auto& h = r.h;
  h.map_page(r.root1, kVa, kPa, SmmuHarness::kUserRw);
  h.map_page(r.root1, kVa2, kPa2, SmmuHarness::kUserRw);
  h.map_page(r.root2, kVa, kPa2, SmmuHarness::kUserRw);
  sc_time prod_at, sync_done_1;
  h.run([&] {
    sc_time t;
    r.enable(t);
    r.ep->translate(true, 1, kVa, false, false, false, t);
    r.ep->translate(true, 1, kVa2, false, false, false, t);
    r.ep->translate(true, 2, kVa, false, false, false, t);
    EXPECT_EQ(r.ep->atc().valid_entries(), 3u);
    sc_core::wait(t + ns(1000));
    t = SC_ZERO_TIME;
    prod_at = sc_core::sc_time_stamp() + ns(h.smmu->params().reg_access_ns);
    h.submit({testing::cmd_atc_inv(kSid, 1, kVa, 0), smmu::encode_cmd_sync()}, t);
    EXPECT_EQ(r.ep->atc().valid_entries(), 2u);  // only PASID 1's kVa
    sc_time probe;
    EXPECT_FALSE(r.ep->atc().lookup(true, 1, kVa, probe).has_value());
    EXPECT_TRUE(r.ep->atc().lookup(true, 2, kVa, probe).has_value());
    sync_done_1 = h.smmu->cmdq_drained_at();
    sc_core::wait(sync_done_1 - sc_core::sc_time_stamp() + ns(100));
    t = SC_ZERO_TIME;
    // Without a PASID: every PASID's entries in the range go (Size 2: 16 KiB, aligned down to
    // [0x70000000, 0x70004000) as the command's address is).
    h.submit({testing::cmd_atc_inv(kSid, std::nullopt, kVa, 2)}, t);
    EXPECT_EQ(r.ep->atc().valid_entries(), 0u);
  });
  // ATC_INV: fetch + cost, then the endpoint's invalidation; SYNC (fetch + cost) waits for it.
  const sc_time inv_done = prod_at + ns(kMemNs + kAtcInvNs + kInvalidateNs);
  EXPECT_GT(inv_done, prod_at + ns(kMemNs + kAtcInvNs + kMemNs + kSyncNs));
  EXPECT_EQ(sync_done_1, inv_done);
  EXPECT_EQ(testing::counter_value(h, "smmu.ats.atc_invalidations"), 2u);
  EXPECT_EQ(testing::counter_value(h, "ep.invalidate_requests"), 2u);
  EXPECT_EQ(testing::counter_value(h, "ep.atc.invalidated"), 3u);
  EXPECT_NE(h.env.trace().to_text().find("smmu cmd op=ATC_INV sid=5 ssid=1 addr=0x70001000 size=0"),
            std::string::npos);
}

TEST(AtcInv, ACompletionPastTheTimeoutFailsTheSyncWithCerrorAtcInvSync) {
  SmmuParams p = params();
  p.ats.atc_inv_timeout_ns = 50;  // the endpoint takes kInvalidateNs = 100
  AtsRig r(p);
  auto& h = r.h;
  h.run([&] {
    sc_time t;
    r.enable(t);
    h.submit({testing::cmd_atc_inv(kSid, 1, kVa, 0), smmu::encode_cmd_sync()}, t);
    sc_core::wait(t + ns(1000));
    t = SC_ZERO_TIME;
    const uint32_t cons = h.reg_read32(smmu::kRegCmdqCons, t);
    EXPECT_EQ(get_bits(cons, smmu::kCmdqConsErrHi, smmu::kCmdqConsErrLo), smmu::kCerrorAtcInvSync);
    EXPECT_EQ(smmu::queue_index(cons, SmmuHarness::kCmdqLog2), 1u);  // at the SYNC
    EXPECT_EQ(h.reg_read32(smmu::kRegGerror, t) & smmu::kGerrorCmdqErr, smmu::kGerrorCmdqErr);
    // Acknowledged: the SYNC runs again and now completes (nothing outstanding).
    h.reg_write32(smmu::kRegGerrorn, smmu::kGerrorCmdqErr, t);
    sc_core::wait(t + ns(1000));
    t = SC_ZERO_TIME;
    EXPECT_EQ(h.reg_read32(smmu::kRegCmdqCons, t), 2u);
  });
  EXPECT_EQ(testing::counter_value(h, "smmu.ats.atc_inv_timeouts"), 1u);
}

}  // namespace
}  // namespace wdsim
