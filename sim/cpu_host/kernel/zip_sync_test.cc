// The syscall path (/dev/zip_sync) with a real QM and ZIP engine behind a PCIe link and an
// SMMU: several threads issuing ioctls at the same time on one open (distinct SQ slots, each
// woken by its own completion, stages returned per request and matching the QM's per-SQE
// record), on one core through the scheduler (a sleeping request frees the core for the
// other thread's submission), and from two processes (a queue pair each). The system is the
// ZIP SVA testbench (testing/zip_sva_testbench.h) with its syscall device.
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "formats/zip/zip_sqe.h"
#include "sim/accel/qm/qm.h"
#include "sim/base/sim_env.h"
#include "sim/cpu_host/cpu_scheduler.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/testing/zip_sva_testbench.h"
#include "sim/cpu_host/kernel/zip_sync_device.h"

namespace wdsim {
namespace {

using testing::run_testbench;
using testing::ZipSvaOptions;
using testing::ZipSvaTestbench;

struct Job {
  int process = 0;  // index of the process (each process opens the device once)
  uint32_t size = 0;
  ZipSyncRequest req;  // out: what the ioctl returned
  long result = -1;
  std::vector<uint8_t> input;
  std::vector<uint8_t> output;
};

// The QM's record of each completed SQE, by (qp, sqe slot).
using Records = std::map<std::pair<uint16_t, uint16_t>, std::vector<SqeRecord>>;

// The testbench as sim/system builds the syscall path: the QM's own queue count and depth, no
// stall faults (the device DMAs through the kernel's DMA domain), /dev/zip_sync, and
// `cores` cores shared by a scheduler (0: a core per thread).
ZipSvaOptions sync_options(uint32_t cores) {
  ZipSvaOptions o;
  o.stall = false;
  o.num_qps = default_params<QmParams>().num_qps;
  o.sq_depth = qm::kSqDepthDefault;
  o.zip_sync = true;
  o.cores = cores;
  return o;
}

void run_job(ZipSvaTestbench& tb, Process& p, int fd, Job& j, const std::string& name) {
  HostThread t(tb.kernel(), p, name, tb.scheduler());
  const uint32_t capacity = j.size * 2 + 1024;
  const uint64_t src = p.mmap_anonymous(j.size);
  const uint64_t dst = p.mmap_anonymous(capacity);
  j.input.resize(j.size);
  for (uint32_t i = 0; i < j.size; ++i) {
    j.input[i] = static_cast<uint8_t>((i * 7 + j.size) % 251 < 200 ? 'a' + i % 13 : i);
  }
  p.write(src, j.input.data(), j.size);
  j.req.src = src;
  j.req.dst = dst;
  j.req.src_len = j.size;
  j.req.dst_len = capacity;
  j.req.req_type = kZipReqZlib;
  j.req.op = 0;
  j.req.tag = j.size;
  j.result = t.ioctl(fd, kZipSyncIoctl, &j.req);
  j.output.resize(j.req.dst_len);
  p.read(dst, j.output.data(), j.output.size());
}

// After boot: each process opens the device once, then one simulated thread per job issues its
// ioctl, all at the same moment; `after` runs once every job is done. The QM's records go to
// *records.
bool run_jobs(std::vector<Job>& jobs, uint32_t cores, Records* records,
              const std::function<void(ZipSvaTestbench&)>& after) {
  SimEnv env(1);
  return run_testbench(sync_options(cores), env, [&](ZipSvaTestbench& tb) {
    tb.qm().set_completion_observer([records](const SqeRecord& r) {
      (*records)[{r.qp, r.sqe_index}].push_back(r);
    });
    int processes = 0;
    for (const Job& j : jobs) processes = std::max(processes, j.process + 1);
    std::vector<Process*> procs;
    std::vector<int> fds;
    for (int i = 0; i < processes; ++i) {
      Process& p = tb.kernel().create_process();
      HostThread opener(tb.kernel(), p, "opener" + std::to_string(i));
      procs.push_back(&p);
      fds.push_back(opener.open(ZipSyncDevice::kPath));
    }
    std::vector<sc_core::sc_process_handle> threads;
    for (size_t i = 0; i < jobs.size(); ++i) {
      const std::string name = "job" + std::to_string(i);
      Job& j = jobs[i];
      threads.push_back(tb.spawn(name, [&tb, &procs, &fds, &j, name] {
        run_job(tb, *procs[j.process], fds[j.process], j, name);
      }));
    }
    for (auto& h : threads) ZipSvaTestbench::join(h);
    after(tb);
  });
}

std::vector<uint8_t> inflate(const std::vector<uint8_t>& z, size_t size) {
  std::vector<uint8_t> out(size + 16);
  uLongf len = out.size();
  if (uncompress(out.data(), &len, z.data(), z.size()) != Z_OK) return {};
  out.resize(len);
  return out;
}

// Each job's output is its own input compressed; its stages are ordered and belong to the SQE
// the QM recorded for (qp, sqe_index), which completed before the thread woke.
void expect_own_results(const std::vector<Job>& jobs, const Records& records) {
  for (const Job& j : jobs) {
    ASSERT_EQ(j.result, 0) << "job of size " << j.size;
    EXPECT_EQ(j.req.status, kZipStatusOk);
    EXPECT_EQ(inflate(j.output, j.size), j.input) << "job of size " << j.size;
    const ZipSyncStages& st = j.req.stages;
    EXPECT_LE(st.start_ps, st.copied_in_ps);
    EXPECT_LE(st.copied_in_ps, st.mapped_ps);
    EXPECT_LE(st.mapped_ps, st.submitted_ps);
    EXPECT_LT(st.submitted_ps, st.asleep_ps);
    EXPECT_LT(st.asleep_ps, st.woken_ps);
    EXPECT_LE(st.woken_ps, st.unmapped_ps);
    EXPECT_LE(st.unmapped_ps, st.copied_out_ps);
    auto it = records.find({st.qp, st.sqe_index});
    ASSERT_NE(it, records.end()) << "no QM record for qp " << st.qp << " slot " << st.sqe_index;
    ASSERT_EQ(it->second.size(), 1u);
    const SqeRecord& r = it->second.front();
    EXPECT_FALSE(r.error);
    EXPECT_GT(to_ps(r.cqe_written), st.mapped_ps);
    EXPECT_LT(to_ps(r.cqe_written), st.woken_ps);
  }
}

std::vector<Job> two_jobs(int process_of_second) {
  std::vector<Job> jobs(2);
  jobs[0].size = 8 * 1024;  // about the same size: both are on the device at once
  jobs[1].size = 7 * 1024;
  jobs[1].process = process_of_second;
  return jobs;
}

TEST(ZipSync, TwoThreadsOnOneOpenEachGetTheirOwnSlotAndCompletion) {
  std::vector<Job> jobs = two_jobs(0);
  Records records;
  ZipSyncStages last_stages;
  ASSERT_TRUE(run_jobs(jobs, /*cores=*/0, &records,
                       [&](ZipSvaTestbench& tb) { last_stages = tb.zip_sync().last_stages(); }));
  expect_own_results(jobs, records);
  const ZipSyncStages& a = jobs[0].req.stages;
  const ZipSyncStages& b = jobs[1].req.stages;
  EXPECT_EQ(a.qp, b.qp);                             // one open: one compression queue
  EXPECT_EQ(std::min(a.sqe_index, b.sqe_index), 0);  // slots 0 and 1 of the fresh queue
  EXPECT_EQ(std::max(a.sqe_index, b.sqe_index), 1);
  // Both were outstanding at once: each submitted before the other woke.
  EXPECT_LT(a.submitted_ps, b.woken_ps);
  EXPECT_LT(b.submitted_ps, a.woken_ps);
  // last_stages() is the request that finished last.
  const ZipSyncStages& last = a.copied_out_ps > b.copied_out_ps ? a : b;
  EXPECT_EQ(last_stages.sqe_index, last.sqe_index);
}

TEST(ZipSync, OnOneCoreTheSleepingRequestLetsTheOtherThreadSubmit) {
  std::vector<Job> jobs = two_jobs(0);
  Records records;
  bool second_found = false;
  CpuThreadStats second;
  uint64_t context_switches = 0;
  ASSERT_TRUE(run_jobs(jobs, /*cores=*/1, &records, [&](ZipSvaTestbench& tb) {
    const CpuThreadStats* s = tb.scheduler()->thread("job1");
    second_found = s != nullptr;
    if (s) second = *s;
    context_switches = tb.scheduler()->context_switches();
  }));
  expect_own_results(jobs, records);
  const ZipSyncStages& a = jobs[0].req.stages;
  const ZipSyncStages& b = jobs[1].req.stages;
  // The second thread got the core only when the first went to sleep, and had to queue.
  EXPECT_GE(b.start_ps, a.asleep_ps);
  EXPECT_LT(b.submitted_ps, a.woken_ps);
  ASSERT_TRUE(second_found);
  EXPECT_GT(second.runqueue_wait, sc_core::SC_ZERO_TIME);
  EXPECT_GE(context_switches, 1u);
}

TEST(ZipSync, TwoProcessesUseAQueuePairEach) {
  std::vector<Job> jobs = two_jobs(1);
  Records records;
  ASSERT_TRUE(run_jobs(jobs, /*cores=*/0, &records, [](ZipSvaTestbench&) {}));
  expect_own_results(jobs, records);
  EXPECT_NE(jobs[0].req.stages.qp, jobs[1].req.stages.qp);
  EXPECT_LT(jobs[1].req.stages.submitted_ps, jobs[0].req.stages.woken_ps);
}

// The kernel's own queues take system.devices[].kernel_queue_priority into their SQCs.
TEST(ZipSync, KernelQueuesGetTheirPriorityInTheSqc) {
  SimEnv env(1);
  std::vector<uint8_t> priorities;
  ASSERT_TRUE(run_testbench(sync_options(0), env, [&](ZipSvaTestbench& tb) {
    tb.zip_sync().set_queue_priority(7);
    Process& p = tb.kernel().create_process();
    HostThread opener(tb.kernel(), p, "opener");
    ASSERT_GE(opener.open(ZipSyncDevice::kPath), 0);
    for (uint16_t q = 0; q < tb.qm().params().num_qps; ++q) {
      if (tb.qm().queue_started(q)) priorities.push_back(tb.qm().queue_priority(q));
    }
  }));
  EXPECT_EQ(priorities, (std::vector<uint8_t>{7, 7}));  // one queue pair per direction
}

}  // namespace
}  // namespace wdsim
