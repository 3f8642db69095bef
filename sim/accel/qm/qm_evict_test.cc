// Queue eviction at the QM (docs/kernel_queues.md): what the kernel's evict/re-bind path relies
// on. STOP_QP drains the fetched SQEs; the SQC/CQC read back (mailbox op = 1) hold the SQ fetch
// head, the CQ head/tail and the live phase; installing them again resumes the queue exactly
// where it stopped (no slot fetched twice, none skipped, CQEs continue with the right phase
// across a wrap); and qm.max_in_flight holds the fetch units back.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "sim/accel/qm/qm.h"
#include "sim/accel/qm/testing/qm_bench.h"

namespace wdsim {
namespace {

using namespace wdsim::testing;  // NOLINT: the bench

constexpr uint16_t kQp = 2;
constexpr uint32_t kDepth = 8;

// Reads queue qp's context of `cmd` back through the mailbox (op = 1) into scratch memory.
template <typename Ctx>
Ctx read_back(Bench& b, uint8_t cmd, uint16_t qp) {
  b.host.mailbox(qm::make_mailbox(cmd, kCtxScratch, qp, /*op_read=*/true));
  return b.mem.peek_as<Ctx>(kCtxScratch);
}

void install(Bench& b, uint8_t cmd, uint16_t qp, const void* ctx, size_t len) {
  b.mem.poke(kCtxScratch, ctx, len);
  b.host.mailbox(qm::make_mailbox(cmd, kCtxScratch, qp, false));
}

TEST(QmEvict, StopSaveRestoreResumesWhereTheQueueWas) {
  qm::Sqc saved_sqc{};
  qm::Cqc saved_cqc{};
  uint64_t fetched_at_stop = 0;
  auto b = run_bench(test_params(), [&](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(kQp, kDepth, kDepth, kCopyAlg, 0, false, /*priority=*/5);
    // Slots 0..6 rung; stop while some are still unfetched.
    for (uint16_t s = 0; s < 7; ++s) b.put_sqe(kQp, s, 4096, kSrcBase, kDstBase + 4096 * s);
    b.host.sq_doorbell(kQp, 7);
    b.host.wait_ns(300);
    b.host.mailbox(qm::make_mailbox(qm::kMbCmdStopQp, 0, kQp, false));
    EXPECT_FALSE(b.qm.queue_started(kQp));
    EXPECT_EQ(b.qm.in_flight(kQp), 0u);  // drained before the mailbox completed
    fetched_at_stop = b.counter("sqes");
    saved_sqc = read_back<qm::Sqc>(b, qm::kMbCmdSqc, kQp);
    saved_cqc = read_back<qm::Cqc>(b, qm::kMbCmdCqc, kQp);
    // A doorbell while stopped reaches nothing.
    b.host.sq_doorbell(kQp, 7);
    b.host.wait_ns(5000);
    EXPECT_EQ(b.counter("sqes"), fetched_at_stop);
    // The host consumed the CQEs written so far; it rings the CQ head once restored.
    install(b, qm::kMbCmdSqc, kQp, &saved_sqc, sizeof saved_sqc);
    install(b, qm::kMbCmdCqc, kQp, &saved_cqc, sizeof saved_cqc);
    EXPECT_TRUE(b.qm.queue_started(kQp));
    b.host.cq_doorbell(kQp, static_cast<uint16_t>(fetched_at_stop % kDepth), 1);
    // Replay the SQ tail, then go on past the wrap: slots 7, 0, 1, 2 (12 requests in all).
    for (uint16_t n = 7; n < 12; ++n) b.put_sqe(kQp, n % kDepth, 4096, kSrcBase, kDstBase);
    b.host.sq_doorbell(kQp, 7);
    b.host.wait_ns(5000);
    b.host.cq_doorbell(kQp, 7, 0);
    b.host.sq_doorbell(kQp, 12 % kDepth);
    b.host.wait_ns(20000);
  });
  EXPECT_GE(fetched_at_stop, 1u);
  EXPECT_LT(fetched_at_stop, 7u);
  // The saved contexts: SQ head = what was fetched, SQ tail = what was rung, CQ tail = CQEs
  // written, all with the SQC's priority and the live phase.
  EXPECT_EQ(saved_sqc.head, fetched_at_stop);
  EXPECT_EQ(saved_sqc.tail, 7u);
  EXPECT_EQ(qm::sqc_priority(saved_sqc.w13), 5u);
  EXPECT_EQ(saved_cqc.tail, fetched_at_stop);
  EXPECT_TRUE(qm::cqc_phase(saved_cqc.dw6));
  // Every slot fetched exactly once, in ring order, and every CQE names the next slot.
  ASSERT_EQ(b->records.size(), 12u);
  for (size_t i = 0; i < b->records.size(); ++i) {
    EXPECT_EQ(b->records[i].sqe_index, i % kDepth) << i;
    if (i > 0) {
      EXPECT_LT(b->records[i - 1].cqe_written, b->records[i].cqe_written);
    }
  }
  EXPECT_EQ(b->counter("sqes"), 12u);
  EXPECT_EQ(b->counter("cqes"), 12u);
  // After the wrap the CQEs carry the flipped phase: slots 0..3 of the second lap.
  for (uint16_t s = 0; s < 4; ++s) EXPECT_FALSE(qm::cqe_phase(b->cqe(kQp, s))) << s;
  for (uint16_t s = 4; s < kDepth; ++s) EXPECT_TRUE(qm::cqe_phase(b->cqe(kQp, s))) << s;
  EXPECT_FALSE(b->trace_has("cqe_dropped"));
  EXPECT_EQ(b->counter("errors"), 0u);
}

TEST(QmEvict, CqcReadBackCarriesTheLivePhaseAfterAWrap) {
  qm::Cqc cqc{};
  auto b = run_bench(test_params(), [&](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(kQp, kDepth, kDepth, kCopyAlg);
    for (uint16_t n = 0; n < kDepth + 2; ++n) {
      b.put_sqe(kQp, n % kDepth, 64, kSrcBase, kDstBase);
      b.host.sq_doorbell(kQp, static_cast<uint16_t>((n + 1) % kDepth));
      b.host.wait_ns(2000);
      b.host.cq_doorbell(kQp, static_cast<uint16_t>((n + 1) % kDepth), 1);
    }
    cqc = read_back<qm::Cqc>(b, qm::kMbCmdCqc, kQp);
  });
  EXPECT_EQ(cqc.tail, 2u);
  EXPECT_EQ(cqc.head, 2u);
  EXPECT_FALSE(qm::cqc_phase(cqc.dw6));  // flipped at the wrap
  EXPECT_TRUE(qm::cqc_flag(cqc.dw6));    // re-armed by the last CQ doorbell
}

TEST(QmEvict, MaxInFlightHoldsFetchesUntilCompletions) {
  QmParams p = test_params();
  p.max_in_flight = 2;
  uint32_t most_in_flight = 0;
  auto b = run_bench(p, [&](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(0, 64, 64, kCopyAlg);
    for (uint16_t s = 0; s < 16; ++s) b.put_sqe(0, s, 4096, kSrcBase, kDstBase);
    b.host.sq_doorbell(0, 16);
    for (int i = 0; i < 400; ++i) {
      b.host.wait_ns(50);
      most_in_flight = std::max(most_in_flight, b.qm.in_flight(0));
    }
    b.host.wait_ns(20000);
  });
  EXPECT_EQ(most_in_flight, 2u);
  EXPECT_EQ(b->counter("cqes"), 16u);
}

}  // namespace
}  // namespace wdsim
