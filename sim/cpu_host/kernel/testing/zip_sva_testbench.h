// A kernel and one ZIP accelerator (QM + ZipEngine, real zlib) behind a PCIe link and an SMMU,
// wired as sim/system wires them, for kernel+device tests of process lifecycles: several
// processes and threads, kill/exit/fork/munmap while requests are in flight. Two observers
// sit on the DMA path: DmaLog between the root complex and the SMMU (every device DMA with its
// IoAttrs: PASID, direction, response) and MemoryWriteLog between the SMMU and DRAM (every
// write that reaches memory, with its physical address and the annotated times it arrives and
// completes). The test body runs in an SC_THREAD after boot (SMMU and QM probed, the device
// attached); it may spawn more simulated threads and join them. Options add the syscall path's
// compression device (/dev/zip_sync) and a scheduler sharing a number of cores.
// Not a model: test scaffolding (testonly). What it leaves out of a system: SEC, several
// devices, the topology builder (sim/system, a layer above this one).
#pragma once

#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "formats/zip/zip_sqe.h"
#include "runtime/hisi_qm_udrv.h"
#include "runtime/uacce_queue.h"
#include "sim/accel/qm/qm.h"
#include "sim/accel/zip/zip_engine.h"
#include "sim/base/io_attrs.h"
#include "sim/base/sim_env.h"
#include "sim/base/timing.h"
#include "sim/cpu_host/cpu_scheduler.h"
#include "sim/cpu_host/host_bus.h"
#include "sim/cpu_host/interrupt_controller.h"
#include "sim/cpu_host/kernel/dma_api.h"
#include "sim/cpu_host/kernel/hisi_qm_driver.h"
#include "sim/cpu_host/kernel/host_thread.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/smmu_driver.h"
#include "sim/cpu_host/kernel/uacce_device.h"
#include "sim/cpu_host/kernel/zip_sync_device.h"
#include "sim/iommu/smmu.h"
#include "sim/pcie/pcie_link.h"
#include "sim/pcie/root_complex.h"
#include "sim/testing/fresh_context.h"

namespace wdsim::testing {

// Every write that reaches memory: where, how long, when it arrives (sc_time_stamp + the
// annotated delay on entry) and when it completes.
class MemoryWriteLog : public sc_core::sc_module {
 public:
  struct Write {
    uint64_t pa = 0;
    uint64_t len = 0;
    sc_core::sc_time arrival;
    sc_core::sc_time done;
  };
  tlm_utils::simple_target_socket<MemoryWriteLog> in;
  tlm_utils::simple_initiator_socket<MemoryWriteLog> out;

  explicit MemoryWriteLog(sc_core::sc_module_name name) : sc_module(name), in("in"), out("out") {
    in.register_b_transport(this, &MemoryWriteLog::b_transport);
  }
  const std::vector<Write>& writes() const { return writes_; }
  // Writes overlapping [pa, pa + len) that arrive at or after `from`.
  size_t count(uint64_t pa, uint64_t len, const sc_core::sc_time& from) const {
    size_t n = 0;
    for (const Write& w : writes_) {
      if (w.arrival >= from && w.pa < pa + len && pa < w.pa + w.len) ++n;
    }
    return n;
  }
  // The latest arrival of a write overlapping [pa, pa + len) (SC_ZERO_TIME: none).
  sc_core::sc_time last_arrival(uint64_t pa, uint64_t len) const {
    sc_core::sc_time t = sc_core::SC_ZERO_TIME;
    for (const Write& w : writes_) {
      if (w.pa < pa + len && pa < w.pa + w.len && w.arrival > t) t = w.arrival;
    }
    return t;
  }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const sc_core::sc_time arrival = sc_core::sc_time_stamp() + delay;
    out->b_transport(gp, delay);
    if (gp.is_write() && gp.get_response_status() == tlm::TLM_OK_RESPONSE) {
      writes_.push_back(
          {gp.get_address(), gp.get_data_length(), arrival, sc_core::sc_time_stamp() + delay});
    }
  }
  std::vector<Write> writes_;
};

// Every device DMA as the SMMU receives it.
class DmaLog : public sc_core::sc_module {
 public:
  struct Access {
    sc_core::sc_time arrival;
    uint64_t addr = 0;
    uint64_t len = 0;
    bool write = false;
    bool pasid_valid = false;
    uint32_t pasid = 0;
    bool ok = false;  // TLM_OK_RESPONSE (a stage-1 fault with CD.A = 0 would read as OK too)
  };
  tlm_utils::simple_target_socket<DmaLog> in;
  tlm_utils::simple_initiator_socket<DmaLog> out;

  explicit DmaLog(sc_core::sc_module_name name) : sc_module(name), in("in"), out("out") {
    in.register_b_transport(this, &DmaLog::b_transport);
  }
  const std::vector<Access>& accesses() const { return accesses_; }
  // Accesses tagged with `pasid` arriving at or after `from`; `ok_only`: those that went
  // through.
  size_t count_pasid(uint32_t pasid, const sc_core::sc_time& from, bool ok_only) const {
    size_t n = 0;
    for (const Access& a : accesses_) {
      if (a.pasid_valid && a.pasid == pasid && a.arrival >= from && (!ok_only || a.ok)) ++n;
    }
    return n;
  }

 private:
  void b_transport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    Access a;
    a.arrival = sc_core::sc_time_stamp() + delay;
    a.addr = gp.get_address();
    a.len = gp.get_data_length();
    a.write = gp.is_write();
    if (const IoAttrs* attrs = gp.get_extension<IoAttrs>()) {
      a.pasid_valid = attrs->pasid_valid;
      a.pasid = attrs->pasid;
    }
    out->b_transport(gp, delay);
    a.ok = gp.get_response_status() == tlm::TLM_OK_RESPONSE;
    accesses_.push_back(a);
  }
  std::vector<Access> accesses_;
};

struct ZipSvaOptions {
  bool stall = true;  // SVA faults stall (CD.S = 1) and the kernel's handler fixes them
  bool ats = false;   // the QM is an ATS endpoint; faults go through PRI (stall is then off)
  uint32_t sq_depth = 16;
  uint32_t num_qps = 8;
  HostCostParams costs = default_params<HostCostParams>();
  bool zip_sync = false;  // the syscall path's device at ZipSyncDevice::kPath
  uint32_t cores = 0;     // 0: every thread on a core of its own; else a scheduler's cores
};

class ZipSvaTestbench : public sc_core::sc_module {
 public:
  using Body = std::function<void(ZipSvaTestbench&)>;
  static constexpr uint64_t kSmmuRegs = 0x40'0000'0000ull;
  static constexpr uint64_t kQmBar = 0x50'0000'0000ull;
  static constexpr uint16_t kDmaAsid = 1;
  static constexpr const char* kDevName = "hisi_zip-0";
  static constexpr uint64_t kPage = 4096;

  ZipSvaTestbench(sc_core::sc_module_name name, const ZipSvaOptions& o, SimEnv& env, Body body)
      : sc_module(name), env_(env), options_(o), body_(std::move(body)) {
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
    qp.num_qps = o.num_qps;
    qp.sq_depth = o.sq_depth;
    qp.ats = o.ats;
    qm_ = std::make_unique<Qm>("qm", qp, env);
    zip_ = std::make_unique<ZipEngine>("zip", default_params<ZipEngineParams>(), env);
    bus_ = std::make_unique<HostBus>(
        "host_bus", default_params<HostBusParams>(),
        std::vector<HostBus::WindowSpec>{{"smmu_regs", kSmmuRegs, 0x20000, true},
                                         {"qm_bar", kQmBar, 0x10000, true}});
    gic_ = std::make_unique<InterruptController>("gic", ns(o.costs.irq_entry_ns), env);
    kernel_ = std::make_unique<Kernel>("kernel", o.costs, *memory_, *frames_, env);
    mem_log_ = std::make_unique<MemoryWriteLog>("mem_log");
    dma_log_ = std::make_unique<DmaLog>("dma_log");
    smmu_->mem.bind(mem_log_->in);
    mem_log_->out.bind(memory_->socket);
    smmu_->msi.bind(gic_->msi);
    rc_->to_iommu.bind(dma_log_->in);
    dma_log_->out.bind(smmu_->upstream);
    rc_->to_msi.bind(gic_->msi);
    link_->host_dma.bind(rc_->from_link);
    qm_->dma.bind(link_->device_dma);
    link_->device_mmio.bind(qm_->mmio);
    if (AtsEndpoint* ep = qm_->ats_endpoint()) {
      ep->ats.bind(smmu_->ats);
      smmu_->ats_inv_pri.bind(ep->from_smmu);
    }
    kernel_->mmio.bind(bus_->cpu);
    bus_->window(0).bind(smmu_->regs);
    bus_->window(1).bind(link_->host_mmio);
    for (uint8_t alg : {uint8_t{0}, uint8_t{1}}) qm_->attach_engine(alg, zip_->for_alg_type(alg));

    SmmuDriverConfig sc;
    sc.regs_pa = kSmmuRegs;
    sc.stall_faults = o.stall && !o.ats;
    sc.pri = o.ats;
    if (o.ats) sc.ats_stream_ids = {qp.stream_id};
    smmu_drv_ = std::make_unique<SmmuDriver>(*kernel_, sc);
    dma_ = std::make_unique<DmaApi>(*kernel_, *smmu_drv_, kDmaAsid);
    HisiQmDeviceInfo info;
    info.name = "hisi_zip";
    info.bar_pa = kQmBar;
    info.num_qps = qp.num_qps;
    info.sq_depth = qp.sq_depth;
    info.eq_msi_vector = qp.msi_data;
    qm_drv_ = std::make_unique<HisiQmDriver>(*kernel_, *dma_, *gic_, info);
    UacceDeviceInfo ui;
    ui.name = kDevName;
    ui.algorithms = "zlib\ngzip\ndeflate";
    ui.stream_id = qp.stream_id;
    uacce_ = std::make_unique<UacceDevice>(*kernel_, *qm_drv_, *smmu_drv_, ui);
    if (o.zip_sync) zip_sync_ = std::make_unique<ZipSyncDevice>(*kernel_, *qm_drv_, *dma_);
    if (o.cores > 0) {
      CpuScheduler::Config c = CpuScheduler::config_of(o.costs);
      c.cores = o.cores;
      scheduler_ = std::make_unique<CpuScheduler>(c, env.stats());
    }
    SC_HAS_PROCESS(ZipSvaTestbench);
    SC_THREAD(run);
  }

  Kernel& kernel() { return *kernel_; }
  Qm& qm() { return *qm_; }
  Smmu& smmu() { return *smmu_; }
  SmmuDriver& smmu_driver() { return *smmu_drv_; }
  HisiQmDriver& qm_driver() { return *qm_drv_; }
  ZipSyncDevice& zip_sync() { return *zip_sync_; }        // with options().zip_sync
  CpuScheduler* scheduler() { return scheduler_.get(); }  // nullptr: a core per thread
  PhysicalMemory& memory() { return *memory_; }
  FrameAllocator& frames() { return *frames_; }
  const MemoryWriteLog& mem_log() const { return *mem_log_; }
  const DmaLog& dma_log() const { return *dma_log_; }
  SimEnv& env() { return env_; }
  const ZipSvaOptions& options() const { return options_; }

  uint64_t counter(const std::string& key) {
    const Counter* c = env_.stats().find_counter(key);
    return c ? c->value() : 0;
  }
  uint32_t available_instances() {
    std::string v;
    kernel_->read_sysfs(std::string("/sys/class/uacce/") + kDevName + "/available_instances", &v);
    return static_cast<uint32_t>(std::stoul(v));
  }
  // The simulated time of the first trace line containing `needle` after `from_line`
  // (SC_ZERO_TIME, line -1 when absent); *line gets its index.
  sc_core::sc_time trace_time(const std::string& needle, int* line = nullptr) const {
    const std::string text = env_.trace().to_text();
    size_t pos = 0;
    int index = 0;
    while (pos < text.size()) {
      const size_t end = text.find('\n', pos);
      const std::string l = text.substr(pos, end == std::string::npos ? end : end - pos);
      if (l.find(needle) != std::string::npos) {
        if (line) *line = index;
        return ps(std::stoull(l.substr(0, l.find(' '))));
      }
      if (end == std::string::npos) break;
      pos = end + 1;
      ++index;
    }
    if (line) *line = -1;
    return sc_core::SC_ZERO_TIME;
  }
  // Runs fn in a new simulated thread; join() waits for it.
  sc_core::sc_process_handle spawn(const std::string& name, std::function<void()> fn) {
    return sc_core::sc_spawn(std::move(fn), name.c_str());
  }
  static void join(sc_core::sc_process_handle h) {
    if (!h.terminated()) sc_core::wait(h.terminated_event());
  }

  bool finished = false;

 private:
  void run() {
    CpuContext boot;
    smmu_drv_->probe(boot, gic_.get());
    smmu_drv_->attach_device(boot, qm_->params().stream_id, dma_->domain(), kDmaAsid);
    qm_drv_->probe(boot);
    body_(*this);
    finished = true;
    sc_core::sc_stop();
  }

  SimEnv& env_;
  ZipSvaOptions options_;
  Body body_;
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
  std::unique_ptr<MemoryWriteLog> mem_log_;
  std::unique_ptr<DmaLog> dma_log_;
  std::unique_ptr<SmmuDriver> smmu_drv_;
  std::unique_ptr<DmaApi> dma_;
  std::unique_ptr<HisiQmDriver> qm_drv_;
  std::unique_ptr<UacceDevice> uacce_;
  std::unique_ptr<ZipSyncDevice> zip_sync_;
  std::unique_ptr<CpuScheduler> scheduler_;
};

// Builds and runs one testbench in a fresh SystemC context; true when the body finished.
inline bool run_testbench(const ZipSvaOptions& o, SimEnv& env, ZipSvaTestbench::Body body) {
  fresh_sc_context();
  bool finished = false;
  {
    auto tb = std::make_unique<ZipSvaTestbench>("tb", o, env, std::move(body));
    sc_core::sc_start();
    finished = tb->finished;
  }
  fresh_sc_context();
  return finished;
}

// One thread's compression queue through the runtime (UacceQueue + HisiQmQueue), with raw
// deflate SQEs built by hand.
class ZipQueue {
 public:
  explicit ZipQueue(HostThread& t)
      : uq_(t, ZipSvaTestbench::kPage), hq_(t, rt::UserDriverCosts{}) {}
  // 0, or the runtime's -errno (last_error says why).
  int open() {
    rt::UacceQueueRequest req;
    req.algorithm = "deflate";
    req.qc_type = 0;  // compress
    if (int r = uq_.open(req); r < 0) return r;
    return hq_.attach(uq_, {});
  }
  std::string last_error() const { return uq_.last_error() + " / " + hq_.last_error(); }
  int send(uint64_t src, uint32_t len, uint64_t dst, uint32_t cap, uint32_t tag) {
    ZipSqe s{};
    s.set_sqe_type(kZipSqeTypeV3);
    s.set_req_type(kZipReqDeflate);
    s.set_window(kZipWindow32K);
    s.set_stream_flags(true, false, true);
    s.input_data_length = len;
    s.dest_avail_out = cap;
    s.set_src(src);
    s.set_dst(dst);
    s.set_tag(tag);
    uint16_t sent = 0;
    return hq_.send(&s, 1, &sent);
  }
  // Waits up to `timeout` for one completion: 0 and *out = the SQE the device wrote back.
  int wait(ZipSqe* out, const sc_core::sc_time& timeout) {
    uint16_t got = 0;
    return hq_.wait_and_recv(out, 1, &got, to_ps(timeout));
  }
  int close() { return uq_.close(); }
  rt::UacceQueue& uacce() { return uq_; }
  rt::HisiQmQueue& hisi() { return hq_; }
  uint16_t qp_id() const { return uq_.qp_id(); }
  int fd() const { return uq_.fd(); }

 private:
  rt::UacceQueue uq_;
  rt::HisiQmQueue hq_;
};

}  // namespace wdsim::testing
