#include "sim/system/topology.h"

#include <algorithm>
#include <optional>
#include <set>

#include "sim/cpu_host/interrupt_controller.h"
#include "sim/cpu_host/kernel/dma_api.h"
#include "sim/cpu_host/kernel/hisi_qm_driver.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/smmu_driver.h"
#include "sim/cpu_host/kernel/uacce_device.h"
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

// The host window onto a function's BAR: a QM's, or a whole device's own size.
uint64_t bar_window_size(const AcceleratorFunction& f) {
  return f.device ? f.device->bar_size() : qm_bar_window_size(f.spec->qm);
}

// A function's DMA initiator and BAR target, whichever model it is.
tlm::tlm_initiator_socket<>& function_dma(AcceleratorFunction& f) {
  if (f.device) return f.device->dma();
  return f.qm->dma;
}
tlm::tlm_target_socket<>& function_mmio(AcceleratorFunction& f) {
  if (f.device) return f.device->mmio();
  return f.qm->mmio;
}

AtsEndpoint* ats_endpoint_of(const AcceleratorFunction& f) {
  return f.qm ? f.qm->ats_endpoint() : nullptr;
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
    if (d.attach.integrated) {
      f->integrated = std::make_unique<IntegratedPort>(
          numbered(f->kind->link_component(), n).c_str(), params.integrated, env);
    } else {
      f->link = std::make_unique<PcieLink>(numbered(f->kind->link_component(), n).c_str(),
                                           params.pcie, env);
    }
    f->pcie_port = std::make_unique<PcieFunctionPort>(
        (numbered(f->kind->qm_component(), n) + "_pcie_port").c_str());
    if (!f->kind->has_qm()) {
      f->device = f->kind->build_device(numbered(f->kind->qm_component(), n), d.name, *d.engine,
                                        d.qm.stream_id, env);
      f->view.name = d.name;
      f->view.kind = d.kind;
      functions_.push_back(std::move(f));
      continue;
    }
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
  // Switches with a device behind them (through any switch below); the others carry nothing
  // and are not built.
  std::set<std::string> used;
  for (const DeviceSpec& d : params.devices) {
    for (std::string name = d.attach.switch_name; !name.empty() && used.insert(name).second;) {
      auto up = std::find_if(params.switches.begin(), params.switches.end(),
                             [&](const PcieSwitchSpec& w) { return w.name == name; });
      name = up == params.switches.end() ? "" : up->parent;
    }
  }
  for (const PcieSwitchSpec& w : params.switches) {
    if (!used.count(w.name)) continue;
    auto node = std::make_unique<SwitchNode>();
    node->spec = &w;
    node->sw = std::make_unique<PcieSwitch>(w.name.c_str(), w.params, env);
    node->link = std::make_unique<PcieLink>((w.name + "_link").c_str(), w.link, env);
    switches_.push_back(std::move(node));
  }
  build_attachments();
}

int Topology::switch_index(const std::string& name) const {
  for (size_t i = 0; i < switches_.size(); ++i) {
    if (switches_[i]->spec->name == name) return static_cast<int>(i);
  }
  return -1;  // the scenario rejected unknown switch names
}

void Topology::build_attachments() {
  for (auto& w : switches_) {
    if (!w->spec->parent.empty()) w->parent = switch_index(w->spec->parent);
  }
  auto root_of = [&](int w) {
    while (switches_[static_cast<size_t>(w)]->parent >= 0) {
      w = switches_[static_cast<size_t>(w)]->parent;
    }
    return w;
  };
  for (size_t i = 0; i < functions_.size(); ++i) {
    const std::string& name = functions_[i]->spec->attach.switch_name;
    for (int w = name.empty() ? -1 : switch_index(name); w >= 0;
         w = switches_[static_cast<size_t>(w)]->parent) {
      switches_[static_cast<size_t>(w)]->below.push_back(static_cast<uint32_t>(i));
    }
  }
  // Attachments in device order, a root switch at its first device.
  std::vector<int> switch_attachment(switches_.size(), -1);
  for (size_t i = 0; i < functions_.size(); ++i) {
    const PcieAttach& at = functions_[i]->spec->attach;
    const uint32_t fi = static_cast<uint32_t>(i);
    if (at.switch_name.empty()) {
      Attachment a;
      a.function = static_cast<int>(i);
      a.below.push_back(fi);
      attachments_.push_back(std::move(a));
      continue;
    }
    const size_t root = static_cast<size_t>(root_of(switch_index(at.switch_name)));
    if (switch_attachment[root] < 0) {
      Attachment a;
      a.switch_node = static_cast<int>(root);
      switch_attachment[root] = static_cast<int>(attachments_.size());
      attachments_.push_back(std::move(a));
    }
    attachments_[static_cast<size_t>(switch_attachment[root])].below.push_back(fi);
  }
  for (size_t w = 0; w < switches_.size(); ++w) {
    if (switch_attachment[w] >= 0 || switches_[w]->parent >= 0) continue;
    Attachment a;
    a.switch_node = static_cast<int>(w);
    attachments_.push_back(std::move(a));
  }
  // Root ports: the given ones first, then the lowest free one, in device then switch order.
  std::set<uint32_t> taken;
  for (const auto& f : functions_) {
    const PcieAttach& at = f->spec->attach;
    if (at.root_port && !at.integrated && at.switch_name.empty()) taken.insert(*at.root_port);
  }
  for (const auto& w : switches_) {
    if (w->spec->root_port) taken.insert(*w->spec->root_port);
  }
  uint32_t next_free = 0;
  auto pick = [&](const std::optional<uint32_t>& given) {
    if (given) return *given;
    while (taken.count(next_free)) ++next_free;
    taken.insert(next_free);
    return next_free;
  };
  uint32_t integrated = 0;
  for (Attachment& a : attachments_) {
    if (a.function < 0) continue;
    const PcieAttach& at = functions_[static_cast<size_t>(a.function)]->spec->attach;
    if (at.integrated) {
      a.name = "integrated" + std::to_string(integrated++);
    } else {
      a.root_port = pick(at.root_port);
      a.name = "root_port" + std::to_string(a.root_port);
    }
  }
  for (Attachment& a : attachments_) {
    if (a.switch_node < 0) continue;
    a.root_port = pick(switches_[static_cast<size_t>(a.switch_node)]->spec->root_port);
    a.name = "root_port" + std::to_string(a.root_port);
  }
}

Topology::~Topology() = default;

std::vector<HostBus::WindowSpec> Topology::host_windows() const {
  std::vector<HostBus::WindowSpec> w{
      {"smmu_regs", AddressMap::kSmmuRegs, AddressMap::kSmmuRegsSize, true}};
  for (const auto& f : functions_) {
    // Behind a switch the bus passes host addresses (the switch routes by them and hands the
    // endpoint its BAR offset); otherwise the bus hands the offset itself.
    const bool offset = f->spec->attach.switch_name.empty();
    w.push_back({numbered(f->kind->qm_component(), f->number_in_kind) + "_bar", f->bar_pa,
                 bar_window_size(*f), offset});
  }
  return w;
}

namespace {

// Binds a function's port to the device side of its link or integrated port (both have the
// same sockets).
template <class Attach>
void bind_device_side(PcieFunctionPort& port, Attach& attach) {
  port.to_link.bind(attach.device_dma);
  attach.device_mmio.bind(port.from_link);
}

}  // namespace

void Topology::bind(RootComplex& rc, HostBus& bus, Smmu& smmu) {
  if (attachments_.size() > 1) {
    // Several attachments: merge their upstream traffic into the root complex.
    fan_in_ = std::make_unique<PcieFanIn>("pcie_fan_in", static_cast<uint32_t>(attachments_.size()),
                                          env_);
    fan_in_->upstream.bind(rc.from_link);
  }
  // ATS: one path from the root complex to the SMMU, one ID router back down. The router also
  // takes peer requests a switch's ACS redirected up to the root complex back down to the BARs
  // of the functions behind such a switch (`peer`).
  std::vector<bool> peer(functions_.size(), false);
  for (const auto& w : switches_) {
    if (!w->sw->params().acs_redirect) continue;
    for (uint32_t fi : w->below) peer[fi] = true;
  }
  const bool any_peer = std::find(peer.begin(), peer.end(), true) != peer.end();
  std::vector<int> router_port(attachments_.size(), -1);
  uint32_t router_ports = 0;
  bool any_ats = false;
  for (size_t a = 0; a < attachments_.size(); ++a) {
    for (uint32_t fi : attachments_[a].below) {
      const bool ats = ats_endpoint_of(*functions_[fi]) != nullptr;
      any_ats = any_ats || ats;
      if ((ats || peer[fi]) && router_port[a] < 0) {
        router_port[a] = static_cast<int>(router_ports++);
      }
    }
  }
  if (router_ports > 0) {
    id_router_ = std::make_unique<PcieIdRouter>("pcie_id_router", router_ports, env_);
  }
  if (any_ats) {
    rc.to_ats.bind(smmu.ats);
    smmu.ats_inv_pri.bind(id_router_->from_iommu);
  }
  if (any_peer) rc.to_peer.bind(id_router_->from_root_complex);
  // Each function: its models to its function port.
  for (auto& fp : functions_) {
    AcceleratorFunction& f = *fp;
    function_dma(f).bind(f.pcie_port->dma_in);
    f.pcie_port->mmio_out.bind(function_mmio(f));
    if (AtsEndpoint* ep = ats_endpoint_of(f)) {
      ep->ats.bind(f.pcie_port->msg_in);
      f.pcie_port->msg_out.bind(ep->from_smmu);
    }
  }
  for (size_t ai = 0; ai < attachments_.size(); ++ai) {
    Attachment& a = attachments_[ai];
    // Upstream end: the root complex, through the fan-in when there are several.
    // Host-side sources: the BAR windows of the devices behind it, and the ID router.
    const uint32_t sources =
        static_cast<uint32_t>(a.below.size()) + (router_port[ai] >= 0 ? 1u : 0u);
    if (sources > 1) {
      a.down = std::make_unique<PcieFanIn>((a.name + "_down").c_str(), sources, env_,
                                           "Downstream requests (MMIO, messages) from this source");
    }
    auto bind_host_side = [&](auto& host_dma, auto& host_mmio) {
      if (fan_in_) {
        host_dma.bind(fan_in_->port(static_cast<uint32_t>(ai)));
      } else {
        host_dma.bind(rc.from_link);
      }
      uint32_t source = 0;
      for (uint32_t fi : a.below) {
        if (a.down) {
          bus.window(fi + 1).bind(a.down->port(source++));
        } else {
          bus.window(fi + 1).bind(host_mmio);
        }
      }
      if (router_port[ai] >= 0) {
        auto& out = id_router_->port(static_cast<uint32_t>(router_port[ai]));
        if (a.down) {
          out.bind(a.down->port(source++));
        } else {
          out.bind(host_mmio);
        }
        for (uint32_t fi : a.below) {
          const AcceleratorFunction& f = *functions_[fi];
          const uint32_t port = static_cast<uint32_t>(router_port[ai]);
          if (ats_endpoint_of(f)) id_router_->add_requester(port, f.spec->qm.stream_id);
          if (peer[fi]) {
            id_router_->add_window(port, f.bar_pa, bar_window_size(f));
            rc.add_peer_window(f.bar_pa, bar_window_size(f));
          }
        }
      }
      if (a.down) a.down->upstream.bind(host_mmio);
    };
    if (a.function >= 0) {
      AcceleratorFunction& f = *functions_[static_cast<size_t>(a.function)];
      if (f.link) {
        bind_device_side(*f.pcie_port, *f.link);
        bind_host_side(f.link->host_dma, f.link->host_mmio);
      } else {
        bind_device_side(*f.pcie_port, *f.integrated);
        bind_host_side(f.integrated->host_dma, f.integrated->host_mmio);
      }
      continue;
    }
    SwitchNode& w = *switches_[static_cast<size_t>(a.switch_node)];
    bind_host_side(w.link->host_dma, w.link->host_mmio);
    bind_switch(static_cast<size_t>(a.switch_node));
  }
}

void Topology::bind_switch(size_t wi) {
  SwitchNode& w = *switches_[wi];
  w.sw->up_out.bind(w.link->device_dma);
  w.link->device_mmio.bind(w.sw->up_in);
  // What a downstream port leads to claims the windows and requesters of every function
  // behind it.
  auto claim = [&](uint32_t port, uint32_t fi, bool endpoint) {
    const AcceleratorFunction& f = *functions_[fi];
    w.sw->add_window(port, f.bar_pa, bar_window_size(f), endpoint);
    if (f.spec->qm.ats) w.sw->add_requester(port, f.spec->qm.stream_id);
  };
  for (uint32_t fi : w.below) {
    AcceleratorFunction& f = *functions_[fi];
    if (f.spec->attach.switch_name != w.spec->name) continue;  // behind a switch below
    const uint32_t port = f.spec->attach.port;
    bind_device_side(*f.pcie_port, *f.link);
    f.link->host_dma.bind(w.sw->down_in(port));
    w.sw->down_out(port).bind(f.link->host_mmio);
    claim(port, fi, true);
  }
  for (size_t ci = 0; ci < switches_.size(); ++ci) {
    SwitchNode& c = *switches_[ci];
    if (c.parent != static_cast<int>(wi)) continue;
    const uint32_t port = c.spec->parent_port;
    c.link->host_dma.bind(w.sw->down_in(port));
    w.sw->down_out(port).bind(c.link->host_mmio);
    for (uint32_t fi : c.below) claim(port, fi, false);
    bind_switch(ci);
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
    if (f.device) {
      DeviceDriverContext ctx{kernel,
                              gic,
                              smmu,
                              f.spec->name,
                              f.bar_pa,
                              q.stream_id,
                              q.msi_address ? q.msi_address : params_.root_complex.msi_base,
                              q.msi_data};
      f.device_driver = f.kind->build_driver(ctx, *f.spec->engine);
      f.view.dev_path = f.device_driver->dev_path();
      views_.push_back(f.view);
      continue;
    }
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
    uinfo.evict_by_priority = f.spec->evict_policy == "priority";
    uinfo.sva = f.spec->uacce_mode == "sva";
    f.view.sva = uinfo.sva;
    f.uacce = std::make_unique<UacceDevice>(kernel, *f.driver, smmu, uinfo);
    f.view.uacce_path = f.uacce->dev_path();
    if (!f.kind->syscall_device_path().empty()) {
      const std::string path = numbered(f.kind->syscall_device_path(), f.number_in_kind);
      f.syscall_device = f.kind->build_syscall_device(
          kernel, *f.driver, dma, path, static_cast<uint8_t>(f.spec->kernel_queue_priority));
      f.view.syscall_path = path;
    }
    views_.push_back(f.view);
  }
}

void Topology::probe(CpuContext& boot, SmmuDriver& smmu, DmaApi& dma, uint16_t dma_asid) {
  for (auto& f : functions_) {
    smmu.attach_device(boot, f->spec->qm.stream_id, dma.domain(), dma_asid);
    if (f->device_driver) {
      f->device_driver->probe(boot);
    } else {
      f->driver->probe(boot);
    }
  }
}

const AcceleratorFunction* Topology::find(const std::string& name) const {
  for (const auto& f : functions_) {
    if (f->spec->name == name) return f.get();
  }
  return nullptr;
}

}  // namespace wdsim
