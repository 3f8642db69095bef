// Test-only bench for the QM tests: a flat memory, a QM, a scripted host that drives the BAR,
// and a copy engine. One bench per SystemC context (run_bench starts a fresh one).
#pragma once

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/accel/qm/qm.h"
#include "sim/accel/qm/testing/flat_memory.h"
#include "sim/base/tlm_access.h"
#include "sim/testing/fresh_context.h"

namespace wdsim::testing {

using sc_core::sc_time;

inline constexpr uint64_t kMsiAddress = 0xfee0'0000;
inline constexpr uint32_t kMsiData = 0x40;
inline constexpr uint8_t kCopyAlg = 2;
inline constexpr uint32_t kSqeSize = 128;
inline constexpr uint64_t kCtxScratch = 0x10000;
inline constexpr uint64_t kEqBase = 0x20000;
inline constexpr uint64_t kAeqBase = 0x30000;
inline constexpr uint64_t kSrcBase = 0x400000;
inline constexpr uint64_t kDstBase = 0x800000;
inline constexpr double kEngineComputeNs = 100;
// Rings far from the data and from each other, for up to 1024 queues (2048 SQEs, 4096 CQEs).
inline uint64_t sq_base(uint16_t qp) { return 0x10000000 + uint64_t{qp} * 0x40000; }
inline uint64_t cq_base(uint16_t qp) { return 0x40000000 + uint64_t{qp} * 0x10000; }

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

inline QmParams test_params() {
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
                   uint16_t pasid = 0, bool pasid_enable = false, uint8_t priority = 0) {
    qm::Sqc sqc =
        qm::make_sqc_v2(sq_base(qp), sq_depth, kSqeSize, pasid, pasid_enable, qp, alg, priority);
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
inline std::unique_ptr<Bench> run_bench(const QmParams& p, std::function<void(Bench&)> script) {
  wdsim::testing::fresh_sc_context();
  auto bench = std::make_unique<Bench>(p);
  Bench* b = bench.get();
  b->host.script = [b, script](Host&) { script(*b); };
  sc_core::sc_start();
  return bench;
}

}  // namespace wdsim::testing
