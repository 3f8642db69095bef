#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn for the iopf workers
#include "sim/cpu_host/kernel/smmu_driver.h"

#include <algorithm>
#include <stdexcept>

#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"
#include "sim/base/params.h"
#include "sim/cpu_host/interrupt_controller.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/page_table.h"
#include "sim/iommu/pri_formats.h"

namespace wdsim {

namespace {
constexpr uint64_t kPage = aarch64::kPageSize4K;
constexpr uint32_t kQueueSizeMask = 0x1f;  // IDR1.CMDQS/EVTQS/PRIQS are 5 bits each

uint64_t pages_for(uint64_t bytes) { return align_up(bytes, kPage) / kPage; }
}  // namespace

SmmuDriver::SmmuDriver(Kernel& kernel, SmmuDriverConfig config)
    : kernel_(kernel),
      config_(config),
      evtq_overflows_(kernel.env().stats().counter(
          "host.smmu_drv.evtq_overflows",
          "Event queue overflows the driver saw (the SMMU lost events: EVTQ_PROD.OVFLG)")),
      page_requests_(
          kernel.env().stats().counter("host.smmu_drv.page_requests", "PRI page requests served")),
      syncs_(kernel.env().stats().counter("host.smmu_drv.syncs", "CMD_SYNCs the driver issued")),
      io_page_faults_(kernel.env().stats().counter(
          "host.page_faults.io", "I/O page faults the kernel served (stall or PRI)")) {
  for (size_t id = 0; id < events_by_id_.size(); ++id) {
    events_by_id_[id] = &kernel.env().stats().counter(
        std::string("host.smmu_drv.events.") + smmu::event_id_key(static_cast<uint8_t>(id)),
        "Event-queue records the driver read, by event id");
  }
  kernel_.add_mm_drop_hook([this](Process& p) { mm_dropped(p.pid()); });
}

uint32_t SmmuDriver::reg_read32(CpuContext& cpu, uint32_t offset) {
  return kernel_.mmio_read32(cpu, config_.regs_pa + offset);
}
void SmmuDriver::reg_write32(CpuContext& cpu, uint32_t offset, uint32_t v) {
  kernel_.mmio_write32(cpu, config_.regs_pa + offset, v);
}
void SmmuDriver::reg_write64(CpuContext& cpu, uint32_t offset, uint64_t v) {
  kernel_.mmio_write64(cpu, config_.regs_pa + offset, v);
}

void SmmuDriver::probe(CpuContext& cpu, InterruptController* gic) {
  // arm_smmu_device_hw_probe: the queue sizes the SMMU supports (IDR1). The ID registers are
  // read once before the timed boot: the read is not charged.
  const uint32_t idr1 = kernel_.mmio_read32_uncharged(config_.regs_pa + smmu::kRegIdr1);
  auto field = [idr1](unsigned lo) { return static_cast<uint8_t>((idr1 >> lo) & kQueueSizeMask); };
  config_.cmdq_log2 = std::min(config_.cmdq_log2, field(smmu::kIdr1CmdqsLo));
  config_.evtq_log2 = std::min(config_.evtq_log2, field(smmu::kIdr1EvtqsLo));
  if (config_.pri) config_.priq_log2 = std::min(config_.priq_log2, field(smmu::kIdr1PriqsLo));
  if (config_.cmdq_log2 < kMinCmdqLog2) {
    throw std::runtime_error("SMMU driver: command queue of " +
                             std::to_string(1u << config_.cmdq_log2) +
                             " entries (IDR1.CMDQS) not supported: it needs more than " +
                             std::to_string(1u << (kMinCmdqLog2 - 1)));
  }
  auto& frames = kernel_.frames();
  auto zeroed = [&](uint64_t bytes) {
    const uint64_t pa = frames.alloc_contiguous(pages_for(bytes));
    std::vector<uint8_t> zero(align_up(bytes, kPage), 0);
    kernel_.memory().write(pa, zero.data(), zero.size());
    return pa;
  };
  strtab_pa_ = zeroed((uint64_t{1} << config_.sid_bits) * smmu::kSteBytes);
  cmdq_pa_ = zeroed((uint64_t{1} << config_.cmdq_log2) * smmu::kCmdBytes);
  evtq_pa_ = zeroed((uint64_t{1} << config_.evtq_log2) * smmu::kEvtBytes);

  // arm_smmu_device_reset: tables and queues first, then enable queues, then SMMUEN.
  reg_write64(cpu, smmu::kRegStrtabBase, strtab_pa_ & smmu::kStrtabBaseAddrMask);
  reg_write32(cpu, smmu::kRegStrtabBaseCfg,
              smmu::encode_strtab_base_cfg({config_.sid_bits, 0, smmu::kStrtabFmtLinear}));
  reg_write64(cpu, smmu::kRegCmdqBase,
              smmu::encode_queue_base({cmdq_pa_, config_.cmdq_log2, true}));
  reg_write32(cpu, smmu::kRegCmdqProd, 0);
  reg_write32(cpu, smmu::kRegCmdqCons, 0);
  reg_write64(cpu, smmu::kRegEvtqBase,
              smmu::encode_queue_base({evtq_pa_, config_.evtq_log2, true}));
  reg_write32(cpu, smmu::kRegEvtqProd, 0);
  reg_write32(cpu, smmu::kRegEvtqCons, 0);
  uint32_t cr0 = smmu::kCr0CmdqEn | smmu::kCr0EvtqEn | smmu::kCr0SmmuEn;
  uint32_t irq_ctrl = smmu::kIrqCtrlEvtqIrqEn;
  if (config_.pri) {
    if (!gic) throw std::logic_error("SMMU driver: PRI needs the interrupt controller");
    priq_pa_ = zeroed((uint64_t{1} << config_.priq_log2) * smmu::kPriqBytes);
    reg_write64(cpu, smmu::kRegPriqBase,
                smmu::encode_queue_base({priq_pa_, config_.priq_log2, true}));
    reg_write32(cpu, smmu::kRegPriqProd, 0);
    reg_write32(cpu, smmu::kRegPriqCons, 0);
    priq_cons_ = 0;
    reg_write64(cpu, smmu::kRegPriqIrqCfg0, config_.regs_pa);
    reg_write32(cpu, smmu::kRegPriqIrqCfg1, config_.priq_msi_vector);
    irq_ctrl |= smmu::kIrqCtrlPriqIrqEn;
    cr0 |= smmu::kCr0PriqEn;
    gic->set_handler(config_.priq_msi_vector, [this](CpuContext& c) { priq_irq(c); });
  }
  if (gic) {
    // The SMMU's MSI goes straight to the interrupt controller: the address only has to be
    // non-zero, the data is the vector.
    reg_write64(cpu, smmu::kRegEvtqIrqCfg0, config_.regs_pa);
    reg_write32(cpu, smmu::kRegEvtqIrqCfg1, config_.evtq_msi_vector);
    reg_write32(cpu, smmu::kRegIrqCtrl, irq_ctrl);
    gic->set_handler(config_.evtq_msi_vector, [this](CpuContext& c) { evtq_irq(c); });
    // The iopf workqueue's workers (system.host.iopf_workers; none: the handler serves faults).
    for (uint64_t i = iopf_cpus_.size(); i < kernel_.costs().iopf_workers; ++i) {
      iopf_cpus_.push_back(std::make_unique<CpuContext>());
      CpuContext* worker = iopf_cpus_.back().get();
      sc_core::sc_spawn([this, worker] { iopf_worker(*worker); },
                        sc_core::sc_gen_unique_name("iopf_worker"));
    }
  }
  reg_write32(cpu, smmu::kRegCr0, cr0);
  if (reg_read32(cpu, smmu::kRegCr0Ack) != cr0) {
    throw std::runtime_error("SMMU driver: CR0ACK did not follow CR0");
  }
  cmdq_prod_ = 0;
  submit(cpu, {smmu::encode_cmd_cfgi_all(), smmu::encode_cmd_tlbi_nsnh_all()});
  kernel_.env().trace_event("host.smmu_drv", "probe");
}

void SmmuDriver::attach_device(CpuContext& cpu, uint32_t sid, const PageTable& dma_domain,
                               uint16_t dma_asid) {
  if (sid >= (1u << config_.sid_bits)) throw std::invalid_argument("SMMU driver: sid too large");
  Device& dev = devices_[sid];
  dev.dma_asid = dma_asid;
  dev.ats = std::find(config_.ats_stream_ids.begin(), config_.ats_stream_ids.end(), sid) !=
            config_.ats_stream_ids.end();
  const uint64_t cd_bytes = (uint64_t{1} << config_.ssid_bits) * smmu::kCdBytes;
  dev.cd_table_pa = kernel_.frames().alloc_contiguous(pages_for(cd_bytes));
  std::vector<uint8_t> zero(align_up(cd_bytes, kPage), 0);
  kernel_.memory().write(dev.cd_table_pa, zero.data(), zero.size());
  next_asid_ = std::max<uint16_t>(next_asid_, static_cast<uint16_t>(dma_asid + 1));

  smmu::CdConfig cd0;
  cd0.asid = dma_asid;
  cd0.ttb0 = dma_domain.root_pa();
  write_cd(cpu, dev, 0, cd0);

  smmu::SteConfig ste;
  ste.config = smmu::SteCfg::kS1Trans;
  ste.s1_fmt = smmu::kS1FmtLinear;
  ste.s1_context_ptr = dev.cd_table_pa;
  ste.s1_cd_max = config_.ssid_bits;
  ste.s1_dss = smmu::kS1DssSsid0;
  if (dev.ats) ste.eats = smmu::kEatsTrans;
  if (config_.vm_stage2_block) {
    if (!s2_root_) s2_root_ = build_stage2(cpu);
    ste.config = smmu::SteCfg::kNested;
    ste.s2_vmid = 0;  // stage-1 TLB maintenance (VMID 0 in its commands) then matches
    ste.s2_aa64 = true;
    ste.s2_r = true;
    // 4K granule, start level 1 (SL0 = 1): up to 39-bit IPAs without concatenation.
    ste.vtcr = smmu::encode_vtcr({.t0sz = s2_t0sz_, .sl0 = 1, .tg = 0, .ps = 5});
    ste.s2_ttb = s2_root_;
  }
  uint64_t words[smmu::kSteDwords];
  smmu::encode_ste(ste, words);
  kernel_.kernel_write(cpu, strtab_pa_ + uint64_t{sid} * smmu::kSteBytes, words, sizeof words);
  submit(cpu, {smmu::encode_cmd_cfgi_ste(sid)});
  kernel_.env().trace_event("host.smmu_drv", "attach", {tf("sid", sid)});
}

uint64_t SmmuDriver::build_stage2(CpuContext& cpu) {
  // Stage-2 descriptors (Arm ARM D8.3): valid, block (bit 1 clear) or table (bit 1 set);
  // MemAttr[5:2] = 0b1111 (Normal write-back), S2AP[7:6] = read+write, SH[9:8] inner
  // shareable, AF.
  constexpr uint64_t kValid = 1ull << 0, kTable = 1ull << 1;
  constexpr uint64_t kMemAttrNormalWb = 0xfull << 2, kS2ApRw = 3ull << 6, kShInner = 3ull << 8;
  constexpr uint64_t kAf = 1ull << 10;
  constexpr uint64_t kBlockAttrs = kValid | kMemAttrNormalWb | kS2ApRw | kShInner | kAf;
  constexpr uint64_t k1G = 1ull << 30, k2M = 1ull << 21;
  unsigned ipa_bits = 32;
  while ((1ull << ipa_bits) < config_.vm_ipa_bytes) ++ipa_bits;
  if (ipa_bits > 39) throw std::runtime_error("SMMU driver: VM IPA space above 39 bits");
  s2_t0sz_ = static_cast<uint8_t>(64 - ipa_bits);
  auto zeroed_page = [&] {
    const uint64_t pa = kernel_.frames().alloc();
    std::vector<uint8_t> zero(kPage, 0);
    kernel_.memory().write(pa, zero.data(), zero.size());
    return pa;
  };
  const uint64_t root = zeroed_page();  // level 1: one entry per GiB
  const uint64_t gibs = (config_.vm_ipa_bytes + k1G - 1) / k1G;
  for (uint64_t g = 0; g < gibs; ++g) {
    uint64_t desc;
    if (config_.vm_stage2_block == k1G) {
      desc = (g * k1G) | kBlockAttrs;
    } else {
      const uint64_t l2 = zeroed_page();
      std::vector<uint64_t> entries(512);
      for (uint64_t i = 0; i < 512; ++i) entries[i] = (g * k1G + i * k2M) | kBlockAttrs;
      kernel_.kernel_write(cpu, l2, entries.data(), kPage);
      desc = l2 | kValid | kTable;
    }
    kernel_.kernel_write(cpu, root + g * 8, &desc, 8);
  }
  kernel_.env().trace_event("host.smmu_drv", "vm_stage2",
                            {tf("ipa_bits", ipa_bits), tf("block", config_.vm_stage2_block)});
  return root;
}

void SmmuDriver::write_cd(CpuContext& cpu, const Device& dev, uint32_t ssid,
                          const smmu::CdConfig& cd) {
  uint64_t words[smmu::kCdDwords];
  smmu::encode_cd(cd, words);
  kernel_.kernel_write(cpu, dev.cd_table_pa + uint64_t{ssid} * smmu::kCdBytes, words, sizeof words);
}

uint32_t SmmuDriver::sva_bind(CpuContext& cpu, uint32_t sid, Process& process) {
  auto it = devices_.find(sid);
  if (it == devices_.end()) throw std::logic_error("SMMU driver: bind to an unattached device");
  Device& dev = it->second;
  auto bound = dev.pasid_of_pid.find(process.pid());
  if (bound != dev.pasid_of_pid.end()) {
    dev.bonds[bound->second].refs++;
    return bound->second;
  }
  auto mm = mm_pasids_.find(process.pid());
  if (mm == mm_pasids_.end()) {
    // iommu_alloc_mm_data: the mm's first bind takes a PASID (lowest free first).
    uint32_t fresh;
    if (!free_pasids_.empty()) {
      fresh = free_pasids_.front();
      free_pasids_.erase(free_pasids_.begin());
    } else {
      fresh = next_pasid_++;
    }
    if (fresh >= (1u << config_.ssid_bits)) {
      throw std::runtime_error("SMMU driver: out of PASIDs");
    }
    mm = mm_pasids_.emplace(process.pid(), MmPasid{fresh, 0, false, 0}).first;
  }
  const uint32_t pasid = mm->second.pasid;
  if (mm->second.asid == 0) {
    // The mm's first device: its ASID, which every later device's CD of this mm shares.
    if (next_asid_ == 0) throw std::runtime_error("SMMU driver: out of ASIDs");
    mm->second.asid = next_asid_++;
  }
  const uint16_t asid = mm->second.asid;
  smmu::CdConfig cd;
  cd.asid = asid;
  cd.ttb0 = process.page_table().root_pa();
  cd.t0sz = PageTable::kT0sz;  // the walk's granule and VA size are the process's own
  cd.tg0 = process.page_table().granule_tg0();
  cd.stall = config_.stall_faults;
  write_cd(cpu, dev, pasid, cd);
  submit(cpu, {smmu::encode_cmd_cfgi_cd(sid, pasid)});
  dev.pasid_of_pid[process.pid()] = pasid;
  ++mm->second.devices;
  Bond& bond = dev.bonds[pasid];
  bond.process = &process;
  bond.asid = asid;
  bond.refs = 1;
  bond.notifier = std::make_unique<SvaNotifier>(*this, sid, pasid, asid);
  kernel_.register_mm_notifier(process, bond.notifier.get());
  if (DmaOracle* oracle = kernel_.dma_oracle()) oracle->bind(sid, pasid, process.pid());
  kernel_.env().trace_event(
      "host.smmu_drv", "sva_bind",
      {tf("sid", sid), tf("pid", process.pid()), tf("pasid", pasid), tf("asid", asid)});
  return pasid;
}

void SmmuDriver::retire_cd(CpuContext& cpu, uint32_t sid, uint32_t pasid, uint16_t asid,
                           bool quiet) {
  const Device& dev = devices_.at(sid);
  if (quiet) {
    // mm release: keep the CD valid (no C_BAD_CD storm) but fault everything (EPD0), so
    // in-flight DMA faults cleanly.
    smmu::CdConfig cd;
    cd.epd0 = true;
    cd.asid = asid;
    write_cd(cpu, dev, pasid, cd);
  } else {
    // arm_smmu_clear_cd: an all-zero CD (V = 0).
    const uint64_t zero[smmu::kCdDwords] = {};
    kernel_.kernel_write(cpu, dev.cd_table_pa + uint64_t{pasid} * smmu::kCdBytes, zero,
                         sizeof zero);
  }
  std::vector<smmu::CmdWords> cmds = {smmu::encode_cmd_cfgi_cd(sid, pasid),
                                      smmu::encode_cmd_tlbi_nh_asid(asid)};
  if (dev.ats) cmds.push_back(smmu::encode_cmd_atc_inv(sid, true, pasid, 0, 0));
  submit(cpu, cmds);
}

void SmmuDriver::sva_unbind(CpuContext& cpu, uint32_t sid, uint32_t pasid) {
  auto it = devices_.find(sid);
  if (it == devices_.end()) return;
  Device& dev = it->second;
  auto b = dev.bonds.find(pasid);
  if (b == dev.bonds.end() || --b->second.refs > 0) return;
  // The device is stopped (the caller drained its queue): clear the CD and the TLBs of the
  // ASID before anything is freed.
  retire_cd(cpu, sid, pasid, b->second.asid, /*quiet=*/false);
  const int pid = b->second.process->pid();
  kernel_.unregister_mm_notifier(*b->second.process, b->second.notifier.get());
  dev.pasid_of_pid.erase(pid);
  dev.bonds.erase(b);
  // From here on no DMA may carry this PASID (the CD faults everything, the TLBs are clean).
  if (DmaOracle* oracle = kernel_.dma_oracle()) oracle->unbind(sid, pasid);
  kernel_.env().trace_event("host.smmu_drv", "sva_unbind", {tf("sid", sid), tf("pasid", pasid)});
  auto mm = mm_pasids_.find(pid);
  if (mm != mm_pasids_.end() && --mm->second.devices == 0 && mm->second.dropped) {
    free_mm_pasid(pid);
  }
}

void SmmuDriver::mm_dropped(int pid) {
  auto mm = mm_pasids_.find(pid);
  if (mm == mm_pasids_.end()) return;
  mm->second.dropped = true;
  if (mm->second.devices == 0) free_mm_pasid(pid);
}

void SmmuDriver::free_mm_pasid(int pid) {
  auto mm = mm_pasids_.find(pid);
  const uint32_t pasid = mm->second.pasid;
  mm_pasids_.erase(mm);
  free_pasids_.push_back(pasid);
  std::sort(free_pasids_.begin(), free_pasids_.end());
  kernel_.env().trace_event("host.smmu_drv", "pasid_free", {tf("pid", pid), tf("pasid", pasid)});
}

std::optional<uint32_t> SmmuDriver::pasid_of(int pid) const {
  auto mm = mm_pasids_.find(pid);
  if (mm == mm_pasids_.end()) return std::nullopt;
  return mm->second.pasid;
}

int SmmuDriver::devices_bound(int pid) const {
  auto mm = mm_pasids_.find(pid);
  return mm == mm_pasids_.end() ? 0 : mm->second.devices;
}

void SmmuDriver::SvaNotifier::invalidate_range(CpuContext& cpu, uint64_t start, uint64_t length) {
  drv_.kernel_.env().trace_event("host.smmu_drv", "mm_invalidate",
                                 {tf("pasid", pasid_), tf_hex("va", start), tf("len", length)});
  const Process* mm = drv_.devices_.at(sid_).bonds.at(pasid_).process;
  drv_.invalidate_range(cpu, asid_, start, length, mm->page_table().granule_shift());
}

void SmmuDriver::SvaNotifier::release(CpuContext& cpu) {
  drv_.retire_cd(cpu, sid_, pasid_, asid_, /*quiet=*/true);
  drv_.devices_.at(sid_).bonds.at(pasid_).released = true;
  drv_.kernel_.env().trace_event("host.smmu_drv", "mm_release", {tf("pasid", pasid_)});
}

void SmmuDriver::invalidate_range(CpuContext& cpu, uint16_t asid, uint64_t iova, uint64_t size,
                                  unsigned page_shift) {
  std::vector<smmu::CmdWords> cmds;
  const uint64_t granule = uint64_t{1} << page_shift;
  const uint64_t first = align_down(iova, granule);
  const uint64_t bytes = align_up(iova + size, granule) - first;
  if ((bytes >> page_shift) >= max_tlbi_ops(page_shift)) {
    cmds = {smmu::encode_cmd_tlbi_nh_asid(asid)};
  } else {
    cmds = smmu::tlbi_nh_va_range_cmds(asid, first, bytes, page_shift);
  }
  append_atc_inv(cmds, asid, iova, size);
  submit(cpu, cmds);
}

void SmmuDriver::append_atc_inv(std::vector<smmu::CmdWords>& cmds, uint16_t asid, uint64_t iova,
                                uint64_t size) const {
  for (const auto& [sid, dev] : devices_) {
    if (!dev.ats) continue;
    if (dev.dma_asid == asid) cmds.push_back(smmu::encode_cmd_atc_inv(sid, false, 0, iova, size));
    for (const auto& [pasid, bond] : dev.bonds) {
      if (bond.asid == asid && !bond.released) {
        cmds.push_back(smmu::encode_cmd_atc_inv(sid, true, pasid, iova, size));
      }
    }
  }
}

const SmmuDriver::Bond* SmmuDriver::find_bond(uint32_t sid, uint32_t ssid) const {
  auto d = devices_.find(sid);
  if (d == devices_.end()) return nullptr;
  auto b = d->second.bonds.find(ssid);
  return b == d->second.bonds.end() ? nullptr : &b->second;
}

void SmmuDriver::evtq_irq(CpuContext& cpu) {
  const unsigned log2 = config_.evtq_log2;
  // Like arm_smmu_evtq_thread: drain, publish CONS, and look again — events that arrive
  // while the queue is non-empty raise no new interrupt.
  uint32_t prod = reg_read32(cpu, smmu::kRegEvtqProd);
  while (true) {
    while ((evtq_cons_ & smmu::queue_ptr_mask(log2)) != (prod & smmu::queue_ptr_mask(log2))) {
      uint64_t words[smmu::kEvtDwords];
      kernel_.kernel_read(
          cpu, evtq_pa_ + uint64_t{smmu::queue_index(evtq_cons_, log2)} * smmu::kEvtBytes, words,
          sizeof words);
      evtq_cons_ = smmu::queue_next(evtq_cons_, log2);
      const smmu::EventRecord e = smmu::decode_event(words);
      events_by_id_[e.id]->inc();
      kernel_.env().trace_event(
          "host.smmu_drv", "event",
          {tf("id", smmu::event_id_name(e.id)), tf("sid", e.sid), tf("ssid", e.ssid),
           tf_hex("addr", e.input_addr), tf("stall", e.stall ? 1 : 0)});
      if (!e.stall) continue;
      // iommu_report_device_fault -> iopf_queue_fault: served here, or by an iopf worker.
      if (iopf_cpus_.empty()) {
        serve_stall(cpu, e);
      } else {
        iopf_queue_.push_back(e);
        iopf_queued_.notify(sc_core::SC_ZERO_TIME);
      }
    }
    if ((prod & smmu::kQueueOverflowFlag) != evtq_ovf_acked_) {
      // The SMMU lost events while the queue was full; acknowledging copies OVFLG into CONS.
      evtq_overflows_.inc();
      kernel_.env().trace_event("host.smmu_drv", "evtq_overflow");
      evtq_ovf_acked_ = prod & smmu::kQueueOverflowFlag;
    }
    reg_write32(cpu, smmu::kRegEvtqCons, evtq_cons_ | (prod & smmu::kQueueOverflowFlag));
    prod = reg_read32(cpu, smmu::kRegEvtqProd);
    if ((evtq_cons_ & smmu::queue_ptr_mask(log2)) == (prod & smmu::queue_ptr_mask(log2))) break;
  }
}

void SmmuDriver::serve_stall(CpuContext& cpu, const smmu::EventRecord& e) {
  // iopf work -> handle_mm_fault -> page response.
  cpu.busy(ns(kernel_.costs().iopf_handler_ns));
  const Bond* bond = e.ssv ? find_bond(e.sid, e.ssid) : nullptr;
  bool fixed = false;
  if (bond && !bond->released && bond->process->fault_in(e.input_addr)) {
    cpu.busy(ns(kernel_.costs().page_fault_ns));
    io_page_faults_.inc();
    fixed = true;
  }
  smmu::Command resume;
  resume.op = static_cast<uint8_t>(smmu::CmdOp::kResume);
  resume.sid = e.sid;
  resume.stag = e.stag;
  resume.resp = fixed ? smmu::kResumeRetry : smmu::kResumeAbort;
  submit(cpu, {smmu::encode_cmd(resume)});
  kernel_.env().trace_event("host.smmu_drv", "resume",
                            {tf("sid", e.sid), tf("stag", e.stag), tf("retry", fixed ? 1 : 0)});
}

void SmmuDriver::iopf_worker(CpuContext& cpu) {
  for (;;) {
    while (iopf_queue_.empty()) sc_core::wait(iopf_queued_);
    const smmu::EventRecord e = iopf_queue_.front();
    iopf_queue_.pop_front();
    try {
      serve_stall(cpu, e);
    } catch (const std::exception& ex) {
      // A driver failure (a command-queue timeout) is the run's error, as in the handler.
      kernel_.note_error(std::string("iopf worker: ") + ex.what());
    }
  }
}

void SmmuDriver::invalidate_asid(CpuContext& cpu, uint16_t asid) {
  std::vector<smmu::CmdWords> cmds = {smmu::encode_cmd_tlbi_nh_asid(asid)};
  append_atc_inv(cmds, asid, 0, 0);
  submit(cpu, cmds);
}

void SmmuDriver::priq_irq(CpuContext& cpu) {
  const unsigned log2 = config_.priq_log2;
  const uint32_t mask = smmu::queue_ptr_mask(log2);
  uint32_t prod = reg_read32(cpu, smmu::kRegPriqProd);
  while (true) {
    while ((priq_cons_ & mask) != (prod & mask)) {
      uint64_t words[smmu::kPriqDwords];
      kernel_.kernel_read(
          cpu, priq_pa_ + uint64_t{smmu::queue_index(priq_cons_, log2)} * smmu::kPriqBytes, words,
          sizeof words);
      priq_cons_ = smmu::queue_next(priq_cons_, log2);
      const smmu::PageRequest r = smmu::decode_priq_entry(words);
      page_requests_.inc();
      kernel_.env().trace_event("host.smmu_drv", "page_request",
                                {tf("sid", r.sid), tf("ssid", r.ssid), tf_hex("addr", r.addr),
                                 tf("write", r.write ? 1 : 0), tf("last", r.last ? 1 : 0)});
      // iommu_report_device_fault -> iopf work -> handle_mm_fault -> page response.
      cpu.busy(ns(kernel_.costs().iopf_handler_ns));
      const Bond* bond = r.ssv ? find_bond(r.sid, r.ssid) : nullptr;
      bool fixed = false;
      if (bond && !bond->released) {
        Process& process = *bond->process;
        if (process.fault_in(r.addr)) {
          cpu.busy(ns(kernel_.costs().page_fault_ns));
          io_page_faults_.inc();
          fixed = true;
        } else {
          // Already present (another request faulted it in): fine unless the access is not.
          const Vma* vma = process.find_vma(r.addr);
          fixed = process.translate(r.addr).has_value() && vma && (!r.write || vma->writable);
        }
      }
      if (!r.last) continue;
      smmu::Command resp;
      resp.op = static_cast<uint8_t>(smmu::CmdOp::kPriResp);
      resp.sid = r.sid;
      resp.ssv = r.ssv;
      resp.ssid = r.ssid;
      resp.grpid = r.prg_index;
      resp.resp = fixed ? smmu::kPriRespSuccess : smmu::kPriRespDeny;
      submit(cpu, {smmu::encode_cmd(resp)});
      kernel_.env().trace_event(
          "host.smmu_drv", "pri_resp",
          {tf("sid", r.sid), tf("prg", r.prg_index), tf("success", fixed ? 1 : 0)});
    }
    reg_write32(cpu, smmu::kRegPriqCons, priq_cons_ | (prod & smmu::kQueueOverflowFlag));
    prod = reg_read32(cpu, smmu::kRegPriqProd);
    if ((priq_cons_ & mask) == (prod & mask)) break;
  }
}

void SmmuDriver::submit(CpuContext& cpu, const std::vector<smmu::CmdWords>& cmds_in) {
  std::vector<smmu::CmdWords> cmds = cmds_in;
  cmds.push_back(smmu::encode_cmd_sync(smmu::kSyncCsSev));
  const unsigned log2 = config_.cmdq_log2;
  const uint32_t entries = 1u << log2;
  const uint32_t mask = smmu::queue_ptr_mask(log2);
  if (cmds.size() >= entries) throw std::logic_error("SMMU driver: command batch too large");
  // Runs to its end even if the thread is killed meanwhile: a half-written batch or a held
  // queue lock would wedge every other submitter.
  CpuContext::Uninterruptible whole(cpu);
  const sc_core::sc_time period = ns(kernel_.costs().cmdq_poll_interval_ns);
  const sc_core::sc_time timeout = ns(config_.poll_timeout_us * 1e3);
  // queue_poll: kPollSpinCount polls a period apart, then delays from kPollFirstDelayNs
  // doubling, until `timeout` from the first poll has passed.
  struct Poll {
    explicit Poll(const CpuContext& c) : start(c.local_now()) {}
    sc_core::sc_time start;
    sc_core::sc_time delay;
    int spins = 0;
  };
  auto wait_more = [&](Poll& p, const char* what, uint32_t cons) {
    if (cpu.local_now() - p.start >= timeout) {
      throw std::runtime_error(
          std::string("SMMU driver: ") + what + " timeout after " +
          ParamScope::double_text(config_.poll_timeout_us) +
          " us (host.smmu_poll_timeout_us): the SMMU did not consume its commands (PROD " +
          std::to_string(cmdq_prod_) + ", CONS " + std::to_string(cons) + ")");
    }
    if (++p.spins < kPollSpinCount) {
      cpu.busy(period);
      return;
    }
    p.delay = p.delay == sc_core::SC_ZERO_TIME ? ns(kPollFirstDelayNs) : p.delay * 2;
    cpu.busy(p.delay);
  };
  auto check = [](uint32_t cons) {
    const uint8_t err =
        static_cast<uint8_t>(get_bits(cons, smmu::kCmdqConsErrHi, smmu::kCmdqConsErrLo));
    if (err != smmu::kCerrorNone) {
      // arm_smmu_cmdq_skip_err's messages.
      const char* what = err == smmu::kCerrorIll   ? "CERROR_ILL: illegal command"
                         : err == smmu::kCerrorAbt ? "CERROR_ABT: abort on command fetch"
                         : err == smmu::kCerrorAtcInvSync
                             ? "CERROR_ATC_INV_SYNC: ATC invalidation timed out"
                             : "unknown CERROR";
      throw std::runtime_error("SMMU driver: command queue error " + std::to_string(err) + " (" +
                               what + ")");
    }
  };
  // The batch and its PROD update go in under the queue lock; batches of other submitters
  // may still be in the queue (room is checked against CONS as last read, re-read if short).
  ++cmdq_waiters_;
  while (cmdq_locked_) cpu.spin_wait(cmdq_unlocked_);  // a spinlock: the waiter spins
  --cmdq_waiters_;
  cmdq_locked_ = true;
  Poll room(cpu);
  try {
    while (((cmdq_prod_ - cmdq_cons_seen_) & mask) + cmds.size() > entries) {
      const uint32_t cons = reg_read32(cpu, smmu::kRegCmdqCons);
      check(cons);
      cmdq_cons_seen_ = cons & mask;
      if (((cmdq_prod_ - cmdq_cons_seen_) & mask) + cmds.size() <= entries) break;
      wait_more(room, "CMDQ", cons);
    }
  } catch (...) {
    cmdq_locked_ = false;  // the error is the submitter's; the lock is not kept
    if (cmdq_waiters_ > 0) cmdq_unlocked_.notify(sc_core::SC_ZERO_TIME);
    throw;
  }
  for (const auto& c : cmds) {
    const uint32_t idx = smmu::queue_index(cmdq_prod_, log2);
    kernel_.kernel_write(cpu, cmdq_pa_ + uint64_t{idx} * smmu::kCmdBytes, c.data(),
                         smmu::kCmdBytes);
    cmdq_prod_ = smmu::queue_next(cmdq_prod_, log2);
    ++commands_issued_;
  }
  cpu.busy(ns(kernel_.costs().barrier_ns));
  reg_write32(cpu, smmu::kRegCmdqProd, cmdq_prod_);
  const uint32_t my_end = cmdq_prod_;  // just past this batch's SYNC
  cmdq_locked_ = false;
  if (cmdq_waiters_ > 0) cmdq_unlocked_.notify(sc_core::SC_ZERO_TIME);
  // Wait for the SYNC: poll CMDQ_CONS until it has passed it (arm_smmu_cmdq_poll_until_sync);
  // CONS at or beyond my_end, with wrap: my_end - cons (mod 2 * entries) is 0 or > entries.
  Poll sync(cpu);
  while (true) {
    const uint32_t cons = reg_read32(cpu, smmu::kRegCmdqCons);
    check(cons);
    cmdq_cons_seen_ = cons & mask;
    const uint32_t behind = (my_end - cmdq_cons_seen_) & mask;
    if (behind == 0 || behind > entries) break;
    wait_more(sync, "CMD_SYNC", cons);
  }
  syncs_.inc();
}

}  // namespace wdsim
