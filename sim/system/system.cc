#include "sim/system/system.h"

#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "runtime/uapi/hisi_qm.h"
#include "runtime/wd_comp.h"
#include "sim/accel/qm/qm.h"
#include "sim/accel/zip/zip_engine.h"
#include "sim/base/aarch64_pte.h"
#include "sim/cpu_host/dma_api.h"
#include "sim/cpu_host/frame_allocator.h"
#include "sim/cpu_host/hisi_qm_driver.h"
#include "sim/cpu_host/host_bus.h"
#include "sim/cpu_host/host_thread.h"
#include "sim/cpu_host/interrupt_controller.h"
#include "sim/cpu_host/kernel.h"
#include "sim/cpu_host/physical_memory.h"
#include "sim/cpu_host/smmu_driver.h"
#include "sim/cpu_host/uacce_device.h"
#include "sim/cpu_host/zip_sync_device.h"
#include "sim/iommu/smmu.h"
#include "sim/accel/sec/sec_engine.h"
#include "sim/pcie/pcie_fan_in.h"
#include "sim/pcie/pcie_link.h"
#include "sim/pcie/root_complex.h"
#include "sim/system/workload_data.h"

namespace wdsim {

namespace {

constexpr uint16_t kDmaDomainAsid = 1;
constexpr const char* kZipDeviceName = "hisi_zip-0";
constexpr const char* kZipAlgorithms = "zlib\ngzip\ndeflate";
// The SEC function's uacce device. Its algorithms attribute lists the UADK names the runtime's
// wd_cipher_init2 / wd_digest_init2 look up (the runtime matches names exactly; Linux's
// hisi_sec2 shows the classes "cipher\ndigest\naead" and UADK maps names to classes).
constexpr const char* kSecDeviceName = "hisi_sec2-0";
constexpr const char* kSecAlgorithms =
    "ecb(aes)\ncbc(aes)\nctr(aes)\nxts(aes)\necb(sm4)\ncbc(sm4)\nctr(sm4)\nxts(sm4)\n"
    "sha1\nsha224\nsha256\nsha384\nsha512\nsm3\nmd5\nsha512-224\nsha512-256\n"
    "hmac(sha1)\nhmac(sha224)\nhmac(sha256)\nhmac(sha384)\nhmac(sha512)\nhmac(sm3)\nhmac(md5)";

class SimulationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

rt::ZipFormat format_of(const std::string& f) {
  if (f == "deflate") return rt::ZipFormat::kDeflate;
  if (f == "gzip") return rt::ZipFormat::kGzip;
  return rt::ZipFormat::kZlib;
}

uint64_t now_ps() { return to_ps(sc_core::sc_time_stamp()); }

// The CPU's window onto the QM BAR: the registers, plus with doorbell isolation one 64 KiB
// doorbell page per queue from db_isolation_base on.
uint64_t qm_bar_window_size(const QmParams& qm) {
  if (!qm.use_db_isolation) return AddressMap::kQmBarSize;
  const uint64_t pages_end =
      qm.db_isolation_base + uint64_t{qm.num_qps} * qm::kDoorbellIntervalIsolated;
  return std::max<uint64_t>(AddressMap::kQmBarSize, pages_end);
}

// The host bus windows: SMMU registers, the ZIP QM BAR and (when enabled) the SEC QM BAR.
std::vector<HostBus::WindowSpec> host_windows(const SystemParams& p) {
  std::vector<HostBus::WindowSpec> w{
      {"smmu_regs", AddressMap::kSmmuRegs, AddressMap::kSmmuRegsSize, true},
      {"qm_bar", AddressMap::kQmBar, qm_bar_window_size(p.qm), true}};
  if (p.sec.enabled) {
    w.push_back({"sec_qm_bar", AddressMap::kSecQmBar, qm_bar_window_size(p.sec_qm), true});
  }
  return w;
}

// Stages from checkpoints: each stage lasts from the previous checkpoint to its own,
// clamped so that the stages are never negative and always sum to the total.
class StageBuilder {
 public:
  explicit StageBuilder(uint64_t start) : last_(start) {}
  void mark(const std::string& name, uint64_t at) {
    const uint64_t t = std::max(at, last_);
    stages_.push_back({name, t - last_});
    last_ = t;
  }
  // A span [.., at] of which `part` (clamped to the span) is reported as `part_name`.
  void mark_split(const std::string& name, const std::string& part_name, uint64_t part,
                  uint64_t at) {
    const uint64_t t = std::max(at, last_);
    const uint64_t p = std::min(part, t - last_);
    stages_.push_back({part_name, p});
    stages_.push_back({name, t - last_ - p});
    last_ = t;
  }
  std::vector<std::pair<std::string, uint64_t>> take() { return std::move(stages_); }

 private:
  uint64_t last_;
  std::vector<std::pair<std::string, uint64_t>> stages_;
};

class SystemModule : public sc_core::sc_module {
 public:
  SystemModule(sc_core::sc_module_name name, const Scenario& sc, SimEnv& env, RunOutcome& out)
      : sc_module(name), sc_(sc), env_(env), out_(out) {
    const SystemParams& p = sc.system;
    memory_ = std::make_unique<PhysicalMemory>("memory", p.dram, env);
    frames_ = std::make_unique<FrameAllocator>(
        AddressMap::kKernelReserved, p.dram.size_bytes - AddressMap::kKernelReserved);
    smmu_ = std::make_unique<Smmu>("smmu", p.smmu, env);
    rc_ = std::make_unique<RootComplex>("root_complex", p.root_complex, env);
    link_ = std::make_unique<PcieLink>("pcie_link", p.pcie, env);
    QmParams qm_params = p.qm;
    if (qm_params.msi_address == 0) qm_params.msi_address = p.root_complex.msi_base;
    qm_ = std::make_unique<Qm>("qm", qm_params, env);
    zip_ = std::make_unique<ZipEngine>("zip", p.zip, env);
    bus_ = std::make_unique<HostBus>("host_bus", p.host_bus, host_windows(p));
    gic_ = std::make_unique<InterruptController>("gic", ns(p.host.irq_entry_ns), env);
    kernel_ = std::make_unique<Kernel>("kernel", p.host, *memory_, *frames_, env);

    smmu_->mem.bind(memory_->socket);
    smmu_->msi.bind(gic_->msi);
    rc_->to_iommu.bind(smmu_->upstream);
    rc_->to_msi.bind(gic_->msi);
    if (p.sec.enabled) {
      // Two functions, two links, one root port: merge their upstream traffic.
      fan_in_ = std::make_unique<PcieFanIn>("pcie_fan_in", 2, env);
      fan_in_->upstream.bind(rc_->from_link);
      link_->host_dma.bind(fan_in_->port(0));
    } else {
      link_->host_dma.bind(rc_->from_link);
    }
    qm_->dma.bind(link_->device_dma);
    link_->device_mmio.bind(qm_->mmio);
    if (AtsEndpoint* ep = qm_->ats_endpoint()) {
      // ATS messages bypass the link timing: the endpoint talks to the SMMU directly.
      ep->ats.bind(smmu_->ats);
      smmu_->ats_inv_pri.bind(ep->from_smmu);
    }
    kernel_->mmio.bind(bus_->cpu);
    bus_->window(0).bind(smmu_->regs);
    bus_->window(1).bind(link_->host_mmio);
    for (uint8_t alg : {uint8_t{0}, uint8_t{1}}) qm_->attach_engine(alg, zip_->for_alg_type(alg));
    qm_->set_completion_observer([this](const SqeRecord& r) { last_record_ = r; });

    SmmuDriverConfig smmu_cfg;
    smmu_cfg.regs_pa = AddressMap::kSmmuRegs;
    smmu_cfg.sid_bits = static_cast<uint8_t>(std::min<uint32_t>(p.smmu.sid_bits, 16));
    smmu_cfg.ssid_bits = static_cast<uint8_t>(std::min<uint32_t>(p.smmu.ssid_bits, 10));
    smmu_cfg.stall_faults = p.host.iopf == "stall";
    if (p.host.vm != "none") {
      smmu_cfg.vm_stage2_block = p.host.vm == "1g" ? (1ull << 30) : (1ull << 21);
      smmu_cfg.vm_ipa_bytes = p.dram.size_bytes;
    }
    if (p.qm.ats) smmu_cfg.ats_stream_ids = {p.qm.stream_id};
    smmu_cfg.pri = p.host.iopf == "pri";
    smmu_drv_ = std::make_unique<SmmuDriver>(*kernel_, smmu_cfg);
    dma_ = std::make_unique<DmaApi>(*kernel_, *smmu_drv_, kDmaDomainAsid);
    HisiQmDeviceInfo info;
    info.name = "hisi_zip";
    info.bar_pa = AddressMap::kQmBar;
    info.num_qps = p.qm.num_qps;
    info.sqe_size = p.qm.sqe_size_bytes;
    info.eq_msi_vector = p.qm.msi_data;
    info.use_db_isolation = p.qm.use_db_isolation;
    info.db_isolation_base = p.qm.db_isolation_base;
    info.isolate_threshold = p.qm.isolate_threshold;
    qm_drv_ = std::make_unique<HisiQmDriver>(*kernel_, *dma_, *gic_, info);
    UacceDeviceInfo uinfo;
    uinfo.name = kZipDeviceName;
    uinfo.algorithms = kZipAlgorithms;
    uinfo.stream_id = p.qm.stream_id;
    uacce_ = std::make_unique<UacceDevice>(*kernel_, *qm_drv_, *smmu_drv_, uinfo);
    zip_sync_ = std::make_unique<ZipSyncDevice>(*kernel_, *qm_drv_, *dma_);
    if (p.sec.enabled) build_sec(p);

    SC_HAS_PROCESS(SystemModule);
    SC_THREAD(main_thread);
  }

 private:
  void main_thread() {
    try {
      CpuContext boot;
      smmu_drv_->probe(boot, gic_.get());
      smmu_drv_->attach_device(boot, sc_.system.qm.stream_id, dma_->domain(), kDmaDomainAsid);
      qm_drv_->probe(boot);
      if (sec_qm_drv_) {
        smmu_drv_->attach_device(boot, sc_.system.sec_qm.stream_id, dma_->domain(),
                                 kDmaDomainAsid);
        sec_qm_drv_->probe(boot);
      }
      env_.trace_event("system", "booted");
      Process& process = kernel_->create_process(page_size_.granule);
      HostThread thread(*kernel_, process, "app");
      if (sc_.workload.kind == "compare") {
        for (const auto& path : sc_.workload.paths) run_path(thread, path);
      } else {
        run_uadk_workload(sc_, env_, thread, &out_.uadk);
      }
      out_.ok = true;
    } catch (const SimulationError& e) {
      out_.error = e.what();
    } catch (const std::runtime_error& e) {
      out_.error = e.what();
    }
    sc_core::sc_stop();
  }

  void run_path(HostThread& t, const std::string& path) {
    const WorkloadParams& w = sc_.workload;
    const rt::ZipFormat fmt = format_of(w.format);
    std::unique_ptr<rt::CompSession> session;
    int fd = -1;
    if (path == "doorbell") {
      rt::CompSessionSetup setup;
      setup.algorithm = w.format;
      setup.open_compress = w.op == "compress";
      setup.open_decompress = w.op == "decompress";
      setup.costs = sc_.system.runtime;
      session = std::make_unique<rt::CompSession>(t, setup);
      if (int r = session->init(); r < 0) {
        throw SimulationError("doorbell path: wd_comp init failed: " + session->last_error());
      }
    } else {
      fd = t.open(ZipSyncDevice::kPath);
      if (fd < 0) throw SimulationError("syscall path: open failed: " + std::to_string(fd));
    }
    WorkloadData data(w.data, env_.rng("workload.data"));
    for (uint64_t size : w.sizes) {
      // Streaming: `slots` request-sized slots; request i uses slot i % slots.
      const uint64_t slots = std::max<uint64_t>(1, w.footprint_bytes / size);
      const uint64_t capacity = size * 2 + 1024;  // room for incompressible data + headers
      const bool decompress = w.op == "decompress";
      // A compressed input can be a little longer than the data (stored blocks + headers).
      const uint64_t in_slot = decompress ? capacity : size;
      int err = 0;
      const bool fresh_dst = w.buffers != "populate";
      const uint64_t src = map_buffer(t, slots * in_slot, true, &err);
      const uint64_t dst = fresh_dst ? 0 : map_buffer(t, slots * capacity, true, &err);
      if (err) throw SimulationError("workload: mmap failed: " + std::to_string(err));
      env_.trace_event("workload", "point", {tf("path", path), tf("size", size)});
      for (uint64_t i = 0; i < w.warmup_requests + w.requests; ++i) {
        const uint64_t in_va = src + (i % slots) * in_slot;
        const std::vector<uint8_t> original = data.next(size);
        // Decompression inflates a stream system zlib made of the data.
        const std::vector<uint8_t> input =
            decompress ? system_deflate(original, w.format) : original;
        t.process().write(in_va, input.data(), input.size());  // produced by the app, untimed
        // A fresh destination is mapped untimed; making it usable is part of the request.
        const uint64_t out_va =
            fresh_dst ? map_buffer(t, capacity, false, &err) : dst + (i % slots) * capacity;
        if (err) throw SimulationError("workload: mmap failed: " + std::to_string(err));
        const uint64_t t0 = now_ps();
        const sc_core::sc_time cpu0 = t.cpu().busy_time();
        if (w.buffers == "pretouch") {
          const uint8_t zero = 0;
          const uint64_t page = t.process().find_vma(out_va)->page_size;
          for (uint64_t off = 0; off < capacity; off += page) {
            t.store(out_va + off, &zero, 1);
          }
        } else if (w.buffers == "pin") {
          if (t.pin(out_va, capacity) < 0) throw SimulationError("workload: pin failed");
        }
        const bool prepared = w.buffers == "pretouch" || w.buffers == "pin";
        const uint64_t t_ready = now_ps();
        uint32_t out_len = static_cast<uint32_t>(capacity);
        RequestSample s;
        if (session) {
          const uint32_t in_len = static_cast<uint32_t>(input.size());
          int r = decompress ? session->decompress_sync(in_va, in_len, out_va, &out_len, fmt)
                             : session->compress_sync(in_va, in_len, out_va, &out_len, fmt);
          if (r < 0) {
            throw SimulationError("doorbell path: request failed: " + session->last_error());
          }
          s.stages = doorbell_stages(t0, prepared, t_ready, session->last_stages(), now_ps());
        } else {
          ZipSyncRequest req;
          req.src = in_va;
          req.dst = out_va;
          req.src_len = static_cast<uint32_t>(input.size());
          req.dst_len = out_len;
          req.req_type = rt::zip_format_req_type(fmt);
          req.op = decompress ? 1 : 0;
          req.tag = static_cast<uint32_t>(i + 1);
          long r = t.ioctl(fd, kZipSyncIoctl, &req);
          if (r < 0) {
            throw SimulationError("syscall path: ioctl failed: " + std::to_string(r) +
                                  " (status " + std::to_string(req.status) + ")");
          }
          out_len = req.dst_len;
          s.stages = syscall_stages(t0, prepared, t_ready, zip_sync_->last_stages(), now_ps());
        }
        const uint64_t t1 = now_ps();
        if (decompress) {
          verify_equal(t, out_va, out_len, original, path, size);
        } else {
          verify(t, out_va, out_len, input, w.format, path, size);
        }
        if (fresh_dst) t.munmap(out_va, capacity);
        if (i < w.warmup_requests) continue;
        s.path = path;
        s.size = size;
        s.output_size = out_len;
        s.latency_ps = t1 - t0;
        s.cpu_ps = to_ps(t.cpu().busy_time() - cpu0);
        out_.samples.push_back(std::move(s));
      }
      t.munmap(src, slots * in_slot);
      if (!fresh_dst) t.munmap(dst, slots * capacity);
    }
    if (session) session->close();
    if (fd >= 0) t.close(fd);
  }

  // The SEC function: its QM and engine, its own PCIe link on port 1 of the fan-in, its BAR
  // window (host bus window 2), its kernel QM driver and uacce device.
  void build_sec(const SystemParams& p) {
    QmParams qp = p.sec_qm;
    if (qp.msi_address == 0) qp.msi_address = p.root_complex.msi_base;
    sec_link_ = std::make_unique<PcieLink>("sec_pcie_link", p.pcie, env_);
    sec_qm_ = std::make_unique<Qm>("sec_qm", qp, env_);
    sec_ = std::make_unique<SecEngine>("sec", p.sec.engine, env_);
    sec_link_->host_dma.bind(fan_in_->port(1));
    sec_qm_->dma.bind(sec_link_->device_dma);
    sec_link_->device_mmio.bind(sec_qm_->mmio);
    bus_->window(2).bind(sec_link_->host_mmio);
    for (uint8_t alg = 0; alg <= rt::kHisiQpQcTypeMax; ++alg) {
      sec_qm_->attach_engine(alg, sec_->for_alg_type(alg));
    }
    HisiQmDeviceInfo info;
    info.name = "hisi_sec2";
    info.bar_pa = AddressMap::kSecQmBar;
    info.num_qps = p.sec_qm.num_qps;
    info.sqe_size = p.sec_qm.sqe_size_bytes;
    info.eq_msi_vector = p.sec_qm.msi_data;
    info.use_db_isolation = p.sec_qm.use_db_isolation;
    info.db_isolation_base = p.sec_qm.db_isolation_base;
    info.isolate_threshold = p.sec_qm.isolate_threshold;
    sec_qm_drv_ = std::make_unique<HisiQmDriver>(*kernel_, *dma_, *gic_, info);
    UacceDeviceInfo uinfo;
    uinfo.name = kSecDeviceName;
    uinfo.algorithms = kSecAlgorithms;
    uinfo.stream_id = p.sec_qm.stream_id;
    sec_uacce_ = std::make_unique<UacceDevice>(*kernel_, *sec_qm_drv_, *smmu_drv_, uinfo);
  }

  // A workload buffer: an ordinary anonymous mmap (granule pages; populated or not), or with
  // huge pages (workload.page_size above the granule) MAP_HUGETLB of that size.
  uint64_t map_buffer(HostThread& t, uint64_t len, bool populate, int* err) {
    if (page_size_.huge_page == 0) {
      return populate ? t.mmap(-1, len, rt::kProtRead | rt::kProtWrite, 0, err)
                      : t.mmap_anonymous(len, false, err);
    }
    t.cpu().busy(ns(sc_.system.host.syscall_entry_ns));
    const uint64_t va =
        kernel_->sys_mmap_anonymous(t.process(), t.cpu(), len, populate, err, page_size_.huge_page);
    t.cpu().busy(ns(sc_.system.host.syscall_exit_ns));
    return va;
  }

  // `prepare` (pretouching or pinning a fresh buffer) is a stage only when the workload does it.
  std::vector<std::pair<std::string, uint64_t>> doorbell_stages(uint64_t t0, bool prepared,
                                                                uint64_t t_ready,
                                                                const rt::CompStageRecord& r,
                                                                uint64_t t1) {
    StageBuilder b(t0);
    if (prepared) b.mark("prepare", t_ready);
    b.mark("submit", r.doorbell_ps);
    device_stages(b);
    b.mark("completion", t1);
    return b.take();
  }

  std::vector<std::pair<std::string, uint64_t>> syscall_stages(uint64_t t0, bool prepared,
                                                               uint64_t t_ready,
                                                               const ZipSyncStages& st,
                                                               uint64_t t1) {
    StageBuilder b(t0);
    if (prepared) b.mark("prepare", t_ready);
    b.mark("syscall_entry", st.start_ps);
    b.mark("copy_in", st.copied_in_ps);
    b.mark("dma_map", st.mapped_ps);
    b.mark("submit", st.submitted_ps);
    device_stages(b);
    b.mark("irq_wakeup", st.woken_ps);
    b.mark("dma_unmap", st.unmapped_ps);
    b.mark("copy_out", st.copied_out_ps);
    b.mark("syscall_exit", t1);
    return b.take();
  }

  void device_stages(StageBuilder& b) {
    const SqeRecord& r = last_record_;
    b.mark("doorbell", to_ps(r.doorbell_seen));
    b.mark("fetch", to_ps(r.fetched));
    b.mark_split("engine", "translation", to_ps(r.engine.translation), to_ps(r.engine_done));
    b.mark("writeback", to_ps(r.cqe_written));
  }

  void verify_equal(HostThread& t, uint64_t dst, uint32_t len,
                    const std::vector<uint8_t>& expected, const std::string& path, uint64_t size) {
    std::vector<uint8_t> out(len);
    if (len != expected.size() || !t.process().read(dst, out.data(), len) || out != expected) {
      throw SimulationError(path + " " + std::to_string(size) + " B: decompressed " +
                            std::to_string(len) + " bytes that differ from the original data");
    }
  }

  void verify(HostThread& t, uint64_t dst, uint32_t len, const std::vector<uint8_t>& input,
              const std::string& format, const std::string& path, uint64_t size) {
    std::vector<uint8_t> out(len);
    if (!t.process().read(dst, out.data(), len)) {
      throw SimulationError(path + " " + std::to_string(size) + " B: output buffer unmapped");
    }
    std::string why;
    if (!inflate_equals(out, input, format, &why)) {
      throw SimulationError(path + " " + std::to_string(size) +
                            " B: output does not inflate to the input with system zlib: " + why);
    }
  }

  const Scenario& sc_;
  SimEnv& env_;
  RunOutcome& out_;
  // workload.page_size, checked when the scenario was loaded.
  const ProcessPageSize page_size_ =
      process_page_size(sc_.workload.page_size).value_or(ProcessPageSize{});
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
  std::unique_ptr<UacceDevice> uacce_;
  std::unique_ptr<ZipSyncDevice> zip_sync_;
  // The SEC function (system.sec.enabled).
  std::unique_ptr<PcieFanIn> fan_in_;
  std::unique_ptr<PcieLink> sec_link_;
  std::unique_ptr<Qm> sec_qm_;
  std::unique_ptr<SecEngine> sec_;
  std::unique_ptr<HisiQmDriver> sec_qm_drv_;
  std::unique_ptr<UacceDevice> sec_uacce_;
  SqeRecord last_record_;
};

void fresh_context() {
  delete sc_core::sc_curr_simcontext;
  sc_core::sc_curr_simcontext = new sc_core::sc_simcontext();
  sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
}

}  // namespace

RunOutcome run_system(const Scenario& scenario, SimEnv& env) {
  RunOutcome out;
  const auto wall0 = std::chrono::steady_clock::now();
  fresh_context();
  {
    SystemModule system("system", scenario, env, out);
    sc_core::sc_start();
  }
  fresh_context();
  out.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  if (out.ok && out.samples.empty() && out.uadk.measured_requests() == 0) {
    out.error = "the workload measured no request";
  }
  if (!out.error.empty()) out.ok = false;
  return out;
}

}  // namespace wdsim
