// The SMMU's side of ATS and PRI with a bare endpoint: PRI queue overflow and the automatic PRG
// responses, the PRG Response code of each CMD_PRI_RESP.Resp, the IDR bits. With the device-side
// endpoint (ATC, translation requests, PRI round trips, CMD_ATC_INV and CMD_SYNC):
// sim/accel/ats/ats_endpoint_test.cc.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <vector>

#include "sim/base/bits.h"
#include "sim/iommu/pri_queue.h"
#include "sim/iommu/smmu.h"
#include "sim/iommu/testing/fault_testing.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using testing::SmmuHarness;

constexpr double kMemNs = 50;
constexpr double kSyncNs = 10;
constexpr double kAtcInvNs = 20;
constexpr double kPriRespNs = 10;
constexpr uint32_t kSid = 5;
constexpr uint64_t kVa = 0x7000'1000;
constexpr uint64_t kPriq = 0x32'0000;

SmmuParams params() {
  SmmuParams p = default_params<SmmuParams>();
  p.cmdq.sync_cost_ns = kSyncNs;
  p.ats.atc_inv_cost_ns = kAtcInvNs;
  p.pri.resp_cost_ns = kPriRespNs;
  return p;
}

TEST(PriResp, RespCodesMapToPrgResponseCodes) {
  EXPECT_EQ(smmu::prg_code_for_pri_resp(smmu::kPriRespDeny), kPrgInvalidRequest);
  EXPECT_EQ(smmu::prg_code_for_pri_resp(smmu::kPriRespFail), kPrgFailure);
  EXPECT_EQ(smmu::prg_code_for_pri_resp(smmu::kPriRespSuccess), kPrgSuccess);
}

// A bare PRI endpoint: sends raw page requests, records the PRG Responses it gets.
class RawDevice : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<RawDevice> out;
  tlm_utils::simple_target_socket<RawDevice> in;
  std::vector<AtsMessage> responses;
  explicit RawDevice(sc_core::sc_module_name n) : sc_module(n), out("out"), in("in") {
    in.register_b_transport(this, &RawDevice::b_transport);
  }
  void page_request(uint16_t prgi, bool last, sc_time& t) {
    AtsMessage m;
    m.kind = AtsMsgKind::kPageRequest;
    m.sid = kSid;
    m.ssv = true;
    m.ssid = 3;
    m.addr = kVa + 0x1000ull * prgi;
    m.read = true;
    m.last = last;
    m.prg_index = prgi;
    tlm::tlm_generic_payload gp;
    gp.set_command(tlm::TLM_IGNORE_COMMAND);
    gp.set_extension(&m);
    out->b_transport(gp, t);
    gp.clear_extension(&m);
  }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_time&) {
    responses.push_back(*gp.get_extension<AtsMessage>());
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

TEST(Pri, OverflowTogglesOvflgInhibitsWritesAndAutoRespondsToLastRequests) {
  SmmuHarness h(params(), kMemNs);
  RawDevice dev("dev");
  dev.out.bind(h.smmu->ats);
  h.smmu->ats_inv_pri.bind(dev.in);
  h.run([&] {
    sc_time t;
    h.enable(t);
    h.reg_write64(smmu::kRegPriqBase, smmu::encode_queue_base({kPriq, 1, true}), t);
    h.reg_write32(smmu::kRegCr0,
                  smmu::kCr0SmmuEn | smmu::kCr0CmdqEn | smmu::kCr0EvtqEn | smmu::kCr0PriqEn, t);
    dev.page_request(0, true, t);
    dev.page_request(1, true, t);
    EXPECT_EQ(h.reg_read32(smmu::kRegPriqProd, t), 2u);  // full: index 0, wrap 1
    EXPECT_TRUE(dev.responses.empty());
    dev.page_request(2, true, t);   // overflow: auto Success keeping the PASID
    dev.page_request(3, false, t);  // Last = 0: silently discarded
    uint32_t prod = h.reg_read32(smmu::kRegPriqProd, t);
    EXPECT_EQ(prod, smmu::kQueueOverflowFlag | 2u);
    // Software drains the queue but has not acknowledged: still no writes.
    h.reg_write32(smmu::kRegPriqCons, 2u, t);
    dev.page_request(4, true, t);
    EXPECT_EQ(h.reg_read32(smmu::kRegPriqProd, t), smmu::kQueueOverflowFlag | 2u);
    // Acknowledge: writes resume.
    h.reg_write32(smmu::kRegPriqCons, smmu::kQueueOverflowFlag | 2u, t);
    dev.page_request(5, true, t);
    prod = h.reg_read32(smmu::kRegPriqProd, t);
    EXPECT_EQ(prod, smmu::kQueueOverflowFlag | 3u);
  });
  ASSERT_EQ(dev.responses.size(), 2u);
  EXPECT_EQ(dev.responses[0].kind, AtsMsgKind::kPrgResponse);
  EXPECT_EQ(dev.responses[0].prg_index, 2u);
  EXPECT_EQ(dev.responses[0].response_code, kPrgSuccess);
  EXPECT_TRUE(dev.responses[0].ssv);
  EXPECT_EQ(dev.responses[0].ssid, 3u);
  EXPECT_EQ(dev.responses[1].prg_index, 4u);
  uint64_t w[2];
  h.memory->peek(kPriq, w, 16);  // slot 0 now holds request 5
  EXPECT_EQ(smmu::decode_priq_entry(w).prg_index, 5u);
  EXPECT_EQ(testing::counter_value(h, "smmu.priq.overflows"), 1u);
  EXPECT_EQ(testing::counter_value(h, "smmu.priq.dropped_overflow"), 3u);
}

TEST(AtsIdrs, IdrsAdvertiseAtsPriAndPriqSize) {
  SmmuHarness h(params(), kMemNs);
  h.run([&] {
    sc_time t;
    const uint32_t idr0 = h.reg_read32(smmu::kRegIdr0, t);
    EXPECT_EQ(idr0 & smmu::kIdr0Ats, smmu::kIdr0Ats);
    EXPECT_EQ(idr0 & smmu::kIdr0Pri, smmu::kIdr0Pri);
    EXPECT_EQ(get_bits(h.reg_read32(smmu::kRegIdr1, t), 15, 11), 19u);  // PRIQS
    EXPECT_EQ(h.reg_read32(smmu::kRegIdr3, t) & 2u, 2u);                // PPS
  });
}

}  // namespace
}  // namespace wdsim
