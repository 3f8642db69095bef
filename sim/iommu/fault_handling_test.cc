// The stall model, STALL_MODEL checks, event queue interrupts and command stats. Times are
// checked against the command costs and the fake memory latency; translation costs (owned by
// the walker and caches) are taken from what the memory saw, not assumed.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "sim/base/bits.h"
#include "sim/iommu/smmu.h"
#include "sim/iommu/testing/fault_testing.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;
using smmu::EventId;
using testing::SmmuHarness;
using testing::Worker;

constexpr double kMemNs = 50;
constexpr double kResumeNs = 5;
constexpr double kSyncNs = 10;
constexpr double kFixNs = 1000;  // the "kernel" handling a fault
constexpr uint32_t kSid = 5;
constexpr uint64_t kVa = 0x7000'1000;
constexpr uint64_t kVa2 = 0x7000'5000;
constexpr uint64_t kPa = 0x4000'0000;
constexpr uint64_t kMsiAddr = 0x900'0000;
constexpr uint32_t kMsiData = 0x55;

SmmuParams params(const std::string& model = "stall", uint32_t max_stalled = 64) {
  SmmuParams p = default_params<SmmuParams>();
  p.stall.model = model;
  p.stall.max_stalled = max_stalled;
  p.stall.resume_cost_ns = kResumeNs;
  p.cmdq.sync_cost_ns = kSyncNs;
  return p;
}

// StreamID 5, PASID 1 -> ASID 1 with an empty page table and CD.S as given.
struct StallRig {
  SmmuHarness h;
  uint64_t root = 0;
  explicit StallRig(const SmmuParams& p, bool cd_stall = true, bool s1_stalld = false)
      : h(p, kMemNs) {
    smmu::SteConfig ste;
    ste.s1_context_ptr = h.cd_table(kSid);
    ste.s1_cd_max = 4;
    ste.s1_stalld = s1_stalld;
    h.set_ste(kSid, ste);
    root = h.new_table();
    smmu::CdConfig cd;
    cd.asid = 1;
    cd.ttb0 = root;
    cd.stall = cd_stall;
    h.set_cd(kSid, 1, cd);
  }
  // Absolute times of the event record writes so far.
  std::vector<sc_time> event_writes() const {
    std::vector<sc_time> out;
    for (const auto& a : h.memory->log()) {
      if (a.write && a.addr >= SmmuHarness::kEvtq && a.addr < SmmuHarness::kEvtq + 0x1000) {
        out.push_back(a.at);
      }
    }
    return out;
  }
};

void expect_stall_record(const smmu::EventRecord& e, EventId id, uint64_t va, bool read,
                         uint16_t stag) {
  EXPECT_EQ(e.id, static_cast<uint8_t>(id));
  EXPECT_EQ(e.sid, kSid);
  EXPECT_TRUE(e.ssv);
  EXPECT_EQ(e.ssid, 1u);
  EXPECT_TRUE(e.stall);
  EXPECT_EQ(e.stag, stag);
  EXPECT_EQ(e.rnw, read);
  EXPECT_FALSE(e.pnu);
  EXPECT_FALSE(e.ind);
  EXPECT_FALSE(e.s2);
  EXPECT_EQ(e.clss, static_cast<uint8_t>(smmu::EventClass::kIn));
  EXPECT_EQ(e.input_addr, va);
}

TEST(SmmuStall, TranslationFaultHoldsTheDmaUntilResumeRetry) {
  StallRig s(params());
  auto& h = s.h;
  h.memory->poke(kPa + 0x10, "hello", 5);
  sc_time resume_done, dma_done;
  tlm::tlm_response_status status = tlm::TLM_INCOMPLETE_RESPONSE;
  char buf[6] = {};
  Worker kernel("kernel", [&] {
    sc_core::wait(h.smmu->event_posted());
    EXPECT_EQ(h.smmu->read_reg32(smmu::kRegEvtqProd, sc_core::sc_time_stamp()), 1u);
    const smmu::EventRecord e = h.event(0);
    expect_stall_record(e, EventId::kFTranslation, kVa + 0x10, true, 0);
    EXPECT_EQ(h.smmu->stalls().held(), 1u);
    h.map_page(s.root, kVa, kPa, SmmuHarness::kUserRw);  // the kernel fixes the mm
    const sc_time at = sc_core::sc_time_stamp() + ns(kFixNs);
    h.smmu->write_reg32(smmu::kRegEvtqCons, 1, at);
    testing::submit_at(h, {testing::cmd_resume(kSid, e.stag, /*retry*/ 1), smmu::encode_cmd_sync()},
                       at);
    resume_done = at + ns(kMemNs + kResumeNs);
  });
  h.run([&] {
    sc_time t;
    h.enable(t);
    sc_core::wait(t);
    t = SC_ZERO_TIME;
    IoAttrs a;
    status = h.dma(kSid, 1, kVa + 0x10, buf, 5, false, t, &a);
    dma_done = sc_core::sc_time_stamp() + t;
    EXPECT_EQ(a.fault, IoFault::kNone);
  });
  EXPECT_EQ(status, tlm::TLM_OK_RESPONSE);
  EXPECT_STREQ(buf, "hello");
  const auto writes = s.event_writes();
  ASSERT_EQ(writes.size(), 1u);  // the retry did not fault again
  const Histogram* held = h.env.stats().find_histogram("smmu.stall.service_time_ns");
  ASSERT_NE(held, nullptr);
  ASSERT_EQ(held->count(), 1u);
  EXPECT_DOUBLE_EQ(held->max(), to_ns(resume_done - writes[0]));
  EXPECT_DOUBLE_EQ(h.env.stats().find_histogram("smmu.fault_service_ns.f_translation")->max(),
                   to_ns(resume_done - writes[0]));
  EXPECT_GT(dma_done, resume_done);  // the retry's translation and data access come after
  EXPECT_EQ(testing::counter_value(h, "smmu.faults.f_translation"), 1u);
  EXPECT_EQ(testing::counter_value(h, "smmu.stall.stalled"), 1u);
  EXPECT_EQ(testing::counter_value(h, "smmu.stall.answers.retry"), 1u);
  EXPECT_EQ(testing::counter_value(h, "smmu.cmds.resume"), 1u);
  EXPECT_EQ(h.smmu->stalls().held(), 0u);
  const std::string trace = h.env.trace().to_text();
  EXPECT_NE(trace.find("smmu stall type=F_TRANSLATION sid=5 pasid=1 iova=0x70001010 stag=0"),
            std::string::npos);
  EXPECT_NE(trace.find("smmu stall_end sid=5 stag=0 action=retry"), std::string::npos);
  EXPECT_NE(trace.find("smmu cmd op=RESUME sid=5 stag=0 resp=1"), std::string::npos);
}

TEST(SmmuStall, AbortGivesAnErrorTerminateReadsZeroAndStagsAreUnique) {
  StallRig s(params());
  auto& h = s.h;
  tlm::tlm_response_status first = tlm::TLM_INCOMPLETE_RESPONSE, second = first;
  IoAttrs a1, a2;
  uint8_t buf[8];
  std::memset(buf, 0xff, sizeof(buf));
  Worker kernel("kernel", [&] {
    for (unsigned i = 0; i < 2; ++i) {
      sc_core::wait(h.smmu->event_posted());
      const smmu::EventRecord e = h.event(i);
      expect_stall_record(e, EventId::kFTranslation, i == 0 ? kVa : kVa2, true, uint16_t(i));
      const sc_time at = sc_core::sc_time_stamp() + ns(kFixNs);
      testing::submit_at(h, {testing::cmd_resume(kSid, e.stag, i == 0 ? 2 /*abort*/ : 0 /*term*/)},
                         at);
    }
  });
  h.run([&] {
    sc_time t;
    h.enable(t);
    first = h.dma(kSid, 1, kVa, buf, 8, false, t, &a1);
    second = h.dma(kSid, 1, kVa2, buf, 8, false, t, &a2);
  });
  EXPECT_EQ(first, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(a1.fault, IoFault::kTranslation);
  EXPECT_EQ(second, tlm::TLM_OK_RESPONSE);  // terminate with Ab = 0: RAZ/WI
  EXPECT_EQ(a2.fault, IoFault::kTranslation);
  for (uint8_t b : buf) EXPECT_EQ(b, 0);
  EXPECT_EQ(testing::counter_value(h, "smmu.stall.answers.abort"), 1u);
  EXPECT_EQ(testing::counter_value(h, "smmu.stall.answers.terminate"), 1u);
}

TEST(SmmuStall, StallTermEndsEveryHeldTransactionOfTheStreamAndWrongSidResumesNothing) {
  StallRig s(params());
  auto& h = s.h;
  tlm::tlm_response_status r1 = tlm::TLM_INCOMPLETE_RESPONSE, r2 = r1;
  sc_time term_at;
  Worker dma2("dma2", [&] {
    sc_core::wait(ns(500));
    sc_time t;
    uint32_t v = 0;
    r2 = testing::dma_any(h, kSid, 1, kVa2, &v, 4, true, t);
  });
  Worker kernel("kernel", [&] {
    while (h.smmu->stalls().held() < 2) sc_core::wait(h.smmu->event_posted());
    EXPECT_EQ(h.event(0).stag, 0);
    EXPECT_EQ(h.event(1).stag, 1);
    EXPECT_FALSE(h.event(1).rnw);  // the write
    term_at = sc_core::sc_time_stamp() + ns(kFixNs);
    // A RESUME naming another StreamID is a no-op; STALL_TERM ends both.
    testing::submit_at(h, {testing::cmd_resume(kSid + 1, 0, 1), testing::cmd_stall_term(kSid)},
                       term_at);
  });
  h.run([&] {
    sc_time t;
    h.enable(t);
    uint32_t v = 0;
    r1 = h.dma(kSid, 1, kVa, &v, 4, false, t);
  });
  EXPECT_EQ(r1, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(r2, tlm::TLM_ADDRESS_ERROR_RESPONSE);  // STALL_TERM terminates with abort
  EXPECT_EQ(testing::counter_value(h, "smmu.stall.resume_no_match"), 1u);
  EXPECT_EQ(testing::counter_value(h, "smmu.stall.terminated_by_stall_term"), 2u);
  // Both answered when STALL_TERM completed: after RESUME (fetch + cost) and its own.
  const sc_time done = term_at + ns(2 * (kMemNs + kResumeNs));
  const auto writes = s.event_writes();
  ASSERT_EQ(writes.size(), 2u);
  const Histogram* held = h.env.stats().find_histogram("smmu.stall.service_time_ns");
  ASSERT_EQ(held->count(), 2u);
  EXPECT_DOUBLE_EQ(held->sum(), to_ns(done - writes[0]) + to_ns(done - writes[1]));
}

TEST(SmmuStall, PastStallMaxTheFaultTerminatesWithAnEventWithoutStall) {
  StallRig s(params("stall", /*max_stalled=*/1));
  auto& h = s.h;
  tlm::tlm_response_status r1 = tlm::TLM_INCOMPLETE_RESPONSE, r2 = r1;
  Worker dma2("dma2", [&] {
    sc_core::wait(ns(500));
    sc_time t;
    uint32_t v = 0;
    r2 = testing::dma_any(h, kSid, 1, kVa2, &v, 4, false, t);
  });
  Worker kernel("kernel", [&] {
    sc_core::wait(h.smmu->event_posted());  // the stall
    sc_core::wait(h.smmu->event_posted());  // the terminated one
    const smmu::EventRecord e = h.event(1);
    EXPECT_FALSE(e.stall);
    EXPECT_EQ(e.stag, 0);
    EXPECT_EQ(e.input_addr, kVa2);
    testing::submit_at(h, {testing::cmd_resume(kSid, h.event(0).stag, 2)},
                       sc_core::sc_time_stamp());
  });
  h.run([&] {
    sc_time t;
    h.enable(t);
    uint32_t v = 0;
    r1 = h.dma(kSid, 1, kVa, &v, 4, false, t);
  });
  EXPECT_TRUE(h.event(0).stall);
  EXPECT_EQ(r1, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(r2, tlm::TLM_ADDRESS_ERROR_RESPONSE);
  EXPECT_EQ(testing::counter_value(h, "smmu.stall.over_limit"), 1u);
  EXPECT_EQ(testing::counter_value(h, "smmu.faults.f_translation"), 2u);
}

TEST(SmmuStall, StallModelDecidesIdrsAndWhichCdAndSteSettingsAreLegal) {
  struct Case {
    const char* model;
    bool cd_stall;
    bool s1_stalld;
    EventId expect;
    uint32_t idr0_model;
  };
  const Case cases[] = {
      {"terminate", true, false, EventId::kCBadCd, smmu::kIdr0StallModelTerminate},
      {"force", false, false, EventId::kCBadCd, smmu::kIdr0StallModelForce},
      {"force", true, true, EventId::kCBadSte, smmu::kIdr0StallModelForce},
      {"stall", true, true, EventId::kCBadCd, smmu::kIdr0StallModelStall},
      {"terminate", false, false, EventId::kFTranslation, smmu::kIdr0StallModelTerminate},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.model) + " S=" + std::to_string(c.cd_stall) +
                 " S1STALLD=" + std::to_string(c.s1_stalld));
    StallRig s(params(c.model, 7), c.cd_stall, c.s1_stalld);
    auto& h = s.h;
    h.run([&] {
      sc_time t;
      h.enable(t);
      uint32_t v = 0;
      EXPECT_EQ(h.dma(kSid, 1, kVa, &v, 4, false, t), tlm::TLM_ADDRESS_ERROR_RESPONSE);
      const uint32_t idr0 = h.reg_read32(smmu::kRegIdr0, t);
      EXPECT_EQ(get_bits(idr0, 25, 24), c.idr0_model);
      EXPECT_EQ(get_bits(h.reg_read32(smmu::kRegIdr5, t), 31, 16),
                c.idr0_model == smmu::kIdr0StallModelTerminate ? 0u : 7u);
    });
    const smmu::EventRecord e = h.event(0);
    EXPECT_EQ(e.id, static_cast<uint8_t>(c.expect));
    EXPECT_FALSE(e.stall);
    EXPECT_EQ(h.smmu->stalls().held(), 0u);
  }
}

TEST(SmmuStall, ResumeWithoutTheStallModelIsCerrorIll) {
  StallRig s(params("terminate"), /*cd_stall=*/false);
  auto& h = s.h;
  h.run([&] {
    sc_time t;
    h.enable(t);
    h.submit({testing::cmd_resume(kSid, 0, 1)}, t);
    sc_core::wait(t + ns(1000));
    t = SC_ZERO_TIME;
    const uint32_t cons = h.reg_read32(smmu::kRegCmdqCons, t);
    EXPECT_EQ(get_bits(cons, smmu::kCmdqConsErrHi, smmu::kCmdqConsErrLo), smmu::kCerrorIll);
    EXPECT_EQ(h.reg_read32(smmu::kRegGerror, t) & smmu::kGerrorCmdqErr, smmu::kGerrorCmdqErr);
  });
}

TEST(SmmuIrq, EventQueueMsiWhenTheQueueGoesNonEmpty) {
  StallRig s(params(), /*cd_stall=*/false);
  auto& h = s.h;
  auto msi_writes = [&] {
    std::vector<sc_time> out;
    for (const auto& a : h.memory->log()) {
      if (a.write && a.addr == kMsiAddr) out.push_back(a.at);
    }
    return out;
  };
  h.run([&] {
    sc_time t;
    h.reg_write64(smmu::kRegEvtqIrqCfg0, kMsiAddr, t);
    h.reg_write32(smmu::kRegEvtqIrqCfg1, kMsiData, t);
    h.reg_write32(smmu::kRegIrqCtrl, smmu::kIrqCtrlEvtqIrqEn, t);
    EXPECT_EQ(h.reg_read32(smmu::kRegIrqCtrlAck, t), smmu::kIrqCtrlEvtqIrqEn);
    h.enable(t);
    uint32_t v = 0;
    h.dma(kSid, 1, kVa, &v, 4, false, t);   // empty -> 1 entry: MSI
    h.dma(kSid, 1, kVa2, &v, 4, false, t);  // 2 entries: no MSI
    EXPECT_EQ(msi_writes().size(), 1u);
    h.reg_write32(smmu::kRegEvtqCons, 2, t);  // software drained the queue
    h.dma(kSid, 1, kVa, &v, 4, false, t);     // empty again -> MSI
  });
  const auto msis = msi_writes();
  const auto events = s.event_writes();
  ASSERT_EQ(msis.size(), 2u);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(msis[0], events[0]);  // sent when the record is written
  EXPECT_EQ(msis[1], events[2]);
  EXPECT_EQ(h.memory->peek32(kMsiAddr), kMsiData);
  EXPECT_EQ(testing::counter_value(h, "smmu.irq.evtq.msis"), 2u);
}

TEST(SmmuIrq, EventQueueOverflowTogglesOvflgOnceUntilAcknowledged) {
  StallRig s(params(), /*cd_stall=*/false);
  auto& h = s.h;
  h.run([&] {
    sc_time t;
    h.enable(t, /*evtq_log2=*/1);  // two entries
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) h.dma(kSid, 1, kVa, &v, 4, false, t);
    uint32_t prod = h.reg_read32(smmu::kRegEvtqProd, t);
    EXPECT_EQ(prod & smmu::kQueueOverflowFlag, smmu::kQueueOverflowFlag);
    EXPECT_EQ(prod & 3u, 2u);  // wrapped once: index 0, wrap bit 1
    // Acknowledge and drain: the next overflow toggles OVFLG back.
    h.reg_write32(smmu::kRegEvtqCons, smmu::kQueueOverflowFlag | 2u, t);
    for (int i = 0; i < 3; ++i) h.dma(kSid, 1, kVa, &v, 4, false, t);
    prod = h.reg_read32(smmu::kRegEvtqProd, t);
    EXPECT_EQ(prod & smmu::kQueueOverflowFlag, 0u);
  });
  EXPECT_EQ(testing::counter_value(h, "smmu.evtq.dropped_full"), 3u);
}

TEST(SmmuCmdStats, CommandTimeIsMeasuredFromTheProdWrite) {
  StallRig s(params());
  auto& h = s.h;
  sc_time at;
  h.run([&] {
    sc_time t;
    h.enable(t);
    sc_core::wait(t);
    t = SC_ZERO_TIME;
    at = sc_core::sc_time_stamp() + ns(h.smmu->params().reg_access_ns);
    h.submit({testing::cmd_stall_term(kSid), smmu::encode_cmd_sync()}, t);
  });
  const Histogram* term = h.env.stats().find_histogram("smmu.cmd_time_ns.stall_term");
  const Histogram* sync = h.env.stats().find_histogram("smmu.cmd_time_ns.sync");
  ASSERT_NE(term, nullptr);
  ASSERT_NE(sync, nullptr);
  EXPECT_DOUBLE_EQ(term->max(), kMemNs + kResumeNs);
  EXPECT_DOUBLE_EQ(sync->max(), 2 * kMemNs + kResumeNs + kSyncNs);
  EXPECT_EQ(h.smmu->cmdq_drained_at(), at + ns(2 * kMemNs + kResumeNs + kSyncNs));
}

}  // namespace
}  // namespace wdsim
