// The uacce character device of one QM function (Linux drivers/misc/uacce/uacce.c plus the
// hisi_qm uacce ops): /dev/<name>-<id> and its sysfs attributes under /sys/class/uacce.
// open() binds the caller's mm to the device (SVA: a PASID) and gets a queue pair; mmap
// offset 0 maps the MMIO doorbell pages, offset 1 (times the page size) the DUS ring
// (SQ, CQ and the status page); SET_QP_CTX picks the queue type; START_Q writes SQC/CQC
// through the mailbox with the PASID enabled; PUT_Q (and the release of a file not put) is
// uacce_put_queue: the QM driver stops the queue (STOP_QP, which drains the device's fetched
// SQEs) and frees the queue pair, so available_instances counts it again at once; release
// then frees the DUS ring and unbinds the SVA bond (iommu_sva_unbind_device, last). The ring
// stays with the file until then (Linux preallocates rings per queue pair and leaves a put
// queue's ring mapped, so the next owner of the pair would share it; the model's per-open ring
// avoids that). The regions are VM_DONTCOPY: a fork child has none (Kernel::fork_process).
// A wait_event sleeper is woken by the put and by a signal to its process (-ENXIO, -EINTR).
// wait_event is uacce's poll(): woken by the QM interrupt for the queue, and by the QM
// driver's AEQ handler when it disables the queue after a hardware error (the DUS stop words
// are then set).
// MMIO region: without doorbell isolation the BAR's first pages (up to the SQ/CQ doorbell
// page); with it the queue's own 64 KiB doorbell page (hisi_qm_uacce_mmap), so a process can
// ring no other queue's doorbell. region_mmio_size says which.
// Isolation: sysfs `isolate` is the QM's isolation flag, read by MMIO from the device (model
// register 0x3f04, see qm_formats.h; Linux keeps it in the driver, hisi_qm_get_isolate_state);
// `isolate_strategy` shows the device's threshold (errors per window) and is read-only here
// (Linux lets root write it while no queue is open; the model's threshold is the QM parameter
// isolate_threshold). open() of an isolated device fails with -EPERM: Linux's uacce_fops_open
// does not check isolation itself, but an isolated function is left stopped and
// hisi_qm_create_qp refuses a stopped QM with -EPERM; UADK skips isolated devices before it
// ever opens one.
// Kernel-managed queues (docs/kernel_queues.md; as amdkfd's evict_process_queues and
// restore_process_queues do for GPU user queues): evict_process points each of the process's
// doorbell mappings on this device at a dummy page (Kernel::add_mmio_trap: the process keeps
// ringing, the driver keeps the last SQ and the last CQ doorbell it wrote, nothing reaches
// the QM), stops the queue as hisi_qm_stop_qp does (STOP_QP: the engine finishes what it
// fetched), reads its SQC and CQC back through the mailbox and frees the queue pair; the ring
// stays the process's. rebind_process takes the same queue pair again (the process rings its
// number in every doorbell value: Linux hands the id out through SET_QP_CTX), installs the
// saved contexts, points the mapping back at the doorbell page and replays the absorbed
// doorbells (CQ, then SQ), so the submissions made while evicted are fetched: the process sees
// only delay. A queue pair still taken re-binds when it is freed (on a kernel worker of the
// device). With evict_policy priority, an open that finds no free queue pair evicts the
// lowest-priority started queue whose process has a lower queue priority than the opener's
// (ties: the highest queue number) and re-binds it when its queue pair is freed. Priorities
// are the processes' (Process::queue_priority), written into SQC w13 at START_Q. The kernel's
// own queues (zip_sync_device) are never evicted.
// Without SVA (system.devices[].uacce_mode nosva, hisi_qm's uacce_mode=2 in openEuler and
// KAE; mainline uacce requires SVA): sysfs flags is UACCE_DEV_IOMMU, open binds nothing, START_Q
// starts the queue with its PASID disabled (its DMA goes through the device's kernel DMA domain,
// CD 0), and mmap offset UACCE_QFRT_SS gets a static share region: dma_alloc_coherent memory,
// pinned, mapped into the process, one IOVA-contiguous slice (the device is behind the SMMU);
// UACCE_CMD_GET_SS_DMA gives its DMA address (openEuler uacce_get_ss_dma's encoding, FORMATS
// uacce.h). The process puts its data there and those DMA addresses in its descriptors (UADK's
// wd_mempool_alloc and UADK_MEM_PROXY sessions); release frees the region. A queue of such a
// device also imports dma-bufs (wdsim's kWdsimUacceCmdAttachDmaBuf, not a Linux ABI: mainline
// and openEuler uacce have no importer): the buffer is attached to the device's kernel DMA domain
// (DmaBuf::attach, an IOVA per device) until the file's release, which detaches it.
// Not modelled: uacce_remove, writing isolate_strategy; the no-IOMMU physical slices (one
// dma_alloc_coherent per 4 MiB, sorted) and UACCE_CMD_SHARE_SVAS; a dummy page is a RAM page in
// Linux (which would keep only the last 64-bit store: the model keeps the last SQ and CQ doorbell
// separately); an evicted queue re-binding on another queue pair.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/cpu_host/kernel/hisi_qm_driver.h"
#include "sim/cpu_host/kernel/kernel_file.h"

namespace wdsim {

class SmmuDriver;

struct UacceDeviceInfo {
  std::string name;        // "hisi_zip-0"
  std::string algorithms;  // "zlib\ngzip\ndeflate"
  uint32_t stream_id = 0;
  bool evict_by_priority = false;  // system.devices[].evict_policy: priority
  bool sva = true;                 // system.devices[].uacce_mode: sva (false: nosva)
};

class UacceQueueFile;

class UacceDevice : public CharDevice {
 public:
  UacceDevice(Kernel& kernel, HisiQmDriver& qm, SmmuDriver& smmu, UacceDeviceInfo info);

  std::unique_ptr<KernelFile> open(SyscallContext& ctx, int* err) override;
  const std::string& dev_path() const { return dev_path_; }

  // Evicts every started queue of process `pid` on this device (see the header comment), in
  // the caller's kernel context `cpu`; returns how many were evicted.
  uint32_t evict_process(CpuContext& cpu, int pid);
  // Re-binds the evicted queues of `pid`: at once when their queue pair is free, otherwise
  // once it is freed. Returns how many were re-bound now.
  uint32_t rebind_process(CpuContext& cpu, int pid);
  // Queues of this device that are evicted now.
  uint32_t evicted_queues() const;

 private:
  friend class UacceQueueFile;
  // A queue pair was freed: evicted queues waiting for it re-bind on the device's worker.
  void queue_pair_freed();
  void rebind_worker();
  Kernel& kernel_;
  HisiQmDriver& qm_;
  SmmuDriver& smmu_;
  UacceDeviceInfo info_;
  std::string dev_path_;
  CpuContext sysfs_cpu_;   // sysfs reads have no caller context (see the header comment)
  CpuContext worker_cpu_;  // the re-bind worker's kernel context
  bool worker_running_ = false;
  // Open queue files, in open order. Shared with the files: one may outlive the device (the
  // kernel's file table is torn down after it) and still take itself off the list.
  std::shared_ptr<std::vector<UacceQueueFile*>> files_ =
      std::make_shared<std::vector<UacceQueueFile*>>();
  Counter& open_refused_isolated_;
  Counter& evictions_;
  Counter& rebinds_;
  Counter& priority_evictions_;
  Counter& doorbells_absorbed_;
  Histogram& evicted_us_;
};

}  // namespace wdsim
