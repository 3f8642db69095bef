// The kernel's SMMUv3 driver (Linux drivers/iommu/arm/arm-smmu-v3/), reduced to what the
// walking skeleton needs: at probe it builds a linear stream table, the command queue and
// the event queue in memory and enables the SMMU through its registers; it attaches a
// device (STE: stage 1, linear CD table, S1DSS=SSID0 so traffic without a PASID uses the
// kernel DMA domain in CD 0); SVA bind allocates a PASID and an ASID and installs a CD whose
// TTB0 is the process's own page-table root (CFGI_CD + SYNC); unbind replaces it with a CD
// that faults everything (EPD0) before the PASID is freed; invalidate_range issues
// TLBI_NH_VA over a range (TLBI_NH_ASID past 512 pages) then CMD_SYNC, and waits for it by
// polling CMDQ_CONS. Every command is written to memory by the CPU (charged) and consumed by
// the SMMU model with its own timing.
// Not modelled yet (issue 3): 2-level tables, event queue servicing (I/O page faults), ATS
// and ATC_INV, stall/PRI, MSI-signalled SYNC, mmu_notifier hooks.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "sim/cpu_host/cpu_context.h"
#include "sim/cpu_host/kernel.h"
#include "sim/cpu_host/process.h"
#include "sim/iommu/smmu_formats.h"

namespace wdsim {

class Kernel;
class PageTable;
class InterruptController;

struct SmmuDriverConfig {
  uint64_t regs_pa = 0;       // SMMU register page (physical)
  uint8_t sid_bits = 8;       // linear stream table of 2^sid_bits STEs
  uint8_t ssid_bits = 8;      // CD table of 2^ssid_bits CDs per device (S1CDMax)
  uint8_t cmdq_log2 = 8;      // command queue entries
  uint8_t evtq_log2 = 7;      // event queue entries
  // I/O page faults: CD.S=1 so stage-1 faults stall, and the event-queue interrupt (this
  // MSI vector) runs the fault handler, which faults the page in and answers CMD_RESUME.
  bool stall_faults = false;
  uint32_t evtq_msi_vector = 64;
};

class SmmuDriver {
 public:
  // Linux arm_smmu_tlb_inv_range_asid: above this many pages a whole-ASID invalidation.
  static constexpr uint64_t kTlbiRangeMaxPages = 512;

  SmmuDriver(Kernel& kernel, SmmuDriverConfig config);

  // With an interrupt controller, the event queue interrupt is enabled and serviced.
  void probe(CpuContext& cpu, InterruptController* gic = nullptr);
  // STE for `sid` with a fresh CD table; CD 0 is the kernel DMA domain (root, asid).
  void attach_device(CpuContext& cpu, uint32_t sid, const PageTable& dma_domain,
                     uint16_t dma_asid);
  // SVA: returns the PASID bound to the process for this device (one per mm, shared).
  uint32_t sva_bind(CpuContext& cpu, uint32_t sid, Process& process);
  void sva_unbind(CpuContext& cpu, uint32_t sid, uint32_t pasid);
  // TLB invalidation of [iova, iova+size) in `asid`, then SYNC, waited for.
  void invalidate_range(CpuContext& cpu, uint16_t asid, uint64_t iova, uint64_t size);
  // Whole-context invalidation (TLBI_NH_ASID) then SYNC, waited for.
  void invalidate_asid(CpuContext& cpu, uint16_t asid);

  uint64_t commands_issued() const { return commands_issued_; }

  // The event-queue interrupt handler: reads every new event record; a stalled fault is
  // handled in the bound process's mm (fault the page in if it is untouched anonymous
  // memory) and answered with CMD_RESUME retry, else abort; then EVTQ_CONS is updated.
  void evtq_irq(CpuContext& cpu);

 private:
  // One SVA bond's mmu_notifier: CPU page-table changes become TLBI_NH_VA (by range, or
  // TLBI_NH_ASID past 512 pages) + SYNC; mm exit installs the fault-everything CD.
  class SvaNotifier : public MmNotifier {
   public:
    SvaNotifier(SmmuDriver& drv, uint32_t sid, uint32_t pasid, uint16_t asid)
        : drv_(drv), sid_(sid), pasid_(pasid), asid_(asid) {}
    void invalidate_range(CpuContext& cpu, uint64_t start, uint64_t length) override;
    void release(CpuContext& cpu) override;

   private:
    SmmuDriver& drv_;
    uint32_t sid_;
    uint32_t pasid_;
    uint16_t asid_;
  };
  struct Bond {
    Process* process = nullptr;
    uint16_t asid = 0;
    int refs = 0;
    bool released = false;
    std::unique_ptr<SvaNotifier> notifier;
  };
  struct Device {
    uint64_t cd_table_pa = 0;
    std::map<int, uint32_t> pasid_of_pid;
    std::map<uint32_t, Bond> bonds;  // by PASID
  };
  void quiesce_cd(CpuContext& cpu, uint32_t sid, uint32_t pasid, uint16_t asid);
  void write_cd(CpuContext& cpu, const Device& dev, uint32_t ssid, const smmu::CdConfig& cd);
  void submit(CpuContext& cpu, const std::vector<smmu::CmdWords>& cmds);  // + SYNC, waited
  uint32_t reg_read32(CpuContext& cpu, uint32_t offset);
  void reg_write32(CpuContext& cpu, uint32_t offset, uint32_t v);
  void reg_write64(CpuContext& cpu, uint32_t offset, uint64_t v);

  Kernel& kernel_;
  SmmuDriverConfig config_;
  uint64_t strtab_pa_ = 0;
  uint64_t cmdq_pa_ = 0;
  uint64_t evtq_pa_ = 0;
  uint32_t cmdq_prod_ = 0;
  uint32_t evtq_cons_ = 0;
  const Bond* find_bond(uint32_t sid, uint32_t ssid) const;
  std::map<uint32_t, Device> devices_;
  uint32_t next_pasid_ = 1;  // PASID 0 is IOMMU_NO_PASID
  std::vector<uint32_t> free_pasids_;
  uint16_t next_asid_ = 1;
  uint64_t commands_issued_ = 0;
};

}  // namespace wdsim
