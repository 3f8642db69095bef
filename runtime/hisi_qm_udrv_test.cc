#include "runtime/hisi_qm_udrv.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "formats/qm/qm_formats.h"
#include "runtime/testing/fake_os.h"
#include "runtime/testing/fake_qm_device.h"

namespace wdsim::rt {
namespace {

using testing::FakeOs;
using testing::FakeQmDevice;
using testing::FakeUacceDevice;

constexpr uint32_t kSqeSize = 128;
constexpr uint16_t kDepth = 16;
constexpr uint16_t kQpId = 5;

// DUS size as the kernel computes it (FORMATS.md): whole pages for the SQ, the CQ and one
// status page.
uint64_t dus_size(uint32_t sqe_size, uint32_t sq_depth, uint32_t cq_depth) {
  const uint64_t page = FakeOs::kPageSize;
  return (page - 1 + uint64_t{sqe_size} * sq_depth + 16ull * cq_depth + page) / page * page;
}

// An SQE whose first 4 bytes carry a request number; the device handler stamps byte 4.
std::vector<uint8_t> make_sqes(uint32_t first_id, uint16_t n) {
  std::vector<uint8_t> buf(size_t{n} * kSqeSize, 0);
  for (uint16_t i = 0; i < n; ++i) {
    uint32_t id = first_id + i;
    std::memcpy(&buf[size_t{i} * kSqeSize], &id, sizeof(id));
  }
  return buf;
}
uint32_t sqe_id(const uint8_t* sqe) {
  uint32_t id;
  std::memcpy(&id, sqe, sizeof(id));
  return id;
}

UserDriverCosts test_costs() {
  UserDriverCosts c;
  c.send_call_ns = 10;
  c.sqe_ring_ns = 2;
  c.doorbell_compose_ns = 1;
  c.recv_call_ns = 7;
  c.cqe_process_ns = 3;
  c.poll_interval_ns = 50;
  return c;
}

class QmQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeUacceDevice dev;
    dev.name = "hisi_zip-0";
    dev.first_qp_id = kQpId;
    dev.qp_info = HisiQpInfo{kSqeSize, kDepth, kDepth, 0};
    dev.region_dus_size = dus_size(kSqeSize, kDepth, kDepth);
    os_.add_uacce_device(dev);
    device_.set_sqe_handler([](int, uint16_t slot, uint8_t* sqe, uint32_t) {
      sqe[4] = 0xA5;                        // "result" written by the device
      sqe[5] = static_cast<uint8_t>(slot);  // which slot it was in
    });
  }

  void open(bool interrupt_mode) {
    UacceQueueRequest req;
    req.algorithm = "zlib";
    ASSERT_EQ(uacce_.open(req), 0) << uacce_.last_error();
    HisiQmQueueConfig cfg;
    cfg.interrupt_mode = interrupt_mode;
    ASSERT_EQ(qm_.attach(uacce_, cfg), 0) << qm_.last_error();
  }

  std::vector<FakeQmDevice::DoorbellEvent> doorbells(uint8_t cmd) const {
    std::vector<FakeQmDevice::DoorbellEvent> out;
    for (const auto& d : device_.doorbells())
      if (d.db.cmd == cmd) out.push_back(d);
    return out;
  }

  FakeOs os_;
  FakeQmDevice device_{os_};
  UacceQueue uacce_{os_, FakeOs::kPageSize};
  HisiQmQueue qm_{os_, test_costs()};
};

TEST_F(QmQueueTest, AttachLaysRingsOverDus) {
  open(false);
  EXPECT_EQ(qm_.sq_base(), uacce_.dus_base());
  EXPECT_EQ(qm_.cq_base(), uacce_.dus_base() + kSqeSize * kDepth);
  const uint64_t dus = dus_size(kSqeSize, kDepth, kDepth);
  EXPECT_EQ(dus, 8192u);  // (4095 + 2048 + 256 + 4096) / 4096 = 2 pages
  EXPECT_EQ(qm_.tx_status_va(), uacce_.dus_base() + dus - 4);
  EXPECT_EQ(qm_.rx_status_va(), uacce_.dus_base() + dus - 8);
  EXPECT_EQ(qm_.doorbell_va(), uacce_.mmio_base() + 0x1000);
  EXPECT_EQ(qm_.qp_id(), kQpId);
  EXPECT_EQ(qm_.free_slots(), kDepth - 1u);
  EXPECT_TRUE(qm_.cq_phase());
}

TEST_F(QmQueueTest, AttachRefusesV1AndTooSmallDus) {
  FakeOs os;
  FakeUacceDevice v1;
  v1.name = "hisi_zip-0";
  v1.api = "hisi_qm_v1";
  os.add_uacce_device(v1);
  UacceQueue q(os, FakeOs::kPageSize);
  UacceQueueRequest req;
  req.algorithm = "zlib";
  ASSERT_EQ(q.open(req), 0);
  HisiQmQueue qm(os, test_costs());
  EXPECT_EQ(qm.attach(q, {}), -ENODEV);

  FakeOs os2;
  FakeUacceDevice small;
  small.name = "hisi_zip-0";
  small.region_dus_size = 4096;  // cannot hold 1024 x 128 B
  os2.add_uacce_device(small);
  UacceQueue q2(os2, FakeOs::kPageSize);
  ASSERT_EQ(q2.open(req), 0);
  HisiQmQueue qm2(os2, test_costs());
  EXPECT_EQ(qm2.attach(q2, {}), -EINVAL);
  EXPECT_FALSE(qm2.attached());
}

TEST_F(QmQueueTest, SendWrapsAndRingsOneDoorbellPerBatchWithExactValue) {
  open(false);
  device_.set_auto_complete(false);
  auto batch1 = make_sqes(100, 10);
  uint16_t sent = 0;
  ASSERT_EQ(qm_.send(batch1.data(), 10, &sent), 0);
  EXPECT_EQ(sent, 10);
  auto sq = doorbells(qm::kDbCmdSq);
  ASSERT_EQ(sq.size(), 1u);
  // qn 5 | cmd 0 << 12 | rand 0 << 16 | tail 10 << 32 | priority 0 << 48
  EXPECT_EQ(sq[0].raw, 0x0000000A00000005ull);
  EXPECT_EQ(sq[0].offset, 0x1000u);
  EXPECT_EQ(os_.barriers(), 1u);  // SQEs ordered before the doorbell

  ASSERT_EQ(device_.complete(uacce_.fd()), 10u);
  std::vector<uint8_t> out(size_t{10} * kSqeSize);
  uint16_t got = 0;
  ASSERT_EQ(qm_.recv(out.data(), 10, &got), 0);
  ASSERT_EQ(got, 10);

  // Second batch of 10 starts at slot 10: 6 slots to the end, 4 wrap to the start.
  auto batch2 = make_sqes(200, 10);
  ASSERT_EQ(qm_.send(batch2.data(), 10, &sent), 0);
  EXPECT_EQ(sent, 10);
  sq = doorbells(qm::kDbCmdSq);
  ASSERT_EQ(sq.size(), 2u);
  EXPECT_EQ(sq[1].raw, 0x0000000400000005ull);  // tail (10 + 10) % 16 = 4
  EXPECT_EQ(qm_.sq_tail(), 4);
  for (uint16_t i = 0; i < 10; ++i) {
    uint16_t slot = static_cast<uint16_t>((10 + i) % kDepth);
    uint8_t sqe[kSqeSize];
    os_.dev_read(qm_.sq_base() + uint64_t{slot} * kSqeSize, sqe, kSqeSize);
    EXPECT_EQ(sqe_id(sqe), 200u + i) << "slot " << slot;
  }
  EXPECT_EQ(device_.bad_doorbells(), 0u);
  EXPECT_EQ(os_.access_faults(), 0u);
}

TEST_F(QmQueueTest, SendChargesItsCosts) {
  open(false);
  device_.set_auto_complete(false);
  auto batch = make_sqes(0, 4);
  const Picoseconds before = os_.compute_total();
  uint16_t sent = 0;
  ASSERT_EQ(qm_.send(batch.data(), 4, &sent), 0);
  // send_call 10 ns + 4 x sqe_ring 2 ns + doorbell_compose 1 ns = 19 ns
  EXPECT_EQ(os_.compute_total() - before, 19000u);
}

TEST_F(QmQueueTest, FullRingIsEbusyUntilACompletionIsTaken) {
  open(false);
  device_.set_auto_complete(false);
  auto batch = make_sqes(0, 20);
  uint16_t sent = 0;
  ASSERT_EQ(qm_.send(batch.data(), 20, &sent), 0);
  EXPECT_EQ(sent, kDepth - 1);  // one slot stays free
  EXPECT_EQ(qm_.free_slots(), 0u);
  EXPECT_EQ(qm_.send(batch.data(), 1, &sent), -EBUSY);
  EXPECT_EQ(sent, 0);
  EXPECT_EQ(doorbells(qm::kDbCmdSq).size(), 1u);  // no doorbell for a refused send

  ASSERT_EQ(device_.complete(uacce_.fd(), 1), 1u);
  std::vector<uint8_t> out(kSqeSize);
  uint16_t got = 0;
  ASSERT_EQ(qm_.recv(out.data(), 1, &got), 0);
  EXPECT_EQ(qm_.free_slots(), 1u);
  EXPECT_EQ(qm_.send(batch.data(), 1, &sent), 0);
  EXPECT_EQ(sent, 1);
}

TEST_F(QmQueueTest, RecvFollowsPhaseAcrossManyWraps) {
  open(false);
  const uint32_t kRequests = 5000;
  uint32_t next_send = 0;
  uint32_t next_recv = 0;
  std::vector<uint8_t> out(size_t{kDepth} * kSqeSize);
  uint32_t step = 0;
  while (next_recv < kRequests) {
    // Batches of 1..7 SQEs, as many as fit.
    uint16_t want = static_cast<uint16_t>(1 + (step++ % 7));
    want = static_cast<uint16_t>(std::min<uint32_t>(want, kRequests - next_send));
    if (want > 0 && qm_.free_slots() > 0) {
      auto batch = make_sqes(next_send, want);
      uint16_t sent = 0;
      ASSERT_EQ(qm_.send(batch.data(), want, &sent), 0);
      next_send += sent;
    }
    // Take up to 5 at a time so the CQ head and the SQ tail drift apart.
    uint16_t got = 0;
    int ret = qm_.recv(out.data(), 5, &got);
    ASSERT_TRUE(ret == 0 || ret == -EAGAIN) << ret;
    for (uint16_t i = 0; i < got; ++i) {
      const uint8_t* sqe = &out[size_t{i} * kSqeSize];
      ASSERT_EQ(sqe_id(sqe), next_recv) << "out of order or stale entry";
      ASSERT_EQ(sqe[4], 0xA5);
      ASSERT_EQ(sqe[5], next_recv % kDepth);
      ++next_recv;
    }
  }
  EXPECT_EQ(qm_.in_flight(), 0u);
  EXPECT_EQ(qm_.cq_head(), kRequests % kDepth);
  EXPECT_EQ(qm_.cq_phase(), (kRequests / kDepth) % 2 == 0);
  // One CQ doorbell per CQE, each naming the new head, priority 0 in polling mode.
  auto cq = doorbells(qm::kDbCmdCq);
  ASSERT_EQ(cq.size(), kRequests);
  for (uint32_t i = 0; i < kRequests; ++i) {
    const uint64_t head = (i + 1) % kDepth;
    ASSERT_EQ(cq[i].raw, kQpId | (1ull << 12) | (head << 32)) << i;
  }
  uint16_t got = 0;
  EXPECT_EQ(qm_.recv(out.data(), 1, &got), -EAGAIN);
  EXPECT_EQ(device_.bad_doorbells(), 0u);
  EXPECT_EQ(os_.access_faults(), 0u);
}

TEST_F(QmQueueTest, ResponseComesFromTheSlotTheCqeNames) {
  open(false);
  device_.set_auto_complete(false);
  auto batch = make_sqes(40, 3);  // slots 0, 1, 2 carry ids 40, 41, 42
  uint16_t sent = 0;
  ASSERT_EQ(qm_.send(batch.data(), 3, &sent), 0);
  ASSERT_EQ(device_.complete_slots(uacce_.fd(), {2, 0, 1}), 3u);
  std::vector<uint8_t> out(size_t{3} * kSqeSize);
  uint16_t got = 0;
  ASSERT_EQ(qm_.recv(out.data(), 3, &got), 0);
  ASSERT_EQ(got, 3);
  EXPECT_EQ(sqe_id(&out[0]), 42u);
  EXPECT_EQ(sqe_id(&out[kSqeSize]), 40u);
  EXPECT_EQ(sqe_id(&out[2 * kSqeSize]), 41u);
  EXPECT_EQ(out[5], 2);  // written back by the device into slot 2
}

TEST_F(QmQueueTest, CqeNamingASlotOutsideTheRingIsEio) {
  open(false);
  qm::Cqe bad = qm::make_cqe(/*sq_head=*/100, kQpId, /*phase=*/true);
  os_.dev_write(qm_.cq_base(), &bad, sizeof(bad));
  std::vector<uint8_t> out(kSqeSize);
  uint16_t got = 0;
  EXPECT_EQ(qm_.recv(out.data(), 1, &got), -EIO);
  EXPECT_EQ(got, 0);
  EXPECT_NE(qm_.last_error().find("100"), std::string::npos);
}

TEST_F(QmQueueTest, InterruptModeCqDoorbellCarriesPriorityAndWaitSleeps) {
  open(true);
  device_.set_auto_complete(false);
  const int fd = uacce_.fd();
  const Picoseconds kDeviceDone = 3000000;  // device completes 3 us later
  const Picoseconds start = os_.now();
  os_.set_idle_handler([&] {
    if (os_.now() - start >= kDeviceDone) device_.complete(fd);
  });
  auto batch = make_sqes(7, 1);
  uint16_t sent = 0;
  ASSERT_EQ(qm_.send(batch.data(), 1, &sent), 0);
  std::vector<uint8_t> out(kSqeSize);
  uint16_t got = 0;
  ASSERT_EQ(qm_.wait_and_recv(out.data(), 1, &got, 1000000000), 0) << qm_.last_error();
  EXPECT_EQ(got, 1);
  EXPECT_EQ(sqe_id(out.data()), 7u);
  EXPECT_GE(os_.interrupt_waits(), 1u);
  EXPECT_EQ(os_.poll_calls(), 0u);
  EXPECT_GE(os_.now() - start, kDeviceDone);
  auto cq = doorbells(qm::kDbCmdCq);
  ASSERT_EQ(cq.size(), 1u);
  // qn 5 | cmd 1 << 12 | head 1 << 32 | priority 1 << 48: re-arms the interrupt.
  EXPECT_EQ(cq[0].raw, 0x0001000100001005ull);
  EXPECT_EQ(device_.interrupts(), 1u);
}

TEST_F(QmQueueTest, PollingWaitUsesOnePollAndWakesAtTheNextPollBoundary) {
  open(false);
  device_.set_auto_complete(false);
  const int fd = uacce_.fd();
  const Picoseconds start = os_.now();
  const Picoseconds kDeviceDone = 1234000;
  os_.set_idle_handler([&] {
    if (os_.now() - start >= kDeviceDone) device_.complete(fd);
  });
  auto batch = make_sqes(1, 1);
  uint16_t sent = 0;
  ASSERT_EQ(qm_.send(batch.data(), 1, &sent), 0);
  const Picoseconds after_send = os_.now();
  std::vector<uint8_t> out(kSqeSize);
  uint16_t got = 0;
  ASSERT_EQ(qm_.wait_and_recv(out.data(), 1, &got, 1000000000), 0);
  EXPECT_EQ(os_.poll_calls(), 1u);
  EXPECT_EQ(os_.interrupt_waits(), 0u);
  // The poller sees the CQE at the first 50 ns boundary at or after the device wrote it.
  const Picoseconds poll_start = after_send + 7000;  // recv_call_ns of the first, empty recv
  const Picoseconds polls = (start + kDeviceDone - poll_start + 49999) / 50000;
  EXPECT_EQ(os_.busy_poll_total(), polls * 50000);
  EXPECT_EQ(doorbells(qm::kDbCmdCq)[0].raw, 0x0000000100001005ull);  // priority 0
}

TEST_F(QmQueueTest, WaitTimesOut) {
  open(false);
  device_.set_auto_complete(false);
  auto batch = make_sqes(1, 1);
  uint16_t sent = 0;
  ASSERT_EQ(qm_.send(batch.data(), 1, &sent), 0);
  const Picoseconds t0 = os_.now();
  std::vector<uint8_t> out(kSqeSize);
  uint16_t got = 0;
  EXPECT_EQ(qm_.wait_and_recv(out.data(), 1, &got, 5000000), -ETIMEDOUT);
  EXPECT_GE(os_.now() - t0, 5000000u);
}

TEST_F(QmQueueTest, StoppedQueueIsEio) {
  open(false);
  device_.set_auto_complete(false);
  auto batch = make_sqes(1, 2);
  uint16_t sent = 0;
  ASSERT_EQ(qm_.send(batch.data(), 1, &sent), 0);
  device_.stop_queue(uacce_.fd(), /*tx=*/false, /*rx=*/true);
  std::vector<uint8_t> out(kSqeSize);
  uint16_t got = 0;
  EXPECT_EQ(qm_.recv(out.data(), 1, &got), -EIO);
  EXPECT_EQ(qm_.wait_and_recv(out.data(), 1, &got, 1000000), -EIO);
  EXPECT_NE(qm_.last_error().find("stopped"), std::string::npos);

  device_.stop_queue(uacce_.fd(), /*tx=*/true, /*rx=*/false);
  const size_t sq_before = doorbells(qm::kDbCmdSq).size();
  EXPECT_EQ(qm_.send(batch.data(), 1, &sent), -EIO);
  EXPECT_EQ(sent, 0);
  EXPECT_EQ(doorbells(qm::kDbCmdSq).size(), sq_before);  // nothing rung
  EXPECT_NE(qm_.last_error().find("tx status"), std::string::npos);
}

// The costs' declaration (unit, description, source per key) is tested where it lives now,
// sim/system/runtime_cost_params_test.cc.
TEST(UserDriverCostsTest, NsToPsRoundsAndClampsAtZero) {
  EXPECT_EQ(ns_to_ps(1.5), 1500u);
  EXPECT_EQ(ns_to_ps(-1), 0u);
}

}  // namespace
}  // namespace wdsim::rt

namespace wdsim::rt {
namespace {

TEST(SimSpinLockTest, FreeLockIsFreeAndAHeldOneSpinsChargedThenGivesUp) {
  testing::FakeOs os;
  SimSpinLock lock;
  ASSERT_TRUE(lock.lock(os, 50000, 1000000));
  EXPECT_EQ(os.compute_total(), 0u);  // uncontended: no spin
  EXPECT_TRUE(lock.held());
  // Nobody releases it: the contender burns CPU in 50 ns slices, then gives up.
  EXPECT_FALSE(lock.lock(os, 50000, 1000000));
  EXPECT_EQ(os.compute_total(), 1000000u);
  EXPECT_EQ(lock.contended_spins(), 20u);
  lock.unlock();
  EXPECT_TRUE(lock.lock(os, 50000, 1000000));
}

}  // namespace
}  // namespace wdsim::rt
