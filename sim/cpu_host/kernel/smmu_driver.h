// The kernel's SMMUv3 driver (Linux drivers/iommu/arm/arm-smmu-v3/), reduced to what the
// simulated system needs: at probe it builds a linear stream table, the command queue and
// the event queue in memory and enables the SMMU through its registers; it attaches a
// device (STE: stage 1, linear CD table, S1DSS=SSID0 so traffic without a PASID uses the
// kernel DMA domain in CD 0); SVA bind gives the process's mm its PASID (one per mm, shared by
// every device it binds, Linux mm->iommu_mm->pasid) and an ASID, also one per mm and shared by
// the devices it binds (Linux arm_smmu_alloc_shared_cd takes the mm's CPU ASID,
// arm64_mm_context_get, so the SMMU's TLB entries of one mm serve all its devices: the IOTLB is
// tagged by ASID, not by StreamID), and installs a CD
// whose TTB0 is the process's own page-table root (CFGI_CD + SYNC); mm exit (the notifier's
// release) replaces the CD with one that faults everything (EPD0) and invalidates, so the
// device's DMA of a dead mm aborts; unbind clears the CD (all zero, V = 0: arm_smmu_clear_cd)
// with CFGI_CD + TLBI_NH_ASID (+ ATC_INV) + SYNC. The PASID goes back to the allocator only when
// the mm is gone (the kernel's mm-drop hook at the end of the process's teardown, Linux
// mm_pasid_drop) and no device is bound to it any more, so it is never handed out while its
// teardown runs or while another device still uses it; free PASIDs are reused lowest first.
// Commands from several threads (a process's munmap, another's unbind, the fault handler's
// CMD_RESUME on the irq core) share the one command queue: a submitter writes its batch and
// PROD under a lock, then waits for CONS to pass its own SYNC. invalidate_range issues
// TLBI_NH_VA over a range stepping by the address space's granule (TLBI_NH_ASID from
// max_tlbi_ops(granule) pages: 512 at 4K) then CMD_SYNC, and waits for it by
// polling CMDQ_CONS. Every command is written to memory by the CPU (charged) and consumed by
// the SMMU model with its own timing.
// ATS devices get STE.EATS = 1 and CMD_ATC_INV after each TLBI (mmu_notifier, DMA unmap,
// unbind); with PRI a PRI queue and its interrupt handler serve device page requests.
// Not modelled yet: 2-level tables, MSI-signalled SYNC, PRI groups of several requests (each
// request is answered on its own when Last), the CPU's own ASID (the mm's SMMU ASID comes from
// the driver's counter, not the CPU's ASID allocator), ASID reuse (ASIDs are never recycled:
// more than 65535 mms bound throws), a full command queue's wait for space being fair.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <systemc>
#include <vector>

#include "sim/cpu_host/cpu_context.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/process.h"
#include "sim/iommu/smmu_formats.h"

namespace wdsim {

class Kernel;
class PageTable;
class InterruptController;

struct SmmuDriverConfig {
  uint64_t regs_pa = 0;   // SMMU register page (physical)
  uint8_t sid_bits = 8;   // linear stream table of 2^sid_bits STEs
  uint8_t ssid_bits = 8;  // CD table of 2^ssid_bits CDs per device (S1CDMax)
  // The queues the driver asks for; at probe each is cut to the SMMU's limit in IDR1 (CMDQS,
  // EVTQS, PRIQS), as arm_smmu_device_hw_probe does.
  uint8_t cmdq_log2 = 8;  // command queue entries
  uint8_t evtq_log2 = 7;  // event queue entries
  // I/O page faults: CD.S=1 so stage-1 faults stall, and the event-queue interrupt (this
  // MSI vector) runs the fault handler, which faults the page in and answers CMD_RESUME.
  bool stall_faults = false;
  uint32_t evtq_msi_vector = 64;
  // ATS: StreamIDs of ATS-capable devices: their STE gets EATS = 1 (translated requests and
  // Translation Requests allowed), and every TLB invalidation of an address space they use is
  // followed by CMD_ATC_INV (SID, SSID, range) before its CMD_SYNC.
  std::vector<uint32_t> ats_stream_ids;
  // PRI: a PRI queue (2^priq_log2 entries) and its interrupt (this MSI vector; needs the
  // interrupt controller at probe) whose handler faults pages in and answers CMD_PRI_RESP.
  bool pri = false;
  uint8_t priq_log2 = 7;
  // How long a wait for the command queue (room for a batch, or CONS past a CMD_SYNC) may take
  // before the driver gives up with an error (Linux ARM_SMMU_POLL_TIMEOUT_US).
  double poll_timeout_us = 1'000'000;
  uint32_t priq_msi_vector = 65;
  // A virtual machine: every device's STE is nested, its stage-1 output and table addresses
  // are IPAs that a hypervisor's stage-2 table (VMID 0) maps identically onto
  // [0, vm_ipa_bytes) with blocks of vm_stage2_block bytes (1 GiB or 2 MiB; 0 = no VM).
  uint64_t vm_stage2_block = 0;
  uint64_t vm_ipa_bytes = 0;
};

class SmmuDriver {
 public:
  // Linux CMDQ_MAX_TLBI_OPS = 1 << (PAGE_SHIFT - 3) (one command queue page's worth of
  // TLBI_NH_VA, 512 at 4K, 2048 at 16K, 8192 at 64K): a range of that many pages or more of
  // the granule 2^page_shift is invalidated with TLBI_NH_ASID instead
  // (arm_smmu_mm_arch_invalidate_secondary_tlbs: size >= CMDQ_MAX_TLBI_OPS * PAGE_SIZE).
  static constexpr uint64_t max_tlbi_ops(unsigned page_shift) {
    return uint64_t{1} << (page_shift - 3);
  }

  // The smallest command queue the driver works with, log2: Linux's arm_smmu_device_hw_probe
  // refuses a queue of CMDQ_BATCH_ENTRIES (BITS_PER_LONG = 64) entries or fewer.
  static constexpr uint32_t kMinCmdqLog2 = 7;
  // The stream and CD tables are linear, 2^bits entries each: the SMMU's SID and SSID widths
  // are used up to these.
  static constexpr uint32_t kMaxSidBits = 16;
  static constexpr uint32_t kMaxSsidBits = 10;
  // Linux queue_poll: ARM_SMMU_POLL_SPIN_COUNT polls back to back, then a udelay that starts at
  // 1 us and doubles each time.
  static constexpr int kPollSpinCount = 10;
  static constexpr double kPollFirstDelayNs = 1000;

  SmmuDriver(Kernel& kernel, SmmuDriverConfig config);

  // With an interrupt controller, the event queue interrupt is enabled and serviced.
  void probe(CpuContext& cpu, InterruptController* gic = nullptr);
  // STE for `sid` with a fresh CD table; CD 0 is the kernel DMA domain (root, asid).
  void attach_device(CpuContext& cpu, uint32_t sid, const PageTable& dma_domain, uint16_t dma_asid);
  // SVA: returns the process's PASID, now bound for this device (a second bind of the same
  // device and process takes a reference).
  uint32_t sva_bind(CpuContext& cpu, uint32_t sid, Process& process);
  // Drops a reference; the last one clears the CD (see the header comment).
  void sva_unbind(CpuContext& cpu, uint32_t sid, uint32_t pasid);
  // The PASID the process's mm holds (nullopt: none), and how many devices it is bound to.
  std::optional<uint32_t> pasid_of(int pid) const;
  int devices_bound(int pid) const;
  // TLB invalidation of [iova, iova+size) in `asid`, then SYNC, waited for: TLBI_NH_VA range
  // commands stepping by the granule 2^page_shift over the granule-aligned range (TG of the
  // address space: 12 for the 4K DMA domain, the process's granule for SVA), or TLBI_NH_ASID
  // from max_tlbi_ops(page_shift) granule pages up.
  void invalidate_range(CpuContext& cpu, uint16_t asid, uint64_t iova, uint64_t size,
                        unsigned page_shift = 12);
  // Whole-context invalidation (TLBI_NH_ASID) then SYNC, waited for.
  void invalidate_asid(CpuContext& cpu, uint16_t asid);

  uint64_t commands_issued() const { return commands_issued_; }

  // The queue sizes in use (log2 of the entries): the config's, cut to IDR1 at probe.
  unsigned cmdq_log2() const { return config_.cmdq_log2; }
  unsigned evtq_log2() const { return config_.evtq_log2; }
  unsigned priq_log2() const { return config_.priq_log2; }

  // The event-queue interrupt handler: reads every new event record; an overflow (EVTQ_PROD.OVFLG
  // differs from EVTQ_CONS.OVFLG: the SMMU lost events) is counted, traced and acknowledged
  // (arm_smmu_evtq_thread: "EVTQ overflow detected -- events lost"); a stalled fault is
  // handled in the bound process's mm (fault the page in if it is untouched anonymous
  // memory) and answered with CMD_RESUME retry, else abort; then EVTQ_CONS is updated.
  // Stalled faults are served here, in order, on the interrupt core, or, with
  // system.host.iopf_workers > 0, queued to that many iopf workers (Linux's unbound iopf
  // workqueue) that serve them in parallel.
  void evtq_irq(CpuContext& cpu);
  // A stalled fault's work item (iopf_handle_group for one stall record): fault the page in
  // the bound process's mm (untouched anonymous memory) and answer CMD_RESUME retry, else abort.
  void serve_stall(CpuContext& cpu, const smmu::EventRecord& e);
  // The PRI-queue interrupt handler (Linux arm_smmu_priq_thread with iopf): reads every new
  // page request; faults the page in the bound process's mm (untouched anonymous memory, or
  // already present with the access allowed) and, for the last request of its group, answers
  // CMD_PRI_RESP success, else deny (IOMMU_PAGE_RESP_INVALID), + SYNC; loops until the queue
  // is empty, then updates PRIQ_CONS.
  void priq_irq(CpuContext& cpu);

 private:
  // The iopf workqueue (iopf_workers > 0): stall records the event-queue handler queued, and
  // its workers, each an SC_THREAD on a core of its own (spawned at probe).
  void iopf_worker(CpuContext& cpu);
  std::deque<smmu::EventRecord> iopf_queue_;
  sc_core::sc_event iopf_queued_;
  std::vector<std::unique_ptr<CpuContext>> iopf_cpus_;

  // One SVA bond's mmu_notifier: CPU page-table changes become TLBI_NH_VA (by range, or
  // TLBI_NH_ASID from max_tlbi_ops pages of the mm's granule) + SYNC; mm exit installs the
  // fault-everything CD.
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
    uint16_t dma_asid = 0;  // CD 0 (kernel DMA domain, traffic without PASID)
    bool ats = false;
    std::map<int, uint32_t> pasid_of_pid;
    std::map<uint32_t, Bond> bonds;  // by PASID
  };
  // Replaces the CD with one that faults everything (quiet: mm release) or an all-zero one
  // (unbind), then CFGI_CD + TLBI_NH_ASID (+ ATC_INV) + SYNC.
  void retire_cd(CpuContext& cpu, uint32_t sid, uint32_t pasid, uint16_t asid, bool quiet);
  // The mm of `pid` is gone (Kernel mm-drop hook): its PASID is freed once no device uses it.
  void mm_dropped(int pid);
  void free_mm_pasid(int pid);
  void write_cd(CpuContext& cpu, const Device& dev, uint32_t ssid, const smmu::CdConfig& cd);
  void submit(CpuContext& cpu, const std::vector<smmu::CmdWords>& cmds);  // + SYNC, waited
  // Appends CMD_ATC_INV of [iova, iova + size) (size 0: all) for every ATS device context
  // tagged `asid`: CD 0 without PASID, SVA bonds with their PASID.
  void append_atc_inv(std::vector<smmu::CmdWords>& cmds, uint16_t asid, uint64_t iova,
                      uint64_t size) const;
  uint32_t reg_read32(CpuContext& cpu, uint32_t offset);
  void reg_write32(CpuContext& cpu, uint32_t offset, uint32_t v);
  void reg_write64(CpuContext& cpu, uint32_t offset, uint64_t v);

  Kernel& kernel_;
  SmmuDriverConfig config_;
  // Builds the hypervisor's identity stage-2 table; returns its root.
  uint64_t build_stage2(CpuContext& cpu);
  uint64_t s2_root_ = 0;
  uint8_t s2_t0sz_ = 0;
  uint64_t strtab_pa_ = 0;
  uint64_t cmdq_pa_ = 0;
  uint64_t evtq_pa_ = 0;
  uint32_t cmdq_prod_ = 0;
  uint32_t evtq_cons_ = 0;
  uint32_t evtq_ovf_acked_ = 0;  // EVTQ_CONS.OVFLG as last written
  uint64_t priq_pa_ = 0;
  uint32_t priq_cons_ = 0;
  const Bond* find_bond(uint32_t sid, uint32_t ssid) const;
  std::map<uint32_t, Device> devices_;
  uint32_t next_pasid_ = 1;  // PASID 0 is IOMMU_NO_PASID
  std::vector<uint32_t> free_pasids_;
  // Per mm (process): its PASID, the devices bound to it, whether the mm is gone.
  struct MmPasid {
    uint32_t pasid = 0;
    int devices = 0;
    bool dropped = false;
    uint16_t asid = 0;  // the mm's ASID on every device it is bound to (0: none yet)
  };
  std::map<int, MmPasid> mm_pasids_;
  // The command queue lock (batch + PROD), its waiters, and CONS as last read.
  bool cmdq_locked_ = false;
  int cmdq_waiters_ = 0;
  sc_core::sc_event cmdq_unlocked_;
  uint32_t cmdq_cons_seen_ = 0;
  uint16_t next_asid_ = 1;
  uint64_t commands_issued_ = 0;
  // Stats, registered when the driver is built: host.smmu_drv.events.<event> by event id (ids
  // event_id_key does not name share events.unknown), page_requests, syncs, page_faults.io.
  std::array<Counter*, 256> events_by_id_{};
  Counter& evtq_overflows_;
  Counter& page_requests_;
  Counter& syncs_;
  Counter& io_page_faults_;
};

}  // namespace wdsim
