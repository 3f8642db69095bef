// QM features beyond the basic protocol: many queues, arbitration, fetch units and batching,
// interrupt coalescing, stop/flush drains, device error isolation, doorbell isolation pages.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "sim/accel/qm/qm.h"
#include "sim/accel/qm/testing/qm_bench.h"

namespace wdsim {
namespace {

using namespace wdsim::testing;  // NOLINT: the bench

// Records sorted by fetch time (then queue), i.e. the order the fetch units served them.
std::vector<SqeRecord> by_fetch(std::vector<SqeRecord> r) {
  std::stable_sort(r.begin(), r.end(),
                   [](const SqeRecord& a, const SqeRecord& b) { return a.fetched < b.fetched; });
  return r;
}

std::map<uint16_t, int> share_of_first(const std::vector<SqeRecord>& r, size_t n) {
  std::map<uint16_t, int> share;
  for (size_t i = 0; i < n && i < r.size(); ++i) ++share[r[i].qp];
  return share;
}

TEST(QmFeatures, TwoHundredFiftySixQueuesEachWithItsPasid) {
  QmParams p = test_params();
  p.num_qps = 1024;
  std::vector<uint16_t> queues;
  for (uint16_t q = 0; q < 255; ++q) queues.push_back(q);
  queues.push_back(1023);  // the last queue of a 1024-queue function
  auto b = run_bench(p, [&](Bench& b) {
    b.setup_event_queues();
    for (uint16_t q : queues) {
      b.setup_queue(q, 8, 8, kCopyAlg, /*pasid=*/static_cast<uint16_t>(q + 1), true);
      for (uint16_t s = 0; s < 2; ++s)
        b.put_sqe(q, s, 64, kSrcBase, kDstBase + (uint64_t{q} * 2 + s) * 64);
    }
    for (uint16_t q : queues) b.host.sq_doorbell(q, 2);
    b.host.wait_ns(200000);
  });
  EXPECT_EQ(b->counter("sqes"), 512u);
  EXPECT_EQ(b->counter("cqes"), 512u);
  EXPECT_EQ(b->counter("errors"), 0u);
  for (uint16_t q : queues) {
    for (uint16_t s = 0; s < 2; ++s) {
      qm::Cqe c = b->cqe(q, s);
      EXPECT_TRUE(qm::cqe_phase(c)) << q;
      EXPECT_EQ(c.sq_num, q);
      EXPECT_EQ(c.sq_head, s);
      EXPECT_EQ(b->mem.peek_as<CopySqe>(sq_base(q) + s * kSqeSize).status, 1u);
      auto w = b->mem.writes_to(kDstBase + (uint64_t{q} * 2 + s) * 64);
      ASSERT_EQ(w.size(), 1u) << q;
      EXPECT_TRUE(w[0].attrs.pasid_valid);
      EXPECT_EQ(w[0].attrs.pasid, q + 1u);
    }
  }
}

TEST(QmFeatures, RoundRobinGivesBusyQueuesEqualShares) {
  constexpr uint16_t kQueues = 4;
  constexpr uint16_t kPerQueue = 150;
  auto b = run_bench(test_params(), [&](Bench& b) {
    b.setup_event_queues();
    for (uint16_t q = 0; q < kQueues; ++q) {
      b.setup_queue(q, 256, 256, kCopyAlg);
      for (uint16_t s = 0; s < kPerQueue; ++s) b.put_sqe(q, s, 64, kSrcBase, kDstBase);
    }
    for (uint16_t q = 0; q < kQueues; ++q) b.host.sq_doorbell(q, kPerQueue);
    b.host.wait_ns(200000);
  });
  ASSERT_EQ(b->records.size(), size_t{kQueues} * kPerQueue);
  // While all four are busy (the first 4 * 100 fetches), each gets a quarter within 5%.
  auto share = share_of_first(by_fetch(b->records), 400);
  for (uint16_t q = 0; q < kQueues; ++q) {
    EXPECT_NEAR(share[q], 100, 5) << "queue " << q;
  }
}

TEST(QmFeatures, WeightedArbitrationFollowsSqcPriority) {
  QmParams p = test_params();
  p.arbitration = "weighted";
  auto b = run_bench(p, [&](Bench& b) {
    b.setup_event_queues();
    for (uint16_t q = 0; q < 4; ++q) {
      b.setup_queue(q, 512, 512, kCopyAlg, 0, false, /*priority=*/static_cast<uint8_t>(q));
      for (uint16_t s = 0; s < 300; ++s) b.put_sqe(q, s, 64, kSrcBase, kDstBase);
    }
    for (uint16_t q = 0; q < 4; ++q) b.host.sq_doorbell(q, 300);
    b.host.wait_ns(400000);
  });
  ASSERT_EQ(b->records.size(), 1200u);
  // Weights 1:2:3:4 over the first 500 fetches: 50, 100, 150, 200 (within 5%).
  auto share = share_of_first(by_fetch(b->records), 500);
  for (uint16_t q = 0; q < 4; ++q) {
    double expected = 50.0 * (q + 1);
    EXPECT_NEAR(share[q], expected, expected * 0.05) << "queue " << q;
  }
}

TEST(QmFeatures, FetchBatchingReadsContiguousSlotsAndStopsAtTheWrap) {
  QmParams p = test_params();
  p.fetch_batch_max = 8;
  auto b = run_bench(p, [&](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(0, 16, 16, kCopyAlg);
    for (uint16_t s = 0; s < 16; ++s) b.put_sqe(0, s, 64, kSrcBase, kDstBase + s * 64);
    b.host.sq_doorbell(0, 12);  // slots 0..11: reads of 8 and 4
    b.host.wait_ns(20000);
    b.host.cq_doorbell(0, 12, 0);
    b.host.sq_doorbell(0, 6);  // slots 12..15 then 0..5: reads of 4 (to the wrap) and 6
    b.host.wait_ns(20000);
  });
  std::vector<size_t> reads;
  for (const auto& a : b->mem.log())
    if (!a.write && a.addr >= sq_base(0) && a.addr < sq_base(0) + 16 * kSqeSize)
      reads.push_back(a.len / kSqeSize);
  EXPECT_EQ(reads, (std::vector<size_t>{8, 4, 4, 6}));
  EXPECT_EQ(b->counter("fetch_reads"), 4u);
  EXPECT_EQ(b->counter("sqes"), 22u);
  EXPECT_EQ(b->counter("cqes"), 22u);
  // CQEs 16..21 (second lap of the CQ) carry phase 0 and name slots 12..15, 0, 1.
  EXPECT_EQ(b->cqe(0, 15).sq_head, 15);
  EXPECT_FALSE(qm::cqe_phase(b->cqe(0, 0)));
  EXPECT_EQ(b->cqe(0, 0).sq_head, 0);
  EXPECT_TRUE(b->trace_has("qm sqe_fetch_batch qp=0 index=0 count=8"));
  EXPECT_TRUE(b->trace_has("qm sqe_fetch_batch qp=0 index=12 count=4"));
}

TEST(QmFeatures, TwoFetchUnitsServeTwoQueuesAtOnce) {
  for (uint32_t units : {1u, 2u}) {
    QmParams p = test_params();
    p.fetch_units = units;
    auto b = run_bench(p, [&](Bench& b) {
      b.setup_event_queues();
      b.setup_queue(0, 16, 16, kCopyAlg);
      b.setup_queue(1, 16, 16, kCopyAlg);
      b.put_sqe(0, 0, 64, kSrcBase, kDstBase);
      b.put_sqe(1, 0, 64, kSrcBase, kDstBase + 64);
      // Both doorbells in one annotated instant (no wait between them).
      sc_time d = sc_core::SC_ZERO_TIME;
      for (uint16_t q : {0, 1}) {
        uint64_t v = qm::encode_doorbell_v2({q, qm::kDbCmdSq, 1, 0, 0});
        tlm_access(b.host.socket, tlm::TLM_WRITE_COMMAND, qm::kDoorbellSqCqOffsetV2, &v, 8, d);
      }
      b.host.wait_ns(5000);
    });
    auto r = by_fetch(b->records);
    ASSERT_EQ(r.size(), 2u);
    // The second doorbell lands one register access after the first. One unit fetches the
    // second queue after the first fetch (pipeline + memory); two units fetch it at once.
    const double fetch_ns = b->qm.params().sqe_fetch_latency_ns + 50;
    const double db_gap_ns = b->qm.params().reg_access_latency_ns;
    EXPECT_DOUBLE_EQ(to_ns(r[1].fetched - r[0].fetched), units == 1 ? fetch_ns : db_gap_ns)
        << units << " units";
  }
}

TEST(QmFeatures, InterruptCoalescingByCountAndByTime) {
  QmParams p = test_params();
  p.irq_coalesce_count = 4;
  p.irq_coalesce_time_ns = 5000;
  size_t msis_after_three = 0;
  auto b = run_bench(p, [&](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(0, 64, 64, kCopyAlg);
    for (uint16_t s = 0; s < 16; ++s) b.put_sqe(0, s, 64, kSrcBase, kDstBase);
    b.host.sq_doorbell(0, 3);  // three CQEs: below the count, the timer raises it
    b.host.wait_ns(2000);
    msis_after_three = b.mem.writes_to(kMsiAddress).size();
    b.host.wait_ns(8000);
    b.host.cq_doorbell(0, 3, 1);  // read all three, re-arm
    b.host.sq_doorbell(0, 9);     // six more: the fourth raises it at once
    b.host.wait_ns(10000);
  });
  EXPECT_EQ(msis_after_three, 0u);
  auto msis = b->mem.writes_to(kMsiAddress);
  ASSERT_EQ(msis.size(), 2u);
  ASSERT_EQ(b->records.size(), 9u);
  // Timer: first CQE + 5 us (+ the EQE write before the MSI).
  sc_time first_cqe = b->records[0].cqe_written;
  EXPECT_GE(msis[0].time, first_cqe + ns(5000));
  EXPECT_LT(msis[0].time, first_cqe + ns(5200));
  // Count: right after the fourth CQE of the second lot (record 6).
  EXPECT_GE(msis[1].time, b->records[6].cqe_written);
  EXPECT_LT(msis[1].time, b->records[7].cqe_written);
  EXPECT_TRUE(b->trace_has("qm irq_coalesce_timeout cqn=0 pending=3"));
}

TEST(QmFeatures, StopQpDrainsFetchedSqesBeforeTheMailboxCompletes) {
  sc_time mailbox_done;
  auto b = run_bench(test_params(), [&](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(0, 64, 64, kCopyAlg);
    for (uint16_t s = 0; s < 32; ++s) b.put_sqe(0, s, 4096, kSrcBase, kDstBase);
    b.host.sq_doorbell(0, 32);
    b.host.wait_ns(300);
    b.host.mailbox(qm::make_mailbox(qm::kMbCmdStopQp, 0, 0, false));
    mailbox_done = sc_core::sc_time_stamp();
    EXPECT_FALSE(b.qm.queue_started(0));
    b.host.wait_ns(20000);
  });
  uint64_t fetched = b->counter("sqes");
  EXPECT_GE(fetched, 1u);
  EXPECT_LT(fetched, 32u);  // the rest were never fetched
  EXPECT_EQ(b->counter("cqes"), fetched);
  ASSERT_EQ(b->records.size(), fetched);
  EXPECT_LE(b->records.back().cqe_written, mailbox_done);
  EXPECT_FALSE(b->trace_has("cqe_dropped"));
  EXPECT_TRUE(b->trace_has("qm queue_stopping qp=0"));
  EXPECT_TRUE(b->trace_has("qm queue_stopped qp=0"));
}

TEST(QmFeatures, FlushQmDrainsThenFetchingResumes) {
  sc_time flush_issued, flush_done;
  auto b = run_bench(test_params(), [&](Bench& b) {
    b.setup_event_queues();
    for (uint16_t q : {0, 1}) {
      b.setup_queue(q, 64, 64, kCopyAlg);
      for (uint16_t s = 0; s < 20; ++s) b.put_sqe(q, s, 4096, kSrcBase, kDstBase);
      b.host.sq_doorbell(q, 20);
    }
    b.host.wait_ns(300);
    flush_issued = sc_core::sc_time_stamp();
    b.host.mailbox(qm::make_mailbox(qm::kMbCmdFlushQm, 0, 0, false));
    flush_done = sc_core::sc_time_stamp();
    b.host.wait_ns(50000);
  });
  EXPECT_EQ(b->counter("cqes"), 40u);
  EXPECT_TRUE(b->trace_has("qm flush in_flight="));
  EXPECT_TRUE(b->trace_has("qm flushed"));
  // What was fetched before the flush completed before the mailbox did; fetching went on
  // afterwards (the flush drains, it does not stop queues).
  size_t before = 0;
  for (const auto& r : b->records) {
    if (r.fetched < flush_issued) {
      ++before;
      EXPECT_LE(r.cqe_written, flush_done);
    }
  }
  EXPECT_GE(before, 1u);
  EXPECT_LT(before, 40u);
}

TEST(QmFeatures, DeviceErrorsIsolateWithinTheWindow) {
  QmParams p = test_params();
  p.isolate_threshold = 3;
  p.isolate_window_ms = 1;
  uint32_t count_reg = 0, isolated_reg = 0, after_clear = 0;
  auto b = run_bench(p, [&](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(1, 16, 16, /*alg=*/7);  // no engine: every SQE is a CQE error
    for (uint16_t s = 0; s < 3; ++s) b.put_sqe(1, s, 64, kSrcBase, kDstBase);
    b.host.sq_doorbell(1, 2);
    b.host.wait_ns(5000);
    EXPECT_FALSE(b.qm.isolated());
    b.host.sq_doorbell(1, 3);
    b.host.wait_ns(5000);
    count_reg = b.host.read32(qm::kModelDevErrorCountOffset);
    isolated_reg = b.host.read32(qm::kModelIsolatedOffset);
    uint32_t zero = 0;
    b.host.write(qm::kModelIsolatedOffset, &zero, sizeof zero);
    after_clear = b.host.read32(qm::kModelIsolatedOffset);
  });
  EXPECT_EQ(count_reg, 3u);
  EXPECT_EQ(isolated_reg, 1u);
  EXPECT_EQ(after_clear, 0u);
  EXPECT_EQ(b->qm.device_errors(), 3u);
  EXPECT_TRUE(b->trace_has("qm isolated errors=3 last=aeq_event"));
}

TEST(QmFeatures, ErrorsSpreadWiderThanTheWindowDoNotIsolate) {
  QmParams p = test_params();
  p.isolate_threshold = 2;
  p.isolate_window_ms = 0.001;  // 1 us
  uint32_t count_reg = 99;
  auto b = run_bench(p, [&](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(1, 16, 16, /*alg=*/7);
    for (uint16_t s = 0; s < 4; ++s) {
      b.put_sqe(1, s, 64, kSrcBase, kDstBase);
      b.host.sq_doorbell(1, s + 1);
      b.host.wait_ns(5000);
    }
    count_reg = b.host.read32(qm::kModelDevErrorCountOffset);
  });
  EXPECT_EQ(b->qm.device_errors(), 4u);
  EXPECT_FALSE(b->qm.isolated());
  EXPECT_EQ(count_reg, 0u);
}

TEST(QmFeatures, EngineDataDmaFaultIsAnSqeStatusAndADeviceError) {
  auto b = run_bench(test_params(), [&](Bench& b) {
    b.setup_event_queues();
    b.setup_queue(0, 16, 16, kCopyAlg, 5, true);
    b.mem.set_fault_range(kSrcBase, kSrcBase + 4096);
    b.put_sqe(0, 0, 64, kSrcBase, kDstBase);
    b.host.sq_doorbell(0, 1);
    b.host.wait_ns(5000);
  });
  EXPECT_EQ(b->mem.peek_as<CopySqe>(sq_base(0)).status, 0x80u);  // the engine's status
  EXPECT_TRUE(qm::cqe_phase(b->cqe(0, 0)));
  EXPECT_EQ(b->qm.device_errors(), 1u);
  EXPECT_EQ(b->mem.peek_as<uint32_t>(kAeqBase), 0u) << "no AEQE: the SQE carries the error";
}

TEST(QmFeatures, DoorbellIsolationPagePerQueue) {
  QmParams p = test_params();
  p.use_db_isolation = true;
  auto page = [&](uint16_t q) { return p.db_isolation_base + uint64_t{q} * 0x10000; };
  auto b = run_bench(p, [&](Bench& b) {
    b.setup_event_queues();
    for (uint16_t q = 0; q < 8; ++q) {
      b.setup_queue(q, 16, 16, kCopyAlg);
      b.put_sqe(q, 0, 64, kSrcBase, kDstBase + q * 64);
      b.put_sqe(q, 1, 64, kSrcBase, kDstBase + q * 64);
    }
    for (uint16_t q = 0; q < 8; ++q) {
      // Elsewhere in the page: not a doorbell.
      b.host.write64(page(q) + 0x800, qm::encode_doorbell_v2({q, qm::kDbCmdSq, 1, 0, 0}));
      b.host.write64(page(q) + qm::kDoorbellSqCqOffsetV2,
                     qm::encode_doorbell_v2({0, qm::kDbCmdSq, 1, 0, 0}));
    }
    b.host.wait_ns(10000);
    EXPECT_EQ(b.counter("sqes"), 8u);
    // CQ doorbell through the page: consume, then re-arm with priority 1.
    b.host.write64(page(3) + qm::kDoorbellSqCqOffsetV2,
                   qm::encode_doorbell_v2({0, qm::kDbCmdCq, 1, 1, 0}));
    // EQ doorbell stays in the register BAR at 0x2000.
    b.host.write64(qm::kDoorbellEqAeqOffsetV2, qm::encode_doorbell_v2({0, qm::kDbCmdEq, 8, 0, 0}));
    b.host.write64(page(3) + qm::kDoorbellSqCqOffsetV2,
                   qm::encode_doorbell_v2({0, qm::kDbCmdSq, 2, 0, 0}));
    b.host.wait_ns(10000);
  });
  EXPECT_EQ(b->counter("sqes"), 9u);
  for (uint16_t q = 0; q < 8; ++q) EXPECT_EQ(b->cqe(q, 0).sq_num, q);
  EXPECT_EQ(b->cqe(3, 1).sq_num, 3);
  EXPECT_TRUE(qm::cqe_phase(b->cqe(3, 1)));
  // Queue 3 re-armed through its page: its second CQE raised a ninth EQE.
  EXPECT_EQ(b->mem.peek_as<uint32_t>(kEqBase + 8 * 4), qm::encode_eqe(3, true));
  EXPECT_EQ(b->counter("errors"), 0u);
}

}  // namespace
}  // namespace wdsim
