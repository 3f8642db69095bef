#include "sim/system/topology.h"

#include <algorithm>

#include "sim/cpu_host/interrupt_controller.h"
#include "sim/cpu_host/kernel/dma_api.h"
#include "sim/cpu_host/kernel/hisi_qm_driver.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/smmu_driver.h"
#include "sim/cpu_host/kernel/uacce_device.h"
#include "sim/cpu_host/kernel/zip_sync_device.h"
#include "sim/iommu/smmu.h"
#include "sim/pcie/root_complex.h"

namespace wdsim {

namespace {

// The CPU's window onto a QM BAR: the registers, plus with doorbell isolation one 64 KiB
// doorbell page per queue from db_isolation_base on.
uint64_t qm_bar_window_size(const QmParams& qm) {
  if (!qm.use_db_isolation) return AddressMap::kQmBarSize;
  const uint64_t pages_end =
      qm.db_isolation_base + uint64_t{qm.num_qps} * qm::kDoorbellIntervalIsolated;
  return std::max<uint64_t>(AddressMap::kQmBarSize, pages_end);
}

std::string numbered(const std::string& base, uint32_t n) {
  return n == 0 ? base : base + std::to_string(n);
}

}  // namespace

Topology::Topology(const SystemParams& params, SimEnv& env) : params_(params), env_(env) {
  std::map<std::string, uint32_t> per_kind;
  for (const DeviceSpec& d : params.devices) {
    auto f = std::make_unique<AcceleratorFunction>();
    f->spec = &d;
    f->kind = find_accelerator_kind(d.kind);
    f->number_in_kind = per_kind[d.kind]++;
    f->bar_pa = AddressMap::kQmBarBase + uint64_t{d.index} * AddressMap::kQmBarStride;
    QmParams qp = d.qm;
    if (qp.msi_address == 0) qp.msi_address = params.root_complex.msi_base;
    const uint32_t n = f->number_in_kind;
    f->link = std::make_unique<PcieLink>(numbered(f->kind->link_component(), n).c_str(),
                                         params.pcie, env);
    f->qm = std::make_unique<Qm>(numbered(f->kind->qm_component(), n).c_str(), qp, env);
    f->engine = f->kind->build(numbered(f->kind->engine_component(), n), *d.engine, env, *f->qm);
    // A queue's slots get their records the first time one of its SQEs completes.
    f->records.resize(d.qm.num_qps);
    f->record_valid.resize(d.qm.num_qps);
    AcceleratorFunction* raw = f.get();
    f->qm->set_completion_observer([raw](const SqeRecord& r) {
      if (r.qp >= raw->records.size()) return;
      auto& slots = raw->records[r.qp];
      if (r.sqe_index >= slots.size()) {
        slots.resize(r.sqe_index + 1u);
        raw->record_valid[r.qp].resize(r.sqe_index + 1u, false);
      }
      slots[r.sqe_index] = r;
      raw->record_valid[r.qp][r.sqe_index] = true;
    });
    f->view.name = d.name;
    f->view.kind = d.kind;
    f->view.timing_only = d.engine->timing_only();
    functions_.push_back(std::move(f));
  }
}

Topology::~Topology() = default;

std::vector<HostBus::WindowSpec> Topology::host_windows() const {
  std::vector<HostBus::WindowSpec> w{
      {"smmu_regs", AddressMap::kSmmuRegs, AddressMap::kSmmuRegsSize, true}};
  for (const auto& f : functions_) {
    w.push_back({numbered(f->kind->qm_component(), f->number_in_kind) + "_bar", f->bar_pa,
                 qm_bar_window_size(f->spec->qm), true});
  }
  return w;
}

void Topology::bind(RootComplex& rc, HostBus& bus, Smmu& smmu) {
  if (functions_.size() > 1) {
    // Several functions, one root port: merge their upstream traffic.
    fan_in_ =
        std::make_unique<PcieFanIn>("pcie_fan_in", static_cast<uint32_t>(functions_.size()), env_);
    fan_in_->upstream.bind(rc.from_link);
  }
  for (size_t i = 0; i < functions_.size(); ++i) {
    AcceleratorFunction& f = *functions_[i];
    if (fan_in_) {
      f.link->host_dma.bind(fan_in_->port(static_cast<uint32_t>(i)));
    } else {
      f.link->host_dma.bind(rc.from_link);
    }
    f.qm->dma.bind(f.link->device_dma);
    f.link->device_mmio.bind(f.qm->mmio);
    bus.window(i + 1).bind(f.link->host_mmio);
    if (AtsEndpoint* ep = f.qm->ats_endpoint()) {
      // ATS messages bypass the link timing: the endpoint talks to the SMMU directly. The
      // SMMU has one ATS port, so one ATS endpoint per system.
      ep->ats.bind(smmu.ats);
      smmu.ats_inv_pri.bind(ep->from_smmu);
    }
  }
}

std::vector<uint32_t> Topology::ats_stream_ids() const {
  std::vector<uint32_t> ids;
  for (const auto& f : functions_) {
    if (f->spec->qm.ats) ids.push_back(f->spec->qm.stream_id);
  }
  return ids;
}

void Topology::build_drivers(Kernel& kernel, DmaApi& dma, InterruptController& gic,
                             SmmuDriver& smmu) {
  views_.clear();
  for (auto& fp : functions_) {
    AcceleratorFunction& f = *fp;
    const QmParams& q = f.spec->qm;
    HisiQmDeviceInfo info;
    info.name = f.kind->driver_name();
    info.bar_pa = f.bar_pa;
    info.num_qps = q.num_qps;
    info.sq_depth = q.sq_depth;
    info.sqe_size = q.sqe_size_bytes;
    info.eq_msi_vector = q.msi_data;
    info.use_db_isolation = q.use_db_isolation;
    info.db_isolation_base = q.db_isolation_base;
    info.isolate_threshold = q.isolate_threshold;
    f.driver = std::make_unique<HisiQmDriver>(kernel, dma, gic, info);
    UacceDeviceInfo uinfo;
    uinfo.name = f.spec->name;
    uinfo.algorithms = f.kind->algorithms();
    uinfo.stream_id = q.stream_id;
    f.uacce = std::make_unique<UacceDevice>(kernel, *f.driver, smmu, uinfo);
    f.view.uacce_path = f.uacce->dev_path();
    if (f.kind->has_syscall_device()) {
      const std::string path = numbered(ZipSyncDevice::kPath, f.number_in_kind);
      f.zip_sync = std::make_unique<ZipSyncDevice>(kernel, *f.driver, dma, path);
      f.view.syscall_path = path;
    }
    views_.push_back(f.view);
  }
}

void Topology::probe(CpuContext& boot, SmmuDriver& smmu, DmaApi& dma, uint16_t dma_asid) {
  for (auto& f : functions_) {
    smmu.attach_device(boot, f->spec->qm.stream_id, dma.domain(), dma_asid);
    f->driver->probe(boot);
  }
}

const AcceleratorFunction* Topology::find(const std::string& name) const {
  for (const auto& f : functions_) {
    if (f->spec->name == name) return f.get();
  }
  return nullptr;
}

}  // namespace wdsim
