// The syscall path (/dev/zip_sync) with a real QM and ZIP engine behind a PCIe link and an
// SMMU: several threads issuing ioctls at the same time on one open (distinct SQ slots, each
// woken by its own completion, stages returned per request and matching the QM's per-SQE
// record), on one core through the scheduler (a sleeping request frees the core for the
// other thread's submission), and from two processes (a queue pair each).
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "formats/zip/zip_sqe.h"
#include "sim/accel/qm/qm.h"
#include "sim/accel/zip/zip_engine.h"
#include "sim/base/sim_env.h"
#include "sim/cpu_host/cpu_scheduler.h"
#include "sim/cpu_host/host_bus.h"
#include "sim/cpu_host/interrupt_controller.h"
#include "sim/cpu_host/kernel/dma_api.h"
#include "sim/cpu_host/kernel/hisi_qm_driver.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/smmu_driver.h"
#include "sim/cpu_host/kernel/zip_sync_device.h"
#include "sim/iommu/smmu.h"
#include "sim/pcie/pcie_link.h"
#include "sim/pcie/root_complex.h"
#include "sim/testing/fresh_context.h"

namespace wdsim {
namespace {

constexpr uint64_t kSmmuRegs = 0x40'0000'0000ull;
constexpr uint64_t kQmBar = 0x50'0000'0000ull;
constexpr uint16_t kDmaAsid = 1;

struct Job {
  int process = 0;  // index of the process (each process opens the device once)
  uint32_t size = 0;
  ZipSyncRequest req;  // out: what the ioctl returned
  long result = -1;
  std::vector<uint8_t> input;
  std::vector<uint8_t> output;
};

// The blocks sim/system builds for the syscall path, and one SC_THREAD per job, all issuing
// their ioctl at the same moment once the system has booted.
class Harness : public sc_core::sc_module {
 public:
  Harness(sc_core::sc_module_name name, SimEnv& env, std::vector<Job>& jobs, uint32_t cores)
      : sc_module(name), env_(env), jobs_(jobs) {
    DramParams dram = default_params<DramParams>();
    dram.size_bytes = 256ull << 20;
    memory_ = std::make_unique<PhysicalMemory>("memory", dram, env);
    frames_ = std::make_unique<FrameAllocator>(1 << 20, dram.size_bytes - (1 << 20));
    smmu_ = std::make_unique<Smmu>("smmu", default_params<SmmuParams>(), env);
    RootComplexParams rc = default_params<RootComplexParams>();
    rc_ = std::make_unique<RootComplex>("root_complex", rc, env);
    link_ = std::make_unique<PcieLink>("pcie_link", default_params<PcieLinkParams>(), env);
    QmParams qp = default_params<QmParams>();
    qp.msi_address = rc.msi_base;
    qm_ = std::make_unique<Qm>("qm", qp, env);
    zip_ = std::make_unique<ZipEngine>("zip", default_params<ZipEngineParams>(), env);
    bus_ = std::make_unique<HostBus>(
        "host_bus", default_params<HostBusParams>(),
        std::vector<HostBus::WindowSpec>{{"smmu_regs", kSmmuRegs, 0x20000, true},
                                         {"qm_bar", kQmBar, 0x10000, true}});
    costs_ = default_params<HostCostParams>();
    gic_ = std::make_unique<InterruptController>("gic", ns(costs_.irq_entry_ns), env);
    kernel_ = std::make_unique<Kernel>("kernel", costs_, *memory_, *frames_, env);
    smmu_->mem.bind(memory_->socket);
    smmu_->msi.bind(gic_->msi);
    rc_->to_iommu.bind(smmu_->upstream);
    rc_->to_msi.bind(gic_->msi);
    link_->host_dma.bind(rc_->from_link);
    qm_->dma.bind(link_->device_dma);
    link_->device_mmio.bind(qm_->mmio);
    kernel_->mmio.bind(bus_->cpu);
    bus_->window(0).bind(smmu_->regs);
    bus_->window(1).bind(link_->host_mmio);
    for (uint8_t alg : {uint8_t{0}, uint8_t{1}}) qm_->attach_engine(alg, zip_->for_alg_type(alg));
    qm_->set_completion_observer([this](const SqeRecord& r) {
      records[{r.qp, r.sqe_index}].push_back(r);
    });

    SmmuDriverConfig sc;
    sc.regs_pa = kSmmuRegs;
    smmu_drv_ = std::make_unique<SmmuDriver>(*kernel_, sc);
    dma_ = std::make_unique<DmaApi>(*kernel_, *smmu_drv_, kDmaAsid);
    HisiQmDeviceInfo info;
    info.name = "hisi_zip";
    info.bar_pa = kQmBar;
    info.num_qps = qp.num_qps;
    info.eq_msi_vector = qp.msi_data;
    qm_drv_ = std::make_unique<HisiQmDriver>(*kernel_, *dma_, *gic_, info);
    zip_sync_ = std::make_unique<ZipSyncDevice>(*kernel_, *qm_drv_, *dma_);
    if (cores > 0) {
      CpuScheduler::Config c = CpuScheduler::config_of(costs_);
      c.cores = cores;
      sched_ = std::make_unique<CpuScheduler>(c, env.stats());
    }
    SC_HAS_PROCESS(Harness);
    SC_THREAD(boot);
    for (size_t i = 0; i < jobs_.size(); ++i) {
      sc_core::sc_spawn([this, i] { run_job(jobs_[i]); }, ("job" + std::to_string(i)).c_str());
    }
  }

  std::map<std::pair<uint16_t, uint16_t>, std::vector<SqeRecord>> records;
  const ZipSyncDevice& device() const { return *zip_sync_; }
  CpuScheduler* scheduler() { return sched_.get(); }

 private:
  void boot() {
    CpuContext cpu;
    smmu_drv_->probe(cpu, gic_.get());
    smmu_drv_->attach_device(cpu, 0, dma_->domain(), kDmaAsid);
    qm_drv_->probe(cpu);
    int processes = 0;
    for (const Job& j : jobs_) processes = std::max(processes, j.process + 1);
    for (int i = 0; i < processes; ++i) {
      Process& p = kernel_->create_process();
      HostThread opener(*kernel_, p, "opener" + std::to_string(i));
      processes_.push_back(&p);
      fds_.push_back(opener.open(ZipSyncDevice::kPath));
    }
    booted_.notify(sc_core::SC_ZERO_TIME);
  }

  void run_job(Job& j) {
    sc_core::wait(booted_);
    Process& p = *processes_[j.process];
    HostThread t(*kernel_, p, "job" + std::to_string(&j - jobs_.data()), sched_.get());
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
    j.result = t.ioctl(fds_[j.process], kZipSyncIoctl, &j.req);
    j.output.resize(j.req.dst_len);
    p.read(dst, j.output.data(), j.output.size());
  }

  SimEnv& env_;
  std::vector<Job>& jobs_;
  HostCostParams costs_;
  sc_core::sc_event booted_;
  std::vector<Process*> processes_;
  std::vector<int> fds_;
  std::unique_ptr<PhysicalMemory> memory_;
  std::unique_ptr<FrameAllocator> frames_;
  std::unique_ptr<Smmu> smmu_;
  std::unique_ptr<RootComplex> rc_;
  std::unique_ptr<PcieLink> link_;
  std::unique_ptr<Qm> qm_;
  std::unique_ptr<ZipEngine> zip_;
  std::unique_ptr<HostBus> bus_;
  std::unique_ptr<InterruptController> gic_;
  std::unique_ptr<Kernel> kernel_;
  std::unique_ptr<SmmuDriver> smmu_drv_;
  std::unique_ptr<DmaApi> dma_;
  std::unique_ptr<HisiQmDriver> qm_drv_;
  std::unique_ptr<ZipSyncDevice> zip_sync_;
  std::unique_ptr<CpuScheduler> sched_;
};

std::vector<uint8_t> inflate(const std::vector<uint8_t>& z, size_t size) {
  std::vector<uint8_t> out(size + 16);
  uLongf len = out.size();
  if (uncompress(out.data(), &len, z.data(), z.size()) != Z_OK) return {};
  out.resize(len);
  return out;
}

// Each job's output is its own input compressed; its stages are ordered and belong to the SQE
// the QM recorded for (qp, sqe_index), which completed before the thread woke.
void expect_own_results(const std::vector<Job>& jobs, Harness& h) {
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
    auto it = h.records.find({st.qp, st.sqe_index});
    ASSERT_NE(it, h.records.end()) << "no QM record for qp " << st.qp << " slot " << st.sqe_index;
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
  testing::fresh_sc_context();
  SimEnv env(1);
  std::vector<Job> jobs = two_jobs(0);
  {
    auto h = std::make_unique<Harness>("h", env, jobs, /*cores=*/0);
    sc_core::sc_start();
    expect_own_results(jobs, *h);
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
    EXPECT_EQ(h->device().last_stages().sqe_index, last.sqe_index);
  }
  testing::fresh_sc_context();
}

TEST(ZipSync, OnOneCoreTheSleepingRequestLetsTheOtherThreadSubmit) {
  testing::fresh_sc_context();
  SimEnv env(1);
  std::vector<Job> jobs = two_jobs(0);
  {
    auto h = std::make_unique<Harness>("h", env, jobs, /*cores=*/1);
    sc_core::sc_start();
    expect_own_results(jobs, *h);
    const ZipSyncStages& a = jobs[0].req.stages;
    const ZipSyncStages& b = jobs[1].req.stages;
    // The second thread got the core only when the first went to sleep, and had to queue.
    EXPECT_GE(b.start_ps, a.asleep_ps);
    EXPECT_LT(b.submitted_ps, a.woken_ps);
    const CpuThreadStats* second = h->scheduler()->thread("job1");
    ASSERT_NE(second, nullptr);
    EXPECT_GT(second->runqueue_wait, sc_core::SC_ZERO_TIME);
    EXPECT_GE(h->scheduler()->context_switches(), 1u);
  }
  testing::fresh_sc_context();
}

TEST(ZipSync, TwoProcessesUseAQueuePairEach) {
  testing::fresh_sc_context();
  SimEnv env(1);
  std::vector<Job> jobs = two_jobs(1);
  {
    auto h = std::make_unique<Harness>("h", env, jobs, /*cores=*/0);
    sc_core::sc_start();
    expect_own_results(jobs, *h);
    EXPECT_NE(jobs[0].req.stages.qp, jobs[1].req.stages.qp);
    EXPECT_LT(jobs[1].req.stages.submitted_ps, jobs[0].req.stages.woken_ps);
  }
  testing::fresh_sc_context();
}

}  // namespace
}  // namespace wdsim
