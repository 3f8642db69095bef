// Software costs of the host: what the CPU spends on each step of the syscall path, the
// user-space doorbell path and interrupt handling. Every cost is a named parameter; the
// defaults are order-of-magnitude figures for a 2.6 GHz Arm server core running Linux, and
// each says where it comes from. They are the knobs a user turns to ask "what if syscalls
// were cheaper" or "what if interrupts were faster".
#pragma once

#include <cstdint>
#include <string>

#include "sim/base/params.h"

namespace wdsim {

struct HostCostParams {
  // Syscall path.
  double syscall_entry_ns;
  double syscall_exit_ns;
  double copy_gbps;
  std::string buffer_mode;  // "copy" (bounce through kernel pages) or "pin" (pin user pages)
  double pin_page_ns;
  double unpin_page_ns;
  double iova_alloc_ns;
  double iova_free_ns;
  double dma_map_page_ns;
  double dma_unmap_page_ns;
  double kernel_sqe_build_ns;
  double page_fault_ns;         // CPU demand fault on anonymous memory (incl. zeroing the page)
  double iopf_handler_ns;       // I/O page fault: event read, report, fault work item
  uint64_t iopf_workers;        // stalled faults served at once by iopf workers (0: inline)
  double mprotect_ns;           // mprotect/munmap syscall body besides TLB maintenance
  std::string iopf;             // how SVA device page faults are resolved: stall, none or pri
  std::string vm;               // "none", or a VM whose stage 2 maps with "2m" or "1g" blocks
  std::string dma_flush;        // "strict" or "deferred" IOTLB flush on dma_unmap
  uint64_t dma_flush_batch;     // deferred: unmaps queued before one domain-wide flush
  double dma_flush_timeout_us;  // deferred: the flush queue's timer
  double fork_ns;               // fork(): copy_process, mm and fd-table duplication
  double fork_page_ns;          // fork(): per present page of the parent (copy_page_range)
  double sleep_ns;              // schedule() out of the syscall: the context switch away
  double irq_entry_ns;          // MSI to handler running: GIC ack, vector, irq_enter
  double irq_handler_ns;        // EQ/CQ processing in the handler, per event
  double wakeup_ns;             // try_to_wake_up to the woken task running again
  // Both paths.
  double mmio_write_ns;          // CPU cost of a posted uncached store (Device-nGnRE)
  double cacheline_access_ns;    // cached load/store of one 64 B line
  double barrier_ns;             // dmb/dsb
  double poll_interval_ns;       // one busy-poll iteration on a CQE
  double cmdq_poll_interval_ns;  // the SMMU driver's CMDQ_CONS poll period during SYNC
  double smmu_poll_timeout_us;   // the SMMU driver gives up waiting for its command queue
  double mailbox_timeout_us;     // the QM driver gives up waiting for the mailbox
  // Kernel-managed queues (docs/kernel_queues.md).
  double queue_evict_ns;     // driver bookkeeping of one queue's eviction or re-bind
  double doorbell_remap_ns;  // pointing a doorbell mapping elsewhere (unmap + TLB shootdown)
  // dma-buf heap and importers (sim/cpu_host/kernel/dma_buf.h, docs/dma_buf.md).
  double dma_heap_alloc_ns;      // DMA_HEAP_IOCTL_ALLOC: buffer, sg table, export, fd install
  double dma_heap_page_ns;       // per 4 KiB page allocated: alloc_pages + zeroing + sg entry
  double dma_heap_free_page_ns;  // per 4 KiB page freed at the buffer's release
  double dma_buf_mmap_page_ns;   // per 4 KiB page mapped into a process (remap_pfn_range)
  double dma_buf_attach_ns;      // dma_buf_attach + map_attachment, besides the IOMMU mapping
  double dma_buf_detach_ns;      // unmap_attachment + dma_buf_detach, besides the IOMMU unmap
  double cpu_quantum_ns;         // how far a user thread's CPU work may run ahead (cpu_context.h)
  // Not a cost: check every device DMA against frame ownership (dma_oracle.h).
  bool dma_oracle;
  // Cores and the scheduler of the simulated threads (cpu_scheduler.h).
  uint64_t cores;
  double time_slice_us;      // a thread's slice when others wait for its core
  double context_switch_ns;  // a thread that waited for a core switches in

  void declare(ParamScope& s) {
    s.add("syscall_entry_ns", syscall_entry_ns, 100.0, "ns",
          "User to kernel transition (svc, entry code, argument copy)",
          "guess: a null syscall round trip is ~0.1-0.2 us on Arm servers (lmbench lat_syscall)",
          Range::min(0));
    s.add("syscall_exit_ns", syscall_exit_ns, 60.0, "ns", "Kernel to user return",
          "guess: the smaller half of a null syscall round trip", Range::min(0));
    s.add("copy_gbps", copy_gbps, 10.0, "GB/s", "copy_from_user/copy_to_user bandwidth",
          "guess: single-core memcpy on a DDR4 server, data partly in cache", Range::min(0.001));
    s.add_choice("buffer_mode", buffer_mode, "copy", {"copy", "pin"},
                 "Syscall path: bounce the user buffer through kernel pages, or pin it in place",
                 "Linux drivers do either (copy_from_user vs pin_user_pages)");
    s.add("pin_page_ns", pin_page_ns, 150.0, "ns", "pin_user_pages cost per 4 KiB page",
          "guess: GUP fast path, page already present", Range::min(0));
    s.add("unpin_page_ns", unpin_page_ns, 60.0, "ns", "unpin_user_page cost per page", "guess",
          Range::min(0));
    s.add("iova_alloc_ns", iova_alloc_ns, 120.0, "ns", "IOVA allocation per mapping",
          "guess: rcache hit; Peleg et al., USENIX ATC'15, report hundreds of ns to us",
          Range::min(0));
    s.add("iova_free_ns", iova_free_ns, 80.0, "ns", "IOVA free per mapping", "guess",
          Range::min(0));
    s.add("dma_map_page_ns", dma_map_page_ns, 180.0, "ns",
          "iommu_map cost per page: IO page-table update and barriers",
          "guess: Peleg et al., USENIX ATC'15 (map/unmap ~ hundreds of ns per page)",
          Range::min(0));
    s.add("dma_unmap_page_ns", dma_unmap_page_ns, 150.0, "ns",
          "iommu_unmap cost per page, before the IOTLB invalidation (modelled separately)",
          "guess: Peleg et al., USENIX ATC'15", Range::min(0));
    s.add("kernel_sqe_build_ns", kernel_sqe_build_ns, 60.0, "ns",
          "Driver builds one SQE on its kernel queue (fields, locking)", "guess", Range::min(0));
    s.add("page_fault_ns", page_fault_ns, 900.0, "ns",
          "CPU page fault on untouched anonymous memory: trap, handle_mm_fault, zero 4 KiB, map",
          "guess: minor faults cost ~0.5-1 us on Linux servers", Range::min(0));
    s.add("iopf_handler_ns", iopf_handler_ns, 2500.0, "ns",
          "I/O page fault overhead besides the fault itself: read the event, report it, queue "
          "and run the fault work item (iommu_report_device_fault, iopf workqueue)",
          "guess: a workqueue hand-off is a few us", Range::min(0));
    s.add("iopf_workers", iopf_workers, 0u, "workers",
          "Stalled I/O page faults (iopf: stall) served at once: with N > 0 the event-queue "
          "handler queues each stall record's fault work to an iopf workqueue of N workers, each "
          "on an otherwise idle core of its own (not one of system.host.cores' scheduled cores); "
          "0 = the handler serves them itself, one at a time. PRI page requests are always "
          "served in the PRI-queue handler",
          "model choice: 0 keeps faults serial; Linux drivers/iommu/io-pgfault.c "
          "iopf_queue_alloc uses an unbound workqueue (WQ_UNBOUND), whose items run in "
          "parallel on idle CPUs",
          Range::between(0, 1024));
    s.add("mprotect_ns", mprotect_ns, 300.0, "ns",
          "mprotect/munmap body besides the TLB maintenance it triggers", "guess", Range::min(0));
    s.add_choice("iopf", iopf, "stall", {"stall", "none", "pri"},
                 "SVA I/O page faults: stall (CD.S=1; the faulting DMA is held, the kernel's "
                 "event-queue handler faults the page in and answers CMD_RESUME), none (CD.S=0; "
                 "a fault aborts the DMA and the request fails) or pri (CD.S=0; the ATS device "
                 "sends a PRI Page Request, the kernel's PRI-queue handler faults the page in "
                 "and answers CMD_PRI_RESP; needs system.devices[].qm.ats)",
                 "Linux: HiSilicon ZIP/SEC are dma-can-stall, so SVA faults use stall");
    s.add_choice("vm", vm, "none", {"none", "2m", "1g"},
                 "Run the host as a virtual machine: every device STE is nested, and the "
                 "hypervisor's stage-2 table (VMID 0) maps guest physical addresses identically "
                 "onto DRAM with 2 MiB or 1 GiB blocks, so each stage-1 table read and output is "
                 "translated again (the nested-walk cost a VM adds)",
                 "scenario choice: bare metal by default; Linux arm64 KVM with SMMUv3 nesting "
                 "(stage 1 by the guest, stage 2 by the hypervisor)");
    s.add_choice("dma_flush", dma_flush, "strict", {"strict", "deferred"},
                 "IOTLB invalidation on dma_unmap: at once (strict), or batched in a flush queue "
                 "with IOVAs held until the flush (deferred, Linux iommu.strict=0)",
                 "Linux dma-iommu");
    s.add("dma_flush_batch", dma_flush_batch, 256u, "unmaps",
          "Deferred flush: unmaps queued before a domain-wide IOTLB flush",
          "Linux IOVA_FQ_SIZE = 256", Range::between(1, 65536));
    s.add("dma_flush_timeout_us", dma_flush_timeout_us, 10000.0, "us",
          "Deferred flush: the flush queue timer (checked at each unmap)",
          "Linux IOVA_FQ_TIMEOUT = 10 ms", Range::min(0.001));
    s.add("fork_ns", fork_ns, 30000.0, "ns",
          "fork(): copy_process, the new mm and its page-table root, duplicating the fd table "
          "(the per-page work is fork_page_ns)",
          "guess: lmbench lat_proc fork (fork+exit) is tens of us for a small process on Linux "
          "servers",
          Range::min(0));
    s.add("fork_page_ns", fork_page_ns, 25.0, "ns",
          "fork(): per present page of the parent (a huge page counts once): copy_page_range "
          "copying and write-protecting its PTE. The model copies the data eagerly at no time "
          "cost instead of copy-on-write, whose later faults it does not charge",
          "guess: a PTE copy with its page reference is tens of ns", Range::min(0));
    s.add("sleep_ns", sleep_ns, 1200.0, "ns", "Context switch away when the syscall sleeps",
          "guess: lmbench lat_ctx ~1-2 us with cache effects", Range::min(0));
    s.add("irq_entry_ns", irq_entry_ns, 600.0, "ns",
          "MSI arrival to the handler running (GICv3 ITS, ack, irq_enter)",
          "guess: 0.5-1 us interrupt latency on Arm servers", Range::min(0));
    s.add("irq_handler_ns", irq_handler_ns, 200.0, "ns",
          "Handler work per EQ event (read EQE, walk CQ, complete request)", "guess",
          Range::min(0));
    s.add("wakeup_ns", wakeup_ns, 1500.0, "ns",
          "try_to_wake_up until the woken task runs (scheduler and context switch in)",
          "guess: wake-up latency of an idle core, ~1-3 us", Range::min(0));
    s.add("mmio_write_ns", mmio_write_ns, 20.0, "ns", "CPU cost of one posted MMIO store",
          "guess: a store to Device-nGnRE memory leaves the core in tens of ns", Range::min(0));
    s.add("cacheline_access_ns", cacheline_access_ns, 1.5, "ns",
          "Cached load or store of one 64 B line of process memory", "guess: L2 hit",
          Range::min(0));
    s.add("barrier_ns", barrier_ns, 10.0, "ns", "dmb/dsb barrier", "guess", Range::min(0));
    s.add("poll_interval_ns", poll_interval_ns, 50.0, "ns",
          "One busy-poll iteration on a CQE (load that misses to the coherent line)",
          "guess: one cache-line transfer between cores/device", Range::min(0.001));
    s.add("cpu_quantum_ns", cpu_quantum_ns, 1000.0, "ns",
          "Temporal decoupling: how much CPU work a user thread runs ahead of simulated time "
          "before it synchronises; it always synchronises first at MMIO, system calls, polls, "
          "loads of queue memory, locks and sleeps, so results do not depend on it unless "
          "threads share plain memory without those (0 = a wait per CPU step)",
          "as tlm_utils::tlm_quantumkeeper's global quantum; a simulator-speed knob, not "
          "hardware",
          Range::between(0, 1e9));
    s.add("cmdq_poll_interval_ns", cmdq_poll_interval_ns, 100.0, "ns",
          "Period of the SMMU driver's CMDQ_CONS polling while it waits for a SYNC",
          "guess: one uncached register read per iteration", Range::min(0.001));
    s.add("smmu_poll_timeout_us", smmu_poll_timeout_us, 1000000.0, "us",
          "The SMMU driver's longest wait for its command queue (room for a batch, or CONS past "
          "a CMD_SYNC); past it the command fails with an error (after 10 polls a "
          "cmdq_poll_interval_ns apart the driver waits 1 us, then twice as long each time)",
          "Linux arm-smmu-v3 ARM_SMMU_POLL_TIMEOUT_US = 1000000, queue_poll",
          Range::between(1, 1e9));
    s.add("mailbox_timeout_us", mailbox_timeout_us, 1000.0, "us",
          "The QM driver's longest wait for the mailbox's busy bit to clear after a command "
          "(polled every cmdq_poll_interval_ns); past it the command fails with -EBUSY",
          "Linux qm.c qm_wait_mb_ready: POLL_TIMEOUT = 1000 us", Range::between(1, 1e9));
    s.add("queue_evict_ns", queue_evict_ns, 500.0, "ns",
          "Driver bookkeeping to evict one queue or re-bind it (besides its STOP_QP drain, "
          "context mailbox commands and doorbell remap): locks, queue lists, saving state",
          "guess: a few hundred ns of kernel code, as amdkfd's evict_process_queues per queue",
          Range::min(0));
    s.add("doorbell_remap_ns", doorbell_remap_ns, 1000.0, "ns",
          "Pointing a process's doorbell mapping at the dummy page or back: "
          "unmap_mapping_range plus the TLB shootdown (TLBI broadcast, DSB)",
          "guess: an unmap_mapping_range and a broadcast TLB invalidation are about a "
          "microsecond on Arm servers",
          Range::min(0));
    s.add("dma_heap_alloc_ns", dma_heap_alloc_ns, 2000.0, "ns",
          "DMA_HEAP_IOCTL_ALLOC's fixed work besides the pages: the heap buffer and its sg table "
          "(kzalloc, sg_alloc_table), dma_buf_export (an anonymous inode and file), dma_buf_fd "
          "(fd_install)",
          "guess: a few slab allocations and alloc_file_pseudo are a couple of us of kernel code",
          Range::min(0));
    s.add("dma_heap_page_ns", dma_heap_page_ns, 500.0, "ns",
          "System heap, per 4 KiB page of the buffer: alloc_pages with __GFP_ZERO (zeroing the "
          "page) and its sg entry",
          "guess: zeroing 4 KiB at copy_gbps' 10 GB/s is ~0.4 us, plus the page allocator's fast "
          "path",
          Range::min(0));
    s.add("dma_heap_free_page_ns", dma_heap_free_page_ns, 60.0, "ns",
          "System heap release, per 4 KiB page: __free_pages", "guess: as unpin_page_ns",
          Range::min(0));
    s.add("dma_buf_mmap_page_ns", dma_buf_mmap_page_ns, 50.0, "ns",
          "mmap of a dma-buf, per 4 KiB page: system_heap_mmap's remap_pfn_range (one PTE)",
          "guess: a PTE store and its page-table walk, tens of ns", Range::min(0));
    s.add("dma_buf_attach_ns", dma_buf_attach_ns, 1000.0, "ns",
          "An importer attaching a dma-buf to its device: dma_buf_attach (system_heap_attach "
          "duplicates the sg table) and dma_buf_map_attachment's bookkeeping; the IOMMU mapping "
          "is charged per page as iova_alloc_ns + dma_map_page_ns",
          "guess: a kzalloc, an sg table copy and the reservation lock, about a microsecond",
          Range::min(0));
    s.add("dma_buf_detach_ns", dma_buf_detach_ns, 500.0, "ns",
          "An importer detaching a dma-buf: dma_buf_unmap_attachment's bookkeeping and "
          "dma_buf_detach (freeing the sg table copy); the IOMMU unmap and its invalidation are "
          "charged as dma_unmap_page_ns and the SMMU commands",
          "guess: half of dma_buf_attach_ns (frees only)", Range::min(0));
    s.add("dma_oracle", dma_oracle, true, "",
          "Check every device DMA that reaches memory against frame ownership (another "
          "process's frame, a freed frame, a PASID no longer bound) and count violations in "
          "host.dma_oracle.*; it only observes. Off saves one ownership lookup per 4 KiB of DMA",
          "model choice (a simulator check, not part of the host)");
    s.add("cores", cores, 8u, "cores",
          "Host CPU cores the simulated threads run on (boot, IRQ and kernel contexts are "
          "not counted: they have a core of their own)",
          "guess: a small slice of a Kunpeng 920-class server (48-64 cores per socket), more "
          "than the threads of today's scenarios (one application thread), so their numbers "
          "do not change; with fewer cores than runnable threads they queue",
          Range::between(1, 4096));
    s.add("time_slice_us", time_slice_us, 3000.0, "us",
          "Time slice: a thread that has run this long since it got its core is preempted if "
          "others wait for one",
          "Linux 6.6+ EEVDF: sysctl_sched_base_slice 0.75 ms x (1 + ilog2(min(ncpus, 8))) "
          "(SCHED_TUNABLESCALING_LOG) = 3 ms with 8 or more CPUs",
          Range::min(0.001));
    s.add("context_switch_ns", context_switch_ns, 1200.0, "ns",
          "CPU time of switching in a thread that waited in the run queue (after a preemption "
          "or when it first runs); a thread woken from a sleep pays wakeup_ns instead",
          "guess: the same figure as sleep_ns (lmbench lat_ctx ~1-2 us with cache effects)",
          Range::min(0));
  }
};

}  // namespace wdsim
