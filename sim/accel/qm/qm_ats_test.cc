// QmDmaPort with an AtsEndpoint (QmParams.ats): data DMA is translated by the
// device's ATC or an ATS Translation Request (a PRI Page Request on a fault)
// and issued pre-translated. The SMMU side is a scripted stand-in here (the
// real SMMU with the kernel is covered by sim/system/iommu_system_test.cc): it
// maps VA -> VA + kPaOffset, except pages it was told are not present until a
// Page Request asks for them.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <functional>
#include <memory>
#include <set>
#include <vector>

#include "sim/accel/ats/ats_endpoint.h"
#include "sim/accel/qm/qm_dma_port.h"
#include "sim/accel/qm/testing/flat_memory.h"
#include "sim/base/params.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

constexpr uint64_t kPaOffset = 0x1000'0000;
constexpr uint32_t kSid = 0x21;
constexpr uint32_t kPasid = 5;

class FakeSmmu : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<FakeSmmu> ats;
  tlm_utils::simple_initiator_socket<FakeSmmu> to_ep;
  std::set<uint64_t> absent;    // pages that fault until a Page Request
  std::set<uint64_t> remapped;  // pages whose PA is moved far away (not contiguous)
  unsigned translation_requests = 0;
  unsigned page_requests = 0;

  explicit FakeSmmu(sc_core::sc_module_name n) : sc_module(n), ats("ats"), to_ep("to_ep") {
    ats.register_b_transport(this, &FakeSmmu::b_transport);
  }

 private:
  void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay) {
    AtsMessage *m = gp.get_extension<AtsMessage>();
    ASSERT_NE(m, nullptr);
    delay += sc_core::sc_time(100, sc_core::SC_NS);
    if (m->kind == AtsMsgKind::kTranslationRequest) {
      ++translation_requests;
      m->completion.status = AtsStatus::kSuccess;
      m->completion.size = 4096;
      const bool present = !absent.count(m->addr);
      m->completion.read = present;
      m->completion.write = present && !m->no_write;
      m->completion.pa = m->addr + (remapped.count(m->addr) ? 16 * kPaOffset : kPaOffset);
    } else if (m->kind == AtsMsgKind::kPageRequest) {
      ++page_requests;
      absent.erase(m->addr);
      AtsMessage resp;
      resp.kind = AtsMsgKind::kPrgResponse;
      resp.sid = m->sid;
      resp.prg_index = m->prg_index;
      resp.response_code = kPrgSuccess;
      tlm::tlm_generic_payload r;
      r.set_command(tlm::TLM_IGNORE_COMMAND);
      r.set_extension(&resp);
      sc_core::sc_time d = delay;
      to_ep->b_transport(r, d);
      r.clear_extension(&resp);
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};

struct Bench : sc_core::sc_module {
  SimEnv env{1};
  testing::FlatMemory mem{"mem", sc_core::sc_time(50, sc_core::SC_NS)};
  FakeSmmu smmu{"smmu"};
  std::unique_ptr<AtsEndpoint> ep;
  tlm_utils::simple_initiator_socket<Bench> dma{"dma"};
  std::function<void(QmDmaPort &)> script;

  SC_HAS_PROCESS(Bench);
  Bench(sc_core::sc_module_name n, const AtsEndpointParams &p) : sc_module(n) {
    ep = std::make_unique<AtsEndpoint>("ep", p, kSid, env, "qm.ats");
    ep->ats.bind(smmu.ats);
    smmu.to_ep.bind(ep->from_smmu);
    dma.bind(mem.socket);
    SC_THREAD(run);
  }
  void run() {
    IoAttrs attrs;
    attrs.stream_id = kSid;
    attrs.pasid_valid = true;
    attrs.pasid = kPasid;
    QmDmaPort port(dma, attrs, ep.get());
    script(port);
  }
  uint64_t counter(const std::string &key) {
    const Counter *c = env.stats().find_counter(key);
    return c ? c->value() : 0;
  }
};

std::unique_ptr<Bench> run(std::function<void(Bench &)> setup,
                           std::function<void(QmDmaPort &)> script,
                           const AtsEndpointParams &p = default_params<AtsEndpointParams>()) {
  wdsim::testing::fresh_sc_context();
  auto b = std::make_unique<Bench>("bench", p);
  setup(*b);
  b->script = std::move(script);
  sc_core::sc_start();
  return b;
}

TEST(QmAts, SecondAccessToAPageHitsTheAtcAndDmaGoesOutTranslated) {
  const uint64_t va = 0x40'0000'1000;
  uint8_t buf[64] = {};
  bool ok1 = false, ok2 = false;
  auto b = run([](Bench &) {},
               [&](QmDmaPort &p) {
                 sc_core::sc_time t;
                 ok1 = p.read(va, buf, sizeof buf, t);
                 ok2 = p.read(va + 128, buf, sizeof buf, t);
               });
  EXPECT_TRUE(ok1);
  EXPECT_TRUE(ok2);
  EXPECT_EQ(b->smmu.translation_requests, 1u);
  EXPECT_EQ(b->counter("qm.ats.atc.hits"), 1u);
  EXPECT_EQ(b->counter("qm.ats.atc.misses"), 1u);
  ASSERT_EQ(b->mem.log().size(), 2u);
  for (const auto &a : b->mem.log()) {
    ASSERT_TRUE(a.has_attrs);
    EXPECT_TRUE(a.attrs.ats_translated);
    EXPECT_TRUE(a.attrs.pasid_valid);
    EXPECT_EQ(a.attrs.pasid, kPasid);
  }
  EXPECT_EQ(b->mem.log()[0].addr, va + kPaOffset);
  EXPECT_EQ(b->mem.log()[1].addr, va + 128 + kPaOffset);
}

TEST(QmAts, AnAccessOverPagesIsOneDmaPerPhysicallyContiguousRun) {
  const uint64_t va = 0x40'0000'0800;  // 2 KiB into page 0; ends 2 KiB into page 3
  std::vector<uint8_t> buf(3 * 4096);
  auto b = run([&](Bench &bench) { bench.smmu.remapped.insert(0x40'0000'2000); },
               [&](QmDmaPort &p) {
                 sc_core::sc_time t;
                 EXPECT_TRUE(p.read(va, buf.data(), buf.size(), t));
                 EXPECT_GT(p.translation_time(), sc_core::SC_ZERO_TIME);
               });
  EXPECT_EQ(b->smmu.translation_requests, 4u);
  const auto &log = b->mem.log();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].addr, va + kPaOffset);
  EXPECT_EQ(log[0].len, 2048u + 4096u);  // pages 0 and 1 are contiguous
  EXPECT_EQ(log[1].addr, 0x40'0000'2000 + 16 * kPaOffset);
  EXPECT_EQ(log[1].len, 4096u);
  EXPECT_EQ(log[2].addr, 0x40'0000'3000 + kPaOffset);
  EXPECT_EQ(log[2].len, 2048u);
}

TEST(QmAts, AFaultIsServedByAPageRequestAndTheAccessRetried) {
  const uint64_t va = 0x40'0000'5000;
  uint8_t buf[16] = {};
  bool ok = false;
  sc_core::sc_time translation;
  auto b = run([&](Bench &bench) { bench.smmu.absent.insert(va); },
               [&](QmDmaPort &p) {
                 sc_core::sc_time t;
                 ok = p.write(va, buf, sizeof buf, t);
                 translation = p.translation_time();
               });
  EXPECT_TRUE(ok);
  EXPECT_EQ(b->smmu.page_requests, 1u);
  EXPECT_EQ(b->smmu.translation_requests, 2u);
  EXPECT_EQ(b->counter("qm.ats.prg_responses.success"), 1u);
  // Two translation round trips and the page request's, at 100 ns each.
  EXPECT_GE(translation, sc_core::sc_time(300, sc_core::SC_NS));
  ASSERT_EQ(b->mem.log().size(), 1u);
  EXPECT_EQ(b->mem.log()[0].addr, va + kPaOffset);
}

TEST(QmAts, WithoutPriAFaultFailsTheAccessWithoutDma) {
  const uint64_t va = 0x40'0000'7000;
  uint8_t buf[16] = {};
  bool ok = true;
  IoFault fault = IoFault::kNone;
  AtsEndpointParams no_pri = default_params<AtsEndpointParams>();
  no_pri.pri = false;
  auto b = run([&](Bench &bench) { bench.smmu.absent.insert(va); },
               [&](QmDmaPort &p) {
                 sc_core::sc_time t;
                 ok = p.write(va, buf, sizeof buf, t);
                 fault = p.last_fault();
               },
               no_pri);
  EXPECT_FALSE(ok);
  EXPECT_EQ(fault, IoFault::kTranslation);
  EXPECT_EQ(b->smmu.page_requests, 0u);
  EXPECT_TRUE(b->mem.log().empty());
}

}  // namespace
}  // namespace wdsim
