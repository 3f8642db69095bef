#include "sim/accel/qm/qm.h"

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "sim/accel/qm/testing/flat_memory.h"
#include "sim/base/tlm_access.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

using sc_core::sc_time;
using testing::FlatMemory;

constexpr uint64_t kMsiAddress = 0xfee0'0000;
constexpr uint32_t kMsiData = 0x40;
constexpr uint8_t kCopyAlg = 2;
constexpr uint32_t kSqeSize = 128;
constexpr uint64_t kCtxScratch = 0x10000;
constexpr uint64_t kEqBase = 0x20000;
constexpr uint64_t kAeqBase = 0x30000;
constexpr uint64_t kSrcBase = 0x400000;
constexpr uint64_t kDstBase = 0x800000;
constexpr double kEngineComputeNs = 100;
uint64_t sq_base(uint16_t qp) { return 0x100000 + uint64_t{qp} * 0x40000; }
uint64_t cq_base(uint16_t qp) { return 0x2000000 + uint64_t{qp} * 0x10000; }

// Test-only SQE: length, status (written by the engine), source and destination addresses.
struct CopySqe {
  uint32_t len;
  uint32_t status;  // 1 = done, 0x80 = DMA fault
  uint64_t src;
  uint64_t dst;
  uint8_t pad[kSqeSize - 24];
};
static_assert(sizeof(CopySqe) == kSqeSize);

// Test-only engine: copies src to dst through the DmaPort, one fixed compute time.
class CopyEngine : public QmEngine {
 public:
  const char* name() const override { return "copy"; }
  EngineTiming process(EngineRequest& req, sc_time& t) override {
    ++calls;
    EngineTiming timing;
    CopySqe sqe;
    std::memcpy(&sqe, req.sqe, sizeof sqe);
    std::vector<uint8_t> buf(std::min<uint32_t>(sqe.len, 1 << 20));
    sc_time start = t;
    bool ok = req.dma->read(sqe.src, buf.data(), buf.size(), t);
    timing.read_input = t - start;
    t += ns(kEngineComputeNs);
    timing.compute = ns(kEngineComputeNs);
    start = t;
    ok = ok && req.dma->write(sqe.dst, buf.data(), buf.size(), t);
    timing.write_output = t - start;
    sqe.status = ok ? 1 : 0x80;
    std::memcpy(req.sqe, &sqe, sizeof sqe);
    return timing;
  }
  int calls = 0;
};

// Test-only host: runs a script in a thread, issuing MMIO through its socket.
class Host : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Host> socket;
  std::function<void(Host&)> script;

  explicit Host(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
    SC_HAS_PROCESS(Host);
    SC_THREAD(run);
  }

  void write(uint64_t offset, const void* data, size_t len) {
    sc_time delay = sc_core::SC_ZERO_TIME;
    std::vector<uint8_t> copy(static_cast<const uint8_t*>(data),
                              static_cast<const uint8_t*>(data) + len);
    EXPECT_EQ(tlm_access(socket, tlm::TLM_WRITE_COMMAND, offset, copy.data(), len, delay),
              tlm::TLM_OK_RESPONSE);
    wait(delay);
  }
  void write64(uint64_t offset, uint64_t v) { write(offset, &v, sizeof v); }
  uint32_t read32(uint64_t offset) {
    uint32_t v = 0;
    sc_time delay = sc_core::SC_ZERO_TIME;
    tlm_access(socket, tlm::TLM_READ_COMMAND, offset, &v, sizeof v, delay);
    wait(delay);
    return v;
  }
  void wait_ns(double v) { wait(ns(v)); }
  // One 128-bit mailbox store, then poll the busy bit like hisi_qm_wait_mb_ready.
  void mailbox(const qm::Mailbox& mb) {
    write(qm::kMailboxOffset, &mb, sizeof mb);
    wait_mailbox_idle();
  }
  void wait_mailbox_idle() {
    for (int i = 0; i < 1000 && ((read32(qm::kMailboxOffset) >> qm::kMbBusyShift) & 1); ++i)
      wait_ns(100);
  }
  void sq_doorbell(uint16_t qp, uint16_t tail) {
    write64(qm::kDoorbellSqCqOffsetV2, qm::encode_doorbell_v2({qp, qm::kDbCmdSq, tail, 0, 0}));
  }
  void cq_doorbell(uint16_t qp, uint16_t head, uint8_t prio) {
    write64(qm::kDoorbellSqCqOffsetV2, qm::encode_doorbell_v2({qp, qm::kDbCmdCq, head, prio, 0}));
  }

 private:
  void run() {
    if (script) script(*this);
  }
};

QmParams test_params() {
  QmParams p = default_params<QmParams>();
  p.msi_address = kMsiAddress;
  p.msi_data = kMsiData;
  p.stream_id = 0x21;
  return p;
}

struct Bench {
  explicit Bench(const QmParams& p) : mem("mem", ns(50)), qm("qm", p, env), host("host") {
    qm.dma.bind(mem.socket);
    host.socket.bind(qm.mmio);
    qm.attach_engine(kCopyAlg, &engine);
    qm.set_completion_observer([this](const SqeRecord& r) { records.push_back(r); });
  }

  // Host-side helpers (call from the script).
  void setup_event_queues() {
    mem.poke(kCtxScratch, &(eqc = qm::make_eqc(kEqBase, qm::kEqDepth)), sizeof eqc);
    host.mailbox(qm::make_mailbox(qm::kMbCmdEqc, kCtxScratch, 0, false));
    mem.poke(kCtxScratch, &(eqc = qm::make_eqc(kAeqBase, qm::kAeqDepth)), sizeof eqc);
    host.mailbox(qm::make_mailbox(qm::kMbCmdAeqc, kCtxScratch, 0, false));
  }
  void setup_queue(uint16_t qp, uint32_t sq_depth, uint32_t cq_depth, uint8_t alg,
                   uint16_t pasid = 0, bool pasid_enable = false) {
    qm::Sqc sqc = qm::make_sqc_v2(sq_base(qp), sq_depth, kSqeSize, pasid, pasid_enable, qp, alg);
    mem.poke(kCtxScratch, &sqc, sizeof sqc);
    host.mailbox(qm::make_mailbox(qm::kMbCmdSqc, kCtxScratch, qp, false));
    qm::Cqc cqc = qm::make_cqc_v2(cq_base(qp), cq_depth, pasid, pasid_enable);
    mem.poke(kCtxScratch, &cqc, sizeof cqc);
    host.mailbox(qm::make_mailbox(qm::kMbCmdCqc, kCtxScratch, qp, false));
  }
  // Writes a copy SQE of `len` bytes into `slot` of queue qp's SQ.
  void put_sqe(uint16_t qp, uint16_t slot, uint32_t len, uint64_t src, uint64_t dst) {
    CopySqe sqe{};
    sqe.len = len;
    sqe.src = src;
    sqe.dst = dst;
    mem.poke(sq_base(qp) + uint64_t{slot} * kSqeSize, &sqe, sizeof sqe);
  }
  qm::Cqe cqe(uint16_t qp, uint16_t slot) {
    return mem.peek_as<qm::Cqe>(cq_base(qp) + uint64_t{slot} * qm::kCqeSize);
  }
  uint64_t counter(const char* key) {
    const Counter* c = env.stats().find_counter(std::string("qm.") + key);
    return c ? c->value() : 0;
  }
  bool trace_has(const std::string& text) {
    return env.trace().to_text().find(text) != std::string::npos;
  }

  SimEnv env;
  FlatMemory mem;
  Qm qm;
  Host host;
  CopyEngine engine;
  std::vector<SqeRecord> records;
  qm::Eqc eqc{};
};

// Builds a bench in a fresh SystemC context, runs `script` on the host to the end.
std::unique_ptr<Bench> run_bench(const QmParams& p, std::function<void(Bench&)> script) {
  wdsim::testing::fresh_sc_context();
  auto bench = std::make_unique<Bench>(p);
  Bench* b = bench.get();
  b->host.script = [b, script](Host&) { script(*b); };
  sc_core::sc_start();
  return bench;
}

TEST(Qm, OneSqeEndToEnd) {
  std::vector<uint8_t> payload(256);
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i * 7 + 1);
  auto b = run_bench(test_params(), [&](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(0, 1024, 1024, kCopyAlg, /*pasid=*/9, /*pasid_enable=*/true);
    EXPECT_TRUE(b.qm.queue_started(0));
    b.mem.poke(kSrcBase, payload.data(), payload.size());
    b.put_sqe(0, 0, 256, kSrcBase, kDstBase);
    b.host.sq_doorbell(0, 1);
    b.host.wait_ns(10000);
  });

  qm::Cqe cqe = b->cqe(0, 0);
  EXPECT_TRUE(qm::cqe_phase(cqe));
  EXPECT_EQ(cqe.sq_head, 0);
  EXPECT_EQ(cqe.sq_num, 0);
  EXPECT_FALSE(qm::cqe_phase(b->cqe(0, 1)));  // nothing else written
  // The engine's result was written back into the SQ slot, and the data moved.
  EXPECT_EQ(b->mem.peek_as<CopySqe>(sq_base(0)).status, 1u);
  std::vector<uint8_t> out(payload.size());
  b->mem.peek(kDstBase, out.data(), out.size());
  EXPECT_EQ(out, payload);
  // EQE then MSI.
  EXPECT_EQ(b->mem.peek_as<uint32_t>(kEqBase), qm::encode_eqe(0, true));
  auto msis = b->mem.writes_to(kMsiAddress);
  ASSERT_EQ(msis.size(), 1u);
  EXPECT_EQ(msis[0].len, 4u);
  EXPECT_EQ(msis[0].attrs.stream_id, 0x21u);
  EXPECT_FALSE(msis[0].attrs.pasid_valid);
  // Rings without PASID, data with the queue's PASID.
  for (const auto& a : b->mem.log()) {
    ASSERT_TRUE(a.has_attrs);
    EXPECT_EQ(a.attrs.stream_id, 0x21u);
    bool is_data = a.addr >= kSrcBase && a.addr < kDstBase + 0x100000;
    EXPECT_EQ(a.attrs.pasid_valid, is_data) << std::hex << a.addr;
    if (is_data) {
      EXPECT_EQ(a.attrs.pasid, 9u);
    }
  }
  EXPECT_EQ(b->counter("sqes"), 1u);
  EXPECT_EQ(b->counter("cqes"), 1u);
  EXPECT_EQ(b->counter("msis"), 1u);
  EXPECT_EQ(b->counter("errors"), 0u);
  ASSERT_EQ(b->records.size(), 1u);
  const SqeRecord& r = b->records[0];
  EXPECT_LT(r.doorbell_seen, r.fetched);
  EXPECT_LT(r.fetched, r.engine_done);
  EXPECT_LT(r.engine_done, r.cqe_written);
  EXPECT_EQ(r.engine.compute, ns(kEngineComputeNs));
  // Stage breakdown: fetch = pipeline overhead + one memory access (50 ns).
  const Histogram* fetch = b->env.stats().find_histogram("qm.stage.fetch_ns");
  ASSERT_NE(fetch, nullptr);
  EXPECT_DOUBLE_EQ(fetch->mean(), b->qm.params().sqe_fetch_latency_ns + 50);
  // engine = read (50) + compute + write (50).
  EXPECT_DOUBLE_EQ(to_ns(r.engine_done - r.fetched), 50 + kEngineComputeNs + 50);
  EXPECT_TRUE(b->trace_has("qm doorbell qp=0 cmd=0 index=1 prio=0"));
  EXPECT_TRUE(b->trace_has("qm sqe_fetch qp=0 index=0"));
  EXPECT_TRUE(b->trace_has("qm cqe qp=0 sq_head=0 phase=1"));
  EXPECT_TRUE(b->trace_has("qm eqe cqn=0 phase=1"));
  EXPECT_TRUE(b->trace_has("qm msi vector=0"));
}

TEST(Qm, MailboxAsTwo64BitWritesAndBusyBit) {
  auto b = run_bench(test_params(), [](Bench& b) {
    qm::Sqc sqc = qm::make_sqc_v2(sq_base(3), 64, kSqeSize, 0, false, 3, kCopyAlg);
    b.mem.poke(kCtxScratch, &sqc, sizeof sqc);
    qm::Mailbox mb = qm::make_mailbox(qm::kMbCmdSqc, kCtxScratch, 3, false);
    uint64_t halves[2];
    std::memcpy(halves, &mb, sizeof mb);
    b.host.write64(qm::kMailboxOffset, halves[0]);
    EXPECT_EQ((b.host.read32(qm::kMailboxOffset) >> qm::kMbBusyShift) & 1, 0u)
        << "half a mailbox is not a command yet: busy reads the live state";
    b.host.write64(qm::kMailboxOffset + 8, halves[1]);
    EXPECT_EQ((b.host.read32(qm::kMailboxOffset) >> qm::kMbBusyShift) & 1, 1u);
    b.host.wait_ns(2000);
    EXPECT_EQ((b.host.read32(qm::kMailboxOffset) >> qm::kMbBusyShift) & 1, 0u);

    // CQC with the high half first.
    qm::Cqc cqc = qm::make_cqc_v2(cq_base(3), 64, 0, false);
    b.mem.poke(kCtxScratch, &cqc, sizeof cqc);
    mb = qm::make_mailbox(qm::kMbCmdCqc, kCtxScratch, 3, false);
    std::memcpy(halves, &mb, sizeof mb);
    b.host.write64(qm::kMailboxOffset + 8, halves[1]);
    b.host.write64(qm::kMailboxOffset, halves[0]);
    b.host.wait_mailbox_idle();
    EXPECT_TRUE(b.qm.queue_started(3));
  });
  EXPECT_TRUE(b->trace_has("qm mailbox cmd=0 qp=3 op=0"));
  EXPECT_TRUE(b->trace_has("qm mailbox cmd=1 qp=3 op=0"));
}

TEST(Qm, CqPhaseFlipsExactlyAtWrap) {
  constexpr uint32_t kDepth = 4;
  std::vector<bool> phases;
  std::vector<uint16_t> heads;
  auto b = run_bench(test_params(), [&](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(1, kDepth, kDepth, kCopyAlg);
    uint32_t submitted = 0;
    for (uint32_t batch : {3u, 3u, 2u, 2u}) {
      for (uint32_t i = 0; i < batch; ++i)
        b.put_sqe(1, (submitted + i) % kDepth, 64, kSrcBase, kDstBase + 64 * (submitted + i));
      b.host.sq_doorbell(1, (submitted + batch) % kDepth);
      b.host.wait_ns(5000);
      for (uint32_t i = 0; i < batch; ++i) {
        qm::Cqe c = b.cqe(1, (submitted + i) % kDepth);
        phases.push_back(qm::cqe_phase(c));
        heads.push_back(c.sq_head);
        EXPECT_EQ(c.sq_num, 1);
      }
      submitted += batch;
      b.host.cq_doorbell(1, submitted % kDepth, 0);
    }
  });
  ASSERT_EQ(phases.size(), 10u);
  for (uint32_t k = 0; k < 10; ++k) {
    EXPECT_EQ(phases[k], (k / kDepth) % 2 == 0) << "CQE " << k;
    EXPECT_EQ(heads[k], k % kDepth) << "CQE " << k;
  }
  EXPECT_EQ(b->counter("cqes"), 10u);
  EXPECT_EQ(b->counter("errors"), 0u);
}

TEST(Qm, InterruptRearmedOnlyByCqDoorbellPriority1) {
  std::vector<uint64_t> msis_seen;
  auto b = run_bench(test_params(), [&](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(0, 16, 16, kCopyAlg);
    auto submit = [&](uint16_t slot) {
      b.put_sqe(0, slot, 64, kSrcBase, kDstBase);
      b.host.sq_doorbell(0, slot + 1);
      b.host.wait_ns(5000);
      msis_seen.push_back(b.counter("msis"));
    };
    submit(0);                    // armed at start: MSI
    b.host.cq_doorbell(0, 1, 0);  // consumed, not re-armed
    submit(1);                    // no MSI
    b.host.cq_doorbell(0, 2, 1);  // re-armed, CQ empty: nothing yet
    b.host.wait_ns(1000);
    msis_seen.push_back(b.counter("msis"));
    submit(2);  // MSI
    b.host.cq_doorbell(0, 3, 0);
    submit(3);                    // disarmed: no MSI
    b.host.cq_doorbell(0, 3, 1);  // re-armed with CQE 3 unread: MSI at once
    b.host.wait_ns(1000);
    msis_seen.push_back(b.counter("msis"));
  });
  EXPECT_EQ(msis_seen, (std::vector<uint64_t>{1, 1, 1, 2, 2, 3}));
  EXPECT_EQ(b->counter("cqes"), 4u);
  EXPECT_EQ(b->mem.peek_as<uint32_t>(kEqBase + 0), qm::encode_eqe(0, true));
  EXPECT_EQ(b->mem.peek_as<uint32_t>(kEqBase + 4), qm::encode_eqe(0, true));
  EXPECT_EQ(b->mem.peek_as<uint32_t>(kEqBase + 8), qm::encode_eqe(0, true));
  EXPECT_EQ(b->mem.peek_as<uint32_t>(kEqBase + 12), 0u);
}

TEST(Qm, UnknownAlgTypeCompletesWithErrorAndGoesOn) {
  auto b = run_bench(test_params(), [](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(1, 16, 16, /*alg=*/7);  // no engine for 7
    b.setup_queue(0, 16, 16, kCopyAlg);
    b.put_sqe(1, 0, 64, kSrcBase, kDstBase);
    b.host.sq_doorbell(1, 1);
    b.host.wait_ns(5000);
    b.put_sqe(0, 0, 64, kSrcBase, kDstBase);
    b.host.sq_doorbell(0, 1);
    b.host.wait_ns(5000);
  });
  qm::Cqe bad = b->cqe(1, 0);
  EXPECT_TRUE(qm::cqe_phase(bad));
  EXPECT_EQ(bad.sq_num, 1);
  EXPECT_EQ(b->mem.peek_as<uint32_t>(kAeqBase), qm::encode_aeqe(1, qm::kAeqCqeError, true));
  EXPECT_EQ(b->engine.calls, 1);
  EXPECT_TRUE(qm::cqe_phase(b->cqe(0, 0)));
  EXPECT_EQ(b->counter("errors"), 1u);
  EXPECT_EQ(b->counter("cqes"), 2u);
  // MSIs: EQ for queue 1, AEQ (vector 1), EQ for queue 0.
  auto msis = b->mem.writes_to(kMsiAddress);
  ASSERT_EQ(msis.size(), 3u);
  EXPECT_TRUE(b->trace_has("qm no_engine qp=1 alg_type=7"));
  EXPECT_TRUE(b->trace_has("qm aeqe qid=1 type=2 phase=1"));
  EXPECT_TRUE(b->trace_has("qm msi vector=1"));
  ASSERT_EQ(b->records.size(), 2u);
  EXPECT_TRUE(b->records[0].error);
  EXPECT_FALSE(b->records[1].error);
}

TEST(Qm, SqeFetchFaultCompletesWithError) {
  auto b = run_bench(test_params(), [](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(0, 16, 16, kCopyAlg);
    b.mem.set_fault_range(sq_base(0), sq_base(0) + 16 * kSqeSize);
    b.host.sq_doorbell(0, 1);
    b.host.wait_ns(5000);
  });
  EXPECT_EQ(b->engine.calls, 0);
  EXPECT_TRUE(qm::cqe_phase(b->cqe(0, 0)));
  EXPECT_EQ(b->mem.peek_as<uint32_t>(kAeqBase), qm::encode_aeqe(0, qm::kAeqCqeError, true));
  EXPECT_TRUE(b->trace_has("qm sqe_fetch_fault qp=0 index=0 fault=translation"));
}

TEST(Qm, DoorbellForQueueNotStartedIsIgnored) {
  auto b = run_bench(test_params(), [](Bench& b) {
    b.setup_event_queues();
    b.host.sq_doorbell(3, 1);  // never configured
    b.host.wait_ns(2000);
    b.setup_queue(0, 16, 16, kCopyAlg);
    b.host.mailbox(qm::make_mailbox(qm::kMbCmdStopQp, 0, 0, false));
    EXPECT_FALSE(b.qm.queue_started(0));
    b.put_sqe(0, 0, 64, kSrcBase, kDstBase);
    b.host.sq_doorbell(0, 1);  // stopped
    b.host.wait_ns(2000);
    b.host.sq_doorbell(200, 1);  // beyond num_qps
    b.host.wait_ns(2000);
  });
  EXPECT_EQ(b->counter("sqes"), 0u);
  EXPECT_EQ(b->engine.calls, 0);
  EXPECT_EQ(b->counter("errors"), 1u);  // the out-of-range queue number
  EXPECT_TRUE(b->trace_has("qm doorbell_ignored qp=3 cmd=0 reason=not_started"));
  EXPECT_TRUE(b->trace_has("qm doorbell_ignored qp=0 cmd=0 reason=not_started"));
  for (const auto& a : b->mem.log()) EXPECT_NE(a.addr, sq_base(0)) << "no SQE fetched";
}

TEST(Qm, DoorbellIsolationUsesThePage) {
  QmParams p = test_params();
  p.use_db_isolation = true;
  auto b = run_bench(p, [&](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(5, 16, 16, kCopyAlg);
    b.put_sqe(5, 0, 64, kSrcBase, kDstBase);
    // Shared-doorbell address: not a doorbell when isolation is on.
    b.host.sq_doorbell(5, 1);
    b.host.wait_ns(2000);
    EXPECT_EQ(b.counter("sqes"), 0u);
    // The value says queue 0; the page (5) decides.
    b.host.write64(p.db_isolation_base +
                       qm::doorbell_offset_v2(5, qm::kDbCmdSq, qm::kDoorbellIntervalIsolated),
                   qm::encode_doorbell_v2({0, qm::kDbCmdSq, 1, 0, 0}));
    b.host.wait_ns(5000);
  });
  EXPECT_EQ(b->counter("sqes"), 1u);
  qm::Cqe c = b->cqe(5, 0);
  EXPECT_TRUE(qm::cqe_phase(c));
  EXPECT_EQ(c.sq_num, 5);
}

TEST(Qm, CqOverflowRaisesAeqAndStopsQueue) {
  auto b = run_bench(test_params(), [](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(2, /*sq_depth=*/8, /*cq_depth=*/4, kCopyAlg);
    for (uint16_t i = 0; i < 4; ++i) b.put_sqe(2, i, 64, kSrcBase, kDstBase);
    b.host.sq_doorbell(2, 4);  // the host never moves the CQ head
    b.host.wait_ns(10000);
  });
  EXPECT_EQ(b->counter("cqes"), 3u);
  EXPECT_EQ(b->counter("errors"), 1u);
  EXPECT_EQ(b->mem.peek_as<uint32_t>(kAeqBase), qm::encode_aeqe(2, qm::kAeqCqOverflow, true));
  EXPECT_FALSE(b->qm.queue_started(2));
}

TEST(Qm, EnginesOverlapAcrossQueues) {
  // Two queues rung together: the second SQE is fetched while the first is in the engine, so
  // its engine time starts one fetch after the first, not after the first completes.
  auto b = run_bench(test_params(), [](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(0, 16, 16, kCopyAlg);
    b.setup_queue(1, 16, 16, kCopyAlg);
    b.put_sqe(0, 0, 64, kSrcBase, kDstBase);
    b.put_sqe(1, 0, 64, kSrcBase, kDstBase + 64);
    b.host.sq_doorbell(0, 1);
    b.host.sq_doorbell(1, 1);
    b.host.wait_ns(5000);
  });
  ASSERT_EQ(b->records.size(), 2u);
  EXPECT_LT(b->records[1].fetched, b->records[0].engine_done);
}

}  // namespace
}  // namespace wdsim
