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
// Not modelled: uacce_remove, writing isolate_strategy.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sim/cpu_host/kernel/hisi_qm_driver.h"
#include "sim/cpu_host/kernel/kernel_file.h"

namespace wdsim {

class SmmuDriver;

struct UacceDeviceInfo {
  std::string name;        // "hisi_zip-0"
  std::string algorithms;  // "zlib\ngzip\ndeflate"
  uint32_t stream_id = 0;
};

class UacceDevice : public CharDevice {
 public:
  UacceDevice(Kernel& kernel, HisiQmDriver& qm, SmmuDriver& smmu, UacceDeviceInfo info);

  std::unique_ptr<KernelFile> open(SyscallContext& ctx, int* err) override;
  const std::string& dev_path() const { return dev_path_; }

 private:
  friend class UacceQueueFile;
  Kernel& kernel_;
  HisiQmDriver& qm_;
  SmmuDriver& smmu_;
  UacceDeviceInfo info_;
  std::string dev_path_;
  CpuContext sysfs_cpu_;  // sysfs reads have no caller context (see the header comment)
  Counter& open_refused_isolated_;
};

}  // namespace wdsim
