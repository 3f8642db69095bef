// UacceQueue: one WarpDrive/UACCE hardware queue seen from user space, as UADK's wd.c
// (wd_get_accel_list / wd_get_accel_dev / wd_request_ctx / wd_ctx_start / wd_release_ctx_force)
// and hisi_qm_udrv.c (hisi_qm_setup_info) drive it: discover a device through sysfs, open
// /dev/<name> (the kernel binds the process's mm for SVA and allocates a qp), mmap the MMIO and
// DUS regions, set the qp type (SET_QP_CTX), query its geometry (SET_QP_INFO), start it
// (START_Q), and on close stop it (PUT_Q), unmap and close the fd.
//
// Does not: build or parse descriptors (HisiQmQueue does), pick NUMA-near devices (the model
// has no NUMA distance; ties go to the most available instances, then name order), or map the
// static share region (UACCE_QFRT_SS) of a device without SVA: UADK's wd_mempool_alloc does
// that on the queue's fd (runtime/uadk/uadk_bmm.cc).
//
// All OS access goes through OsInterface. OS errors come back as negative errno with a
// message in last_error(); nothing throws.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/uacce/hisi_qm.h"
#include "formats/uacce/uacce.h"
#include "runtime/os_interface.h"

namespace wdsim::rt {

// What sysfs says about one uacce device (/sys/class/uacce/<name>/...).
struct UacceDeviceInfo {
  std::string name;  // "hisi_zip-0"
  std::string api;   // "hisi_qm_v2"
  uint32_t flags = 0;
  std::vector<std::string> algorithms;
  int64_t available_instances = 0;
  uint64_t region_mmio_size = 0;
  uint64_t region_dus_size = 0;
  int64_t isolate = 0;  // 0 when the attribute is absent (older kernels)

  bool has_algorithm(const std::string& alg) const;
  std::string sysfs_dir() const;  // "/sys/class/uacce/<name>"
  std::string dev_path() const;   // "/dev/<name>"
};

// What a queue is wanted for.
struct UacceQueueRequest {
  std::string algorithm;                      // must appear in the device's "algorithms"
  std::string api_prefix = kHisiQmApiPrefix;  // the device's "api" must start with this
  bool require_sva = true;                    // flags must carry kUacceDevSva
  uint16_t qc_type = 0;                       // SET_QP_CTX qc_type (ZIP: 0 comp, 1 decomp)
  uint32_t default_sqe_size = 128;            // used when SET_QP_INFO is not supported
  uint16_t default_depth = 1024;              // QM_Q_DEPTH, used likewise
};

class UacceQueue {
 public:
  // page_size: the process's page size, used for mmap offsets (region index * page size).
  UacceQueue(OsInterface& os, uint64_t page_size);
  ~UacceQueue();  // closes the queue if still open (errors ignored)
  UacceQueue(const UacceQueue&) = delete;
  UacceQueue& operator=(const UacceQueue&) = delete;

  // Reads every device under /sys/class/uacce, in name order. A device whose attributes cannot
  // be read or parsed is left out (its reason appended to *skipped when given).
  static int list_devices(OsInterface& os, std::vector<UacceDeviceInfo>* out,
                          std::vector<std::string>* skipped = nullptr);
  // Whether `dev` can serve `req`; when not, *why says which check failed.
  static bool usable(const UacceDeviceInfo& dev, const UacceQueueRequest& req, std::string* why);
  // The usable device with the most available instances (ties: first in name order), or
  // -ENODEV with the reasons in *why.
  static int pick_device(OsInterface& os, const UacceQueueRequest& req, UacceDeviceInfo* out,
                         std::string* why);

  // Discovers a device for `req` and opens a queue on it.
  int open(const UacceQueueRequest& req);
  // Opens a queue on a known device: open_fd() then start(). On failure everything done is
  // undone (the fd is closed too).
  int open_device(const UacceDeviceInfo& dev, const UacceQueueRequest& req);
  // The two halves, as UADK splits them: open_fd() is wd_request_ctx (open /dev/<name>: the
  // kernel binds the mm and allocates a qp); start() is hisi_qm_alloc_qp (mmap DUS, mmap MMIO,
  // SET_QP_CTX, SET_QP_INFO, START_Q; on failure its own steps are undone, the fd stays open).
  int open_fd(const UacceDeviceInfo& dev);
  int start(const UacceQueueRequest& req);
  // hisi_qm_free_qp: PUT_Q and munmap both regions; the fd stays open. 0 when not started.
  int stop();
  // stop() (when started) and close the fd. Returns the first error seen (still finishes).
  int close();
  bool started() const { return started_; }
  // Makes later calls run on (and charge) another thread of the same process.
  void rebind_os(OsInterface& os) { os_ = &os; }

  bool is_open() const { return fd_ >= 0; }
  const UacceDeviceInfo& device() const { return device_; }
  int fd() const { return fd_; }
  uint16_t qp_id() const { return qp_ctx_.id; }
  uint16_t qc_type() const { return qp_ctx_.qc_type; }
  // Geometry from SET_QP_INFO, or the request's defaults when the driver lacks the ioctl.
  const HisiQpInfo& qp_info() const { return qp_info_; }
  bool qp_info_from_driver() const { return qp_info_from_driver_; }
  VirtAddr mmio_base() const { return mmio_base_; }
  uint64_t mmio_size() const { return device_.region_mmio_size; }
  VirtAddr dus_base() const { return dus_base_; }
  uint64_t dus_size() const { return device_.region_dus_size; }
  uint64_t page_size() const { return page_size_; }
  OsInterface& os() const { return *os_; }

  const std::string& last_error() const { return last_error_; }

 private:
  int fail(int err, const std::string& what);
  void undo_start();
  void undo_open();

  OsInterface* os_;
  uint64_t page_size_;
  UacceDeviceInfo device_;
  int fd_ = -1;
  bool started_ = false;
  VirtAddr mmio_base_ = 0;
  VirtAddr dus_base_ = 0;
  HisiQpCtx qp_ctx_;
  HisiQpInfo qp_info_;
  bool qp_info_from_driver_ = false;
  std::string last_error_;
};

// Small text helpers for sysfs values (exposed for tests and the kernel model's formatting).
// Parses a decimal integer with optional surrounding whitespace; false on anything else.
bool parse_sysfs_int(const std::string& text, int64_t* out);
// Splits an "algorithms" attribute (newline or space separated) into names.
std::vector<std::string> split_sysfs_list(const std::string& text);

}  // namespace wdsim::rt
