#include "sim/accel/qm/qm.h"

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <vector>

#include "sim/accel/qm/testing/qm_bench.h"

namespace wdsim {
namespace {

using namespace wdsim::testing;  // NOLINT: the bench

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

// A zero-length MMIO access (no data pointer) is answered and changes nothing; it used to
// reach memcpy with a null source in the mailbox (found by //fuzz:qm_mmio_fuzz under UBSan).
TEST(Qm, ZeroLengthMmioAccessTouchesNoRegister) {
  auto b = run_bench(test_params(), [](Bench& b) {
    for (uint64_t offset : {uint64_t{qm::kMailboxOffset}, uint64_t{qm::kDoorbellSqCqOffsetV2}}) {
      for (tlm::tlm_command cmd : {tlm::TLM_WRITE_COMMAND, tlm::TLM_READ_COMMAND}) {
        sc_time delay = sc_core::SC_ZERO_TIME;
        EXPECT_EQ(tlm_access(b.host.socket, cmd, offset, nullptr, 0, delay), tlm::TLM_OK_RESPONSE);
      }
    }
    b.host.wait_ns(1000);
    EXPECT_EQ((b.host.read32(qm::kMailboxOffset) >> qm::kMbBusyShift) & 1, 0u);
  });
  EXPECT_EQ(b->counter("errors"), 0u);
  EXPECT_FALSE(b->trace_has("qm mailbox"));
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
