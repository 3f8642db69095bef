// The uacce character device of one QM function (Linux drivers/misc/uacce/uacce.c plus the
// hisi_qm uacce ops): /dev/<name>-<id> and its sysfs attributes under /sys/class/uacce.
// open() binds the caller's mm to the device (SVA: a PASID) and gets a queue pair; mmap
// offset 0 maps the MMIO doorbell pages, offset 1 (times the page size) the DUS ring
// (SQ, CQ and the status page); SET_QP_CTX picks the queue type; START_Q writes SQC/CQC
// through the mailbox with the PASID enabled; PUT_Q stops the queue; release unbinds.
// wait_event is uacce's poll(): woken by the QM interrupt for the queue.
// Not modelled yet: doorbell isolation (64 KiB per queue), isolate/isolate_strategy writes,
// uacce_remove, fork (VM_DONTCOPY).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sim/cpu_host/hisi_qm_driver.h"
#include "sim/cpu_host/kernel_file.h"

namespace wdsim {

class SmmuDriver;

struct UacceDeviceInfo {
  std::string name;        // "hisi_zip-0"
  std::string algorithms;  // "zlib\ngzip\ndeflate"
  uint32_t stream_id = 0;
  uint64_t mmio_size = 8192;  // V2 without doorbell isolation: two pages from the BAR start
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
};

}  // namespace wdsim
