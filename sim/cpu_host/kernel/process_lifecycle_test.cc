// The kernel side of a process's lifecycle with a real QM + ZIP behind PCIe and an SMMU
// (testing/zip_sva_testbench.h): kill and exit with a request in flight (STOP_QP drains, the
// queue goes back, the SVA bond is unbound, and only then is the PASID free; no DMA of the
// PASID reaches memory after the unbind), PUT_Q, munmap of a buffer under an in-flight request
// (IOTLB and ATC invalidated before munmap returns, the device's next access faults, the request
// completes with the ZIP's DMA-fault status, the freed frames get nothing written even once
// another process owns them), fork (memory copied, files shared, device mappings dropped, no
// SVA bond), the simulated SIGSEGV of a fork child touching its parent's ring, the PASID's
// per-mm lifetime, and several processes starting queues and unmapping at the same time.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <gtest/gtest.h>

#include <csignal>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "formats/uacce/uacce.h"
#include "sim/accel/zip/zip_codec.h"
#include "sim/cpu_host/kernel/simulated_signal.h"
#include "sim/cpu_host/kernel/testing/zip_sva_testbench.h"

namespace wdsim {
namespace {

using testing::run_testbench;
using testing::ZipQueue;
using testing::ZipSvaOptions;
using testing::ZipSvaTestbench;

constexpr uint64_t kPage = 4096;
constexpr uint32_t kLen = 64 * 1024;          // request input
constexpr uint32_t kCap = kLen + 4096;        // destination: room for stored blocks
const sc_core::sc_time kWaitLong = ns(10e6);  // 10 ms: far more than any request here

std::vector<uint8_t> text_data(size_t n, unsigned salt) {
  std::vector<uint8_t> d(n);
  for (size_t i = 0; i < n; ++i) d[i] = static_cast<uint8_t>('a' + (i / 7 + salt) % 26);
  return d;
}

// The physical frame of every 4 KiB page of [va, va + len) (0 where unmapped).
std::vector<uint64_t> frames_of(const Process& p, uint64_t va, uint64_t len) {
  std::vector<uint64_t> out;
  for (uint64_t off = 0; off < len; off += kPage) out.push_back(p.translate(va + off).value_or(0));
  return out;
}

// A populated buffer holding `data`.
uint64_t buffer_with(HostThread& t, const std::vector<uint8_t>& data) {
  int err = 0;
  const uint64_t va = t.mmap_anonymous(data.size(), /*populate=*/true, &err);
  EXPECT_EQ(err, 0);
  t.process().write(va, data.data(), data.size());
  return va;
}

// Whether the device's raw deflate output at dst (sqe.produced bytes) inflates to `want`.
bool inflates_to(const Process& p, uint64_t dst, const ZipSqe& sqe,
                 const std::vector<uint8_t>& want) {
  std::vector<uint8_t> out(sqe.produced);
  if (!p.read(dst, out.data(), out.size())) return false;
  ZipCodecResult r = zip_decompress(kZipReqDeflate, out.data(), out.size(),
                                    static_cast<uint32_t>(want.size() + kPage), false);
  return r.status == kZipStatusOk && r.output == want;
}

// Compresses `data` on q and checks the result; returns the completion status (0xff: none).
uint8_t compress_and_check(HostThread& t, ZipQueue& q, const std::vector<uint8_t>& data,
                           uint32_t tag) {
  const uint64_t src = buffer_with(t, data);
  int err = 0;
  const uint64_t dst = t.mmap_anonymous(kCap, true, &err);
  EXPECT_EQ(q.send(src, static_cast<uint32_t>(data.size()), dst, kCap, tag), 0);
  ZipSqe out{};
  if (q.wait(&out, kWaitLong) != 0) return 0xff;
  EXPECT_EQ(out.tag(), tag);
  EXPECT_TRUE(inflates_to(t.process(), dst, out, data));
  return out.status();
}

// Trace lines are in time order; `needles` must appear in this order.
void expect_in_order(const ZipSvaTestbench& tb, const std::vector<std::string>& needles) {
  int previous = -1;
  for (const std::string& n : needles) {
    int line = -1;
    tb.trace_time(n, &line);
    EXPECT_GT(line, previous) << n;
    previous = line;
  }
}

// ---- 1. Kill and exit with requests in flight ----------------------------------------------

TEST(ProcessLifecycle, KillWithARequestInFlightDrainsUnbindsAndOnlyThenFreesThePasid) {
  SimEnv env(1);
  ASSERT_TRUE(run_testbench({}, env, [&](ZipSvaTestbench& tb) {
    Kernel& k = tb.kernel();
    const uint32_t avail0 = tb.available_instances();
    Process& a = k.create_process();
    HostThread ta(k, a, "a");
    ZipQueue qa(ta);
    ASSERT_EQ(qa.open(), 0) << qa.last_error();
    EXPECT_EQ(tb.available_instances(), avail0 - 1);
    const uint16_t qp = qa.qp_id();
    const uint32_t pasid = tb.smmu_driver().pasid_of(a.pid()).value();
    // The source is untouched: the engine's read of it faults and stalls in the SMMU, so the
    // request is inside the device, its DMA not done, when the process dies.
    int err = 0;
    const uint64_t src = ta.mmap_anonymous(kLen, /*populate=*/false, &err);
    const uint64_t dst = ta.mmap_anonymous(kCap, /*populate=*/true, &err);
    const std::vector<uint64_t> dst_frames = frames_of(a, dst, kCap);
    ASSERT_EQ(qa.send(src, kLen, dst, kCap, 1), 0);
    while (tb.smmu().stalls().held() == 0) sc_core::wait(tb.smmu().event_posted());
    ASSERT_EQ(tb.qm().in_flight(qp), 1u);

    CpuContext killer;
    const sc_core::sc_time t_kill = sc_core::sc_time_stamp();
    k.kill_process(a, killer, SIGKILL);
    const sc_core::sc_time t_done = sc_core::sc_time_stamp();

    // How it ended, as the system reads it.
    EXPECT_EQ(a.state(), ProcessState::kKilled);
    const ProcessRecord* rec = k.process_record(a.pid());
    ASSERT_NE(rec, nullptr);
    EXPECT_EQ(rec->state, ProcessState::kKilled);
    EXPECT_EQ(rec->signal, SIGKILL);
    EXPECT_EQ(rec->wait_status, SIGKILL);  // WIFSIGNALED, WTERMSIG = 9
    EXPECT_EQ(rec->exit_started, t_kill);
    EXPECT_EQ(rec->ended, t_done);
    // The device: drained and stopped; the request completed (a CQE, no hang) with the ZIP's
    // read-fault status, since the dead mm's quiet CD made the fault handler abort the stall.
    EXPECT_EQ(tb.qm().in_flight(qp), 0u);
    EXPECT_FALSE(tb.qm().queue_started(qp));
    EXPECT_EQ(tb.counter("qm.cqes"), 1u);
    EXPECT_EQ(tb.counter("zip.errors.dma_read_fault"), 1u);
    EXPECT_EQ(tb.counter("smmu.stall.answers.abort"), 1u);
    EXPECT_EQ(tb.counter("smmu.stall.answers.retry"), 0u);
    EXPECT_EQ(tb.available_instances(), avail0);
    EXPECT_FALSE(tb.smmu_driver().pasid_of(a.pid()).has_value());
    // The teardown's order: CD quiesced, STOP_QP drained, queue released, bond unbound, PASID
    // freed (mm dropped), process gone.
    expect_in_order(tb, {"host.kernel process_kill pid=100 signo=9",
                         "host.smmu_drv mm_release pasid=" + std::to_string(pasid),
                         "qm mailbox cmd=8 qp=" + std::to_string(qp),
                         "zip sqe_done qp=" + std::to_string(qp) + " sqe=0 status=dma_read_fault",
                         "qm queue_stopped qp=" + std::to_string(qp),
                         "host.smmu_drv sva_unbind sid=0 pasid=" + std::to_string(pasid),
                         "host.uacce release dev=hisi_zip-0 pid=100",
                         "host.smmu_drv pasid_free pid=100 pasid=" + std::to_string(pasid),
                         "host.kernel process_exit pid=100 status=killed signo=9"});
    // No DMA of the PASID went through once the CD was quiesced, none was even tried after
    // the unbind, and nothing was written to the process's destination after the kill.
    const sc_core::sc_time t_release = tb.trace_time("host.smmu_drv mm_release");
    const sc_core::sc_time t_unbind = tb.trace_time("host.smmu_drv sva_unbind");
    EXPECT_GT(tb.dma_log().count_pasid(pasid, sc_core::SC_ZERO_TIME, false), 0u);
    EXPECT_EQ(tb.dma_log().count_pasid(pasid, t_release, /*ok_only=*/true), 0u);
    EXPECT_EQ(tb.dma_log().count_pasid(pasid, t_unbind, /*ok_only=*/false), 0u);
    for (uint64_t f : dst_frames) EXPECT_EQ(tb.mem_log().count(f, kPage, t_kill), 0u);

    // The dead process's thread: memory accesses are SIGKILL, system calls fail quietly.
    EXPECT_EQ(ta.open(std::string("/dev/") + ZipSvaTestbench::kDevName), -ESRCH);
    try {
      uint32_t v = 0;
      ta.load(dst, &v, sizeof v);
      ADD_FAILURE() << "load of a dead process returned";
    } catch (const SimulatedSignal& s) {
      EXPECT_EQ(s.signo, SIGKILL);
      EXPECT_EQ(s.what_thread, "a");
    }

    // The PASID is handed out again only now: the next process gets it, and its queue works.
    Process& b = k.create_process();
    HostThread tb_b(k, b, "b");
    ZipQueue qb(tb_b);
    ASSERT_EQ(qb.open(), 0) << qb.last_error();
    EXPECT_EQ(tb.smmu_driver().pasid_of(b.pid()), pasid);
    EXPECT_GT(tb.trace_time("host.smmu_drv sva_bind sid=0 pid=101"), t_done);
    EXPECT_EQ(compress_and_check(tb_b, qb, text_data(kLen, 1), 7), kZipStatusOk);
    EXPECT_EQ(tb.available_instances(), avail0 - 1);
  }));
}

TEST(ProcessLifecycle, KillWhileTheEngineComputesLetsEveryWriteLandBeforeUnbindAndFree) {
  // The engine issues its destination write (loosely timed) with the completion time of its
  // compute; the drain waits for that, so the write lands before the unbind, and the frames
  // are freed after it.
  SimEnv env(1);
  ASSERT_TRUE(run_testbench({}, env, [&](ZipSvaTestbench& tb) {
    Kernel& k = tb.kernel();
    Process& a = k.create_process();
    HostThread ta(k, a, "a");
    ZipQueue qa(ta);
    ASSERT_EQ(qa.open(), 0) << qa.last_error();
    const uint16_t qp = qa.qp_id();
    const uint32_t pasid = tb.smmu_driver().pasid_of(a.pid()).value();
    constexpr uint32_t kBig = 256 * 1024;  // ~220 us on one 1.2 GB/s compression core
    const uint64_t src = buffer_with(ta, text_data(kBig, 2));
    int err = 0;
    const uint64_t dst = ta.mmap_anonymous(kBig + kPage, true, &err);
    std::vector<uint64_t> frames = frames_of(a, src, kBig);
    for (uint64_t f : frames_of(a, dst, kBig + kPage)) frames.push_back(f);
    ASSERT_EQ(qa.send(src, kBig, dst, kBig + kPage, 1), 0);
    while (tb.qm().in_flight(qp) == 0) sc_core::wait(ns(100));
    sc_core::wait(ns(5000));
    // Another process opens the device while a's teardown waits for the drain: it must not
    // get a's PASID.
    Process& b = k.create_process();
    HostThread tb_b(k, b, "b");
    ZipQueue qb(tb_b);
    sc_core::sc_time b_bound;
    auto opener = tb.spawn("opener", [&] {
      sc_core::wait(ns(20000));
      ASSERT_EQ(qb.open(), 0) << qb.last_error();
      b_bound = sc_core::sc_time_stamp();
    });
    CpuContext killer;
    const sc_core::sc_time t_kill = sc_core::sc_time_stamp();
    k.kill_process(a, killer, SIGKILL);
    ZipSvaTestbench::join(opener);
    const ProcessRecord* rec = k.process_record(a.pid());
    const sc_core::sc_time b_bind = tb.trace_time("host.smmu_drv sva_bind sid=0 pid=101");
    EXPECT_GT(b_bind, t_kill);
    EXPECT_LT(b_bind, rec->ended);
    EXPECT_GT(b_bound, b_bind);
    EXPECT_NE(tb.smmu_driver().pasid_of(b.pid()), pasid);
    const sc_core::sc_time t_unbind = tb.trace_time("host.smmu_drv sva_unbind");
    const sc_core::sc_time t_cqe = tb.trace_time("qm cqe qp=" + std::to_string(qp));
    EXPECT_EQ(tb.qm().in_flight(qp), 0u);
    EXPECT_EQ(tb.counter("qm.cqes"), 1u);
    // The kill waited for the device: the CQE came long after the kill, before the unbind.
    EXPECT_GT(t_cqe, t_kill + ns(100000));
    EXPECT_LT(t_cqe, t_unbind);
    EXPECT_LE(t_unbind, rec->ended);
    size_t written = 0;
    for (uint64_t f : frames) {
      if (tb.mem_log().count(f, kPage, sc_core::SC_ZERO_TIME) == 0) continue;
      ++written;
      EXPECT_LT(tb.mem_log().last_arrival(f, kPage), t_unbind);
    }
    EXPECT_GT(written, 0u);  // the destination was written, before the unbind
    EXPECT_EQ(tb.dma_log().count_pasid(pasid, t_unbind, false), 0u);
    // Once a is gone its PASID is the lowest free one again.
    Process& c = k.create_process();
    HostThread tc(k, c, "c");
    ZipQueue qc(tc);
    ASSERT_EQ(qc.open(), 0) << qc.last_error();
    EXPECT_EQ(tb.smmu_driver().pasid_of(c.pid()), pasid);
  }));
}

TEST(ProcessLifecycle, KillWakesAThreadAsleepOnItsQueueAndWaitsForItToLeaveTheKernel) {
  SimEnv env(1);
  ASSERT_TRUE(run_testbench({}, env, [&](ZipSvaTestbench& tb) {
    Kernel& k = tb.kernel();
    const uint32_t avail0 = tb.available_instances();
    Process& a = k.create_process();
    HostThread ta(k, a, "a");
    HostThread ta2(k, a, "a.waiter");
    ZipQueue qa(ta);
    ASSERT_EQ(qa.open(), 0) << qa.last_error();
    int woke = 0;
    sc_core::sc_time woke_at;
    auto waiter = tb.spawn("waiter", [&] {
      woke = ta2.wait_interrupt(qa.fd(), to_ps(ns(1e9)));  // no request: only a signal wakes it
      woke_at = sc_core::sc_time_stamp();
    });
    // A third thread busy-polls the CQ (not in the kernel): it gets SIGKILL at its next poll.
    HostThread ta3(k, a, "a.poller");
    int poll_signo = 0;
    sc_core::sc_time poll_at;
    auto poller = tb.spawn("poller", [&] {
      try {
        ZipSqe sqe{};
        uint16_t got = 0;
        qa.hisi().wait_and_recv(ta3, &sqe, 1, &got, to_ps(ns(1e9)));
        ADD_FAILURE() << "the poll returned";
      } catch (const SimulatedSignal& s) {
        poll_signo = s.signo;
        poll_at = sc_core::sc_time_stamp();
      }
    });
    sc_core::wait(ns(10000));
    const sc_core::sc_time t_kill = sc_core::sc_time_stamp();
    CpuContext killer;
    k.kill_process(a, killer, SIGKILL);
    ZipSvaTestbench::join(waiter);
    ZipSvaTestbench::join(poller);
    EXPECT_EQ(poll_signo, SIGKILL);
    EXPECT_GE(poll_at, t_kill);
    EXPECT_LT(poll_at, t_kill + ns(1000));  // woken by the signal, not by the 1 s timeout
    EXPECT_EQ(woke, -EINTR);
    EXPECT_EQ(woke_at, t_kill + ns(tb.options().costs.syscall_exit_ns));
    // The teardown started after the sleeper left the kernel, and still returned the queue.
    EXPECT_GE(tb.trace_time("host.smmu_drv mm_release"),
              woke_at - ns(tb.options().costs.syscall_exit_ns));
    EXPECT_EQ(tb.available_instances(), avail0);
    EXPECT_EQ(k.process_record(a.pid())->state, ProcessState::kKilled);
  }));
}

TEST(ProcessLifecycle, ExitRecordsTheCodeAndReturnsTheQueue) {
  SimEnv env(1);
  ASSERT_TRUE(run_testbench({}, env, [&](ZipSvaTestbench& tb) {
    Kernel& k = tb.kernel();
    const uint32_t avail0 = tb.available_instances();
    Process& a = k.create_process();
    HostThread ta(k, a, "a");
    ZipQueue qa(ta);
    ASSERT_EQ(qa.open(), 0) << qa.last_error();
    EXPECT_EQ(compress_and_check(ta, qa, text_data(kLen, 3), 1), kZipStatusOk);
    k.exit_process(a, ta.cpu(), 3);
    const ProcessRecord* rec = k.process_record(a.pid());
    ASSERT_NE(rec, nullptr);
    EXPECT_EQ(rec->state, ProcessState::kExited);
    EXPECT_EQ(rec->exit_code, 3);
    EXPECT_EQ(rec->wait_status, 3 << 8);  // WIFEXITED, WEXITSTATUS = 3
    EXPECT_EQ(tb.available_instances(), avail0);
    EXPECT_NE(tb.trace_time("host.kernel process_exit pid=100 status=exited code=3"),
              sc_core::SC_ZERO_TIME);
    // A second exit or kill of an ended process changes nothing.
    k.kill_process(a, ta.cpu(), SIGKILL);
    EXPECT_EQ(k.process_record(a.pid())->state, ProcessState::kExited);
    EXPECT_EQ(a.mapping_starts().size(), 0u);
  }));
}

TEST(ProcessLifecycle, PutQStopsTheQueueAndReturnsTheInstanceBeforeClose) {
  SimEnv env(1);
  ASSERT_TRUE(run_testbench({}, env, [&](ZipSvaTestbench& tb) {
    Kernel& k = tb.kernel();
    const uint32_t avail0 = tb.available_instances();
    Process& a = k.create_process();
    HostThread ta(k, a, "a");
    ZipQueue qa(ta);
    ASSERT_EQ(qa.open(), 0) << qa.last_error();
    const uint16_t qp = qa.qp_id();
    ASSERT_TRUE(tb.qm().queue_started(qp));
    EXPECT_EQ(ta.ioctl(qa.fd(), rt::kUacceCmdPutQ, nullptr), 0);
    EXPECT_FALSE(tb.qm().queue_started(qp));  // STOP_QP went out
    EXPECT_EQ(tb.available_instances(), avail0);
    EXPECT_EQ(ta.ioctl(qa.fd(), rt::kUacceCmdStartQ, nullptr), -ENXIO);
    // Another process gets the queue pair while a still holds its file, and a's close does not
    // disturb it.
    Process& b = k.create_process();
    HostThread tb_b(k, b, "b");
    ZipQueue qb(tb_b);
    ASSERT_EQ(qb.open(), 0) << qb.last_error();
    EXPECT_EQ(qb.qp_id(), qp);
    qa.close();
    EXPECT_TRUE(tb.qm().queue_started(qp));
    EXPECT_EQ(compress_and_check(tb_b, qb, text_data(kLen, 4), 9), kZipStatusOk);
  }));
}

// ---- 2. munmap under an in-flight request --------------------------------------------------

class MunmapUnderRequest : public ::testing::TestWithParam<bool> {};

TEST_P(MunmapUnderRequest, InvalidatesBeforeReturningAndTheRequestFailsWithoutTouchingTheFrames) {
  const bool ats = GetParam();
  SimEnv env(1);
  ZipSvaOptions o;
  o.ats = ats;  // ATS: the device's ATC caches translations; faults go through PRI
  // A slow fault handler keeps the second request's source fault open while the test unmaps.
  o.costs.iopf_handler_ns = 20000;
  ASSERT_TRUE(run_testbench(o, env, [&](ZipSvaTestbench& tb) {
    Kernel& k = tb.kernel();
    Process& a = k.create_process();
    HostThread ta(k, a, "a");
    ZipQueue qa(ta);
    ASSERT_EQ(qa.open(), 0) << qa.last_error();
    // Request 1 writes dst: its translations are now in the IOTLB (and the ATC).
    const std::vector<uint8_t> data = text_data(kLen, 5);
    const uint64_t src1 = buffer_with(ta, data);
    int err = 0;
    const uint64_t dst = ta.mmap_anonymous(kCap, true, &err);
    ASSERT_EQ(qa.send(src1, kLen, dst, kCap, 1), 0);
    ZipSqe out{};
    ASSERT_EQ(qa.wait(&out, kWaitLong), 0);
    ASSERT_EQ(out.status(), kZipStatusOk);
    const std::vector<uint64_t> dst_frames = frames_of(a, dst, kCap);
    // Request 2 reads an untouched source: it sits in its fault when dst goes away.
    const uint64_t src2 = ta.mmap_anonymous(kLen, /*populate=*/false, &err);
    ASSERT_EQ(qa.send(src2, kLen, dst, kCap, 2), 0);
    if (ats) {
      while (tb.counter("qm.ats.page_requests") == 0) sc_core::wait(tb.smmu().priq_posted());
    } else {
      while (tb.smmu().stalls().held() == 0) sc_core::wait(tb.smmu().event_posted());
    }
    const uint64_t iotlb_before = tb.counter("smmu.iotlb.invalidated");
    const uint64_t atc_before = tb.counter("qm.ats.atc.invalidated");
    const sc_core::sc_time t_munmap = sc_core::sc_time_stamp();
    ASSERT_EQ(ta.munmap(dst, kCap), 0);
    // Before munmap returned: the SMMU's TLB entries for dst are gone (and the device's ATC
    // entries, CMD_ATC_INV completing before the SYNC).
    EXPECT_GT(tb.counter("smmu.iotlb.invalidated"), iotlb_before);
    if (ats) {
      EXPECT_GT(tb.counter("qm.ats.atc.invalidated"), atc_before);
    }
    EXPECT_EQ(tb.counter("qm.cqes"), 1u);  // request 2 is still in flight
    // Another process takes the freed frames and fills them.
    Process& b = k.create_process();
    HostThread tb_b(k, b, "b");
    const uint64_t vb = tb_b.mmap_anonymous(kCap, true, &err);
    const std::vector<uint64_t> b_frames = frames_of(b, vb, kCap);
    const std::set<uint64_t> freed(dst_frames.begin(), dst_frames.end());
    size_t reused = 0;
    for (uint64_t f : b_frames) reused += freed.count(f);
    EXPECT_GT(reused, 0u);
    const std::vector<uint8_t> pattern = text_data(kCap, 6);
    b.write(vb, pattern.data(), pattern.size());
    // Request 2 completes (no hang) with the ZIP's write-fault status and no output.
    ASSERT_EQ(qa.wait(&out, kWaitLong), 0);
    EXPECT_EQ(out.tag(), 2u);
    EXPECT_EQ(out.status(), kZipStatusDmaWriteFault);
    EXPECT_EQ(out.produced, 0u);
    EXPECT_EQ(tb.counter("zip.errors.dma_write_fault"), 1u);
    if (ats) {
      EXPECT_EQ(tb.counter("qm.ats.prg_responses.invalid"), 1u);  // dst: no mapping
    } else {
      EXPECT_EQ(tb.counter("smmu.stall.answers.retry"), kLen / kPage);  // src2, page by page
      EXPECT_EQ(tb.counter("smmu.stall.answers.abort"), 1u);            // dst: no mapping
    }
    // The freed frames: no device write since the munmap; b's bytes are intact.
    for (uint64_t f : dst_frames) EXPECT_EQ(tb.mem_log().count(f, kPage, t_munmap), 0u) << f;
    std::vector<uint8_t> now(pattern.size());
    ASSERT_TRUE(b.read(vb, now.data(), now.size()));
    EXPECT_EQ(now, pattern);
  }));
}

INSTANTIATE_TEST_SUITE_P(SmmuAndAts, MunmapUnderRequest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& i) {
                           return i.param ? std::string("Ats") : std::string("Smmu");
                         });

// ---- 3. fork -------------------------------------------------------------------------------

TEST(ProcessLifecycle, ForkCopiesMemorySharesFilesAndDropsTheDeviceMappings) {
  SimEnv env(1);
  ASSERT_TRUE(run_testbench({}, env, [&](ZipSvaTestbench& tb) {
    Kernel& k = tb.kernel();
    Process& a = k.create_process();
    HostThread ta(k, a, "a");
    ZipQueue qa(ta);
    ASSERT_EQ(qa.open(), 0) << qa.last_error();
    const std::vector<uint8_t> data = text_data(3 * kPage, 7);
    const uint64_t buf = buffer_with(ta, data);
    int err = 0;
    const uint64_t untouched = ta.mmap_anonymous(2 * kPage, /*populate=*/false, &err);
    const std::vector<Vma> device = a.device_mappings();
    ASSERT_EQ(device.size(), 2u);  // the doorbell page and the DUS ring
    const uint64_t copied_before = tb.counter("host.kernel.fork_pages_copied");

    const sc_core::sc_time busy_before = ta.cpu().busy_time();
    Process& c = ta.fork();
    const sc_core::sc_time busy = ta.cpu().busy_time() - busy_before;

    const HostCostParams& costs = tb.options().costs;
    const uint64_t pages = tb.counter("host.kernel.fork_pages_copied") - copied_before;
    EXPECT_EQ(pages, 3u);  // buf's pages; untouched and device pages are not copied
    EXPECT_EQ(busy, ns(costs.syscall_entry_ns) +
                        ns(costs.fork_ns + costs.fork_page_ns * static_cast<double>(pages)) +
                        ns(costs.syscall_exit_ns));
    EXPECT_TRUE(c.alive());
    EXPECT_EQ(c.parent_pid(), a.pid());
    EXPECT_EQ(k.process_record(c.pid())->parent_pid, a.pid());
    // Memory: the same bytes in other frames; writes stay private.
    std::vector<uint8_t> seen(data.size());
    ASSERT_TRUE(c.read(buf, seen.data(), seen.size()));
    EXPECT_EQ(seen, data);
    EXPECT_NE(c.translate(buf), a.translate(buf));
    const uint8_t x = 0x5a;
    ASSERT_TRUE(c.write(buf, &x, 1));
    ASSERT_TRUE(a.read(buf, seen.data(), seen.size()));
    EXPECT_EQ(seen, data);
    EXPECT_TRUE(c.is_untouched_anonymous(untouched));
    // Device mappings: VM_DONTCOPY.
    for (const Vma& v : device) {
      EXPECT_EQ(c.find_vma(v.start), nullptr);
      EXPECT_FALSE(c.translate(v.start).has_value());
    }
    EXPECT_TRUE(c.device_mappings().empty());
    // Files: the child's fd is the parent's open file (two references).
    EXPECT_EQ(k.file_refs(a, qa.fd()), 2);
    EXPECT_EQ(k.file_refs(c, qa.fd()), 2);
    // No SVA bond for the child: no PASID, no device bound.
    EXPECT_FALSE(tb.smmu_driver().pasid_of(c.pid()).has_value());
    EXPECT_EQ(tb.smmu_driver().devices_bound(c.pid()), 0);
    EXPECT_EQ(tb.smmu_driver().devices_bound(a.pid()), 1);
    // The child opens the device itself: its own queue and its own PASID.
    HostThread tc(k, c, "child");
    ZipQueue qc(tc);
    ASSERT_EQ(qc.open(), 0) << qc.last_error();
    EXPECT_NE(tb.smmu_driver().pasid_of(c.pid()), tb.smmu_driver().pasid_of(a.pid()));
    EXPECT_EQ(compress_and_check(tc, qc, text_data(kLen, 8), 3), kZipStatusOk);
  }));
}

// ---- 4. Simulated signals ------------------------------------------------------------------

TEST(ProcessLifecycle, ForkChildTouchingTheParentsRingGetsSigsegvAndTheParentQueueWorks) {
  SimEnv env(1);
  ASSERT_TRUE(run_testbench({}, env, [&](ZipSvaTestbench& tb) {
    Kernel& k = tb.kernel();
    Process& a = k.create_process();
    HostThread ta(k, a, "a");
    ZipQueue qa(ta);
    ASSERT_EQ(qa.open(), 0) << qa.last_error();
    const uint32_t avail = tb.available_instances();
    Process& c = ta.fork();
    HostThread tc(k, c, "child");
    const uint64_t ring = qa.hisi().sq_base();
    const uint64_t doorbell = qa.hisi().doorbell_va();
    try {
      uint32_t v = 0;
      tc.load(ring, &v, sizeof v);
      ADD_FAILURE() << "the child read its parent's ring";
    } catch (const SimulatedSignal& s) {
      EXPECT_EQ(s.signo, SIGSEGV);
      EXPECT_EQ(s.address, ring);
      EXPECT_EQ(s.what_thread, "child");
      EXPECT_NE(std::string(s.what()).find("SIGSEGV in the simulated process"), std::string::npos);
    }
    try {
      tc.mmio_write64(doorbell, 0);
      ADD_FAILURE() << "the child rang its parent's doorbell";
    } catch (const std::runtime_error& e) {  // a SimulatedSignal is a runtime_error
      const auto* s = dynamic_cast<const SimulatedSignal*>(&e);
      ASSERT_NE(s, nullptr);
      EXPECT_EQ(s->signo, SIGSEGV);
      EXPECT_EQ(s->address, doorbell);
    }
    // The system's answer: kill the child with the signal; the shared file loses a reference
    // only, the parent's queue stays.
    k.kill_process(c, tc.cpu(), SIGSEGV);
    EXPECT_EQ(k.process_record(c.pid())->wait_status, SIGSEGV);
    EXPECT_EQ(k.file_refs(a, qa.fd()), 1);
    EXPECT_EQ(tb.available_instances(), avail);
    EXPECT_EQ(tb.trace_time("host.uacce release"), sc_core::SC_ZERO_TIME);
    EXPECT_EQ(compress_and_check(ta, qa, text_data(kLen, 9), 5), kZipStatusOk);
  }));
}

TEST(ProcessLifecycle, ParentKilledWhileAForkChildHoldsItsQueueFile) {
  // The queue file outlives the parent (the child's fd): the queue is released, and the
  // parent's PASID freed, when the child exits.
  SimEnv env(1);
  ASSERT_TRUE(run_testbench({}, env, [&](ZipSvaTestbench& tb) {
    Kernel& k = tb.kernel();
    const uint32_t avail0 = tb.available_instances();
    Process& a = k.create_process();
    HostThread ta(k, a, "a");
    ZipQueue qa(ta);
    ASSERT_EQ(qa.open(), 0) << qa.last_error();
    const uint32_t pasid = tb.smmu_driver().pasid_of(a.pid()).value();
    Process& c = ta.fork();
    CpuContext killer;
    k.kill_process(a, killer, SIGKILL);
    EXPECT_EQ(tb.available_instances(), avail0 - 1);
    EXPECT_EQ(tb.smmu_driver().pasid_of(a.pid()), pasid);  // still bound to the device
    EXPECT_NE(tb.trace_time("host.smmu_drv mm_release pasid=" + std::to_string(pasid)),
              sc_core::SC_ZERO_TIME);
    k.exit_process(c, killer, 0);
    EXPECT_EQ(tb.available_instances(), avail0);
    EXPECT_FALSE(tb.smmu_driver().pasid_of(a.pid()).has_value());
    EXPECT_EQ(k.process_record(c.pid())->wait_status, 0);
    // The PASID goes with the last unbind here (the mm was already dropped).
    expect_in_order(tb, {"host.kernel process_exit pid=100", "qm mailbox cmd=8",
                         "host.smmu_drv sva_unbind", "host.smmu_drv pasid_free pid=100",
                         "host.uacce release", "host.kernel process_exit pid=101 status=exited"});
  }));
}

// ---- PASID lifetime and several processes at once -------------------------------------------

TEST(ProcessLifecycle, ThePasidBelongsToTheMmUntilTheProcessIsGone) {
  SimEnv env(1);
  ASSERT_TRUE(run_testbench({}, env, [&](ZipSvaTestbench& tb) {
    Kernel& k = tb.kernel();
    Process& a = k.create_process();
    HostThread ta(k, a, "a");
    uint32_t pa = 0, pb = 0;
    {
      ZipQueue q(ta);
      ASSERT_EQ(q.open(), 0) << q.last_error();
      pa = tb.smmu_driver().pasid_of(a.pid()).value();
      EXPECT_EQ(q.close(), 0);
    }
    EXPECT_EQ(tb.smmu_driver().pasid_of(a.pid()), pa);  // the mm keeps it (mm->pasid)
    EXPECT_EQ(tb.smmu_driver().devices_bound(a.pid()), 0);
    Process& b = k.create_process();
    HostThread tb_b(k, b, "b");
    ZipQueue qb(tb_b);
    ASSERT_EQ(qb.open(), 0) << qb.last_error();
    pb = tb.smmu_driver().pasid_of(b.pid()).value();
    EXPECT_NE(pb, pa);
    {
      ZipQueue again(ta);
      ASSERT_EQ(again.open(), 0) << again.last_error();
      EXPECT_EQ(tb.smmu_driver().pasid_of(a.pid()), pa);
    }
    k.exit_process(a, ta.cpu(), 0);
    EXPECT_FALSE(tb.smmu_driver().pasid_of(a.pid()).has_value());
    Process& c = k.create_process();
    HostThread tc(k, c, "c");
    ZipQueue qc(tc);
    ASSERT_EQ(qc.open(), 0) << qc.last_error();
    EXPECT_EQ(tb.smmu_driver().pasid_of(c.pid()), pa);  // lowest free again
  }));
}

TEST(ProcessLifecycle, TwoProcessesStartQueuesAndUnmapAtTheSameTime) {
  // Both threads do the same steps at the same simulated times: START_Q's SQC/CQC go through
  // the one mailbox context buffer, the munmaps' TLBIs through the one command queue.
  SimEnv env(1);
  ASSERT_TRUE(run_testbench({}, env, [&](ZipSvaTestbench& tb) {
    Kernel& k = tb.kernel();
    struct Worker {
      Process* p = nullptr;
      std::unique_ptr<HostThread> t;
      uint8_t status = 0xff;
      uint8_t after_unmap = 0xff;
      std::vector<uint64_t> frames;
      sc_core::sc_time unmapped;
    };
    Worker w[2];
    std::vector<sc_core::sc_process_handle> hs;
    for (int i = 0; i < 2; ++i) {
      w[i].p = &k.create_process();
      w[i].t = std::make_unique<HostThread>(k, *w[i].p, "w" + std::to_string(i));
    }
    for (int i = 0; i < 2; ++i) {
      hs.push_back(tb.spawn("worker" + std::to_string(i), [&, i] {
        HostThread& t = *w[i].t;
        ZipQueue q(t);
        ASSERT_EQ(q.open(), 0) << q.last_error();
        const std::vector<uint8_t> data = text_data(kLen, 10 + i);
        const uint64_t src = buffer_with(t, data);
        int err = 0;
        const uint64_t dst = t.mmap_anonymous(kCap, true, &err);
        ASSERT_EQ(q.send(src, kLen, dst, kCap, 1), 0);
        ZipSqe out{};
        ASSERT_EQ(q.wait(&out, kWaitLong), 0);
        w[i].status = out.status();
        EXPECT_TRUE(inflates_to(t.process(), dst, out, data));
        w[i].frames = frames_of(t.process(), dst, kCap);
        ASSERT_EQ(t.munmap(dst, kCap), 0);
        w[i].unmapped = sc_core::sc_time_stamp();
        // The same VA as destination again: the IOTLB must not remember it.
        ASSERT_EQ(q.send(src, kLen, dst, kCap, 2), 0);
        ASSERT_EQ(q.wait(&out, kWaitLong), 0);
        w[i].after_unmap = out.status();
      }));
    }
    for (auto& h : hs) ZipSvaTestbench::join(h);
    for (int i = 0; i < 2; ++i) {
      EXPECT_EQ(w[i].status, kZipStatusOk) << i;
      EXPECT_EQ(w[i].after_unmap, kZipStatusDmaWriteFault) << i;
      for (uint64_t f : w[i].frames) EXPECT_EQ(tb.mem_log().count(f, kPage, w[i].unmapped), 0u);
    }
    EXPECT_NE(tb.smmu_driver().pasid_of(w[0].p->pid()), tb.smmu_driver().pasid_of(w[1].p->pid()));
    EXPECT_EQ(tb.counter("smmu.cmds.errors"), 0u);
    EXPECT_EQ(tb.counter("qm.errors"), 0u);
  }));
}

}  // namespace
}  // namespace wdsim
