#include "sim/cpu_host/kernel/uacce_device.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "formats/uacce/hisi_qm.h"
#include "formats/uacce/uacce.h"
#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/smmu_driver.h"

namespace wdsim {

namespace {
constexpr uint64_t kPage = aarch64::kPageSize4K;
enum class QueueState { kInit, kStarted, kZombie };
}  // namespace

class UacceQueueFile : public KernelFile {
 public:
  UacceQueueFile(UacceDevice& dev, HisiQmDriver::Qp* qp, uint32_t pasid, int pid)
      : dev_(dev), qp_(qp), pasid_(pasid), pid_(pid) {
    qp_->on_event = [this](CpuContext&) {
      // uacce_wake_up: wake pollers of this queue.
      updated_ = true;
      wake_.notify(sc_core::SC_ZERO_TIME);
    };
  }

  long ioctl(SyscallContext& ctx, unsigned long cmd, void* arg) override {
    if (state_ == QueueState::kZombie) return -ENXIO;
    if (cmd == rt::kUacceCmdStartQ) {
      if (state_ != QueueState::kInit) return -EINVAL;
      if (!qp_->ring.size) return -EINVAL;  // the DUS region must be mapped first
      dev_.qm_.start_qp(ctx.cpu, *qp_, pasid_, /*pasid_enabled=*/true);
      state_ = QueueState::kStarted;
      return 0;
    }
    if (cmd == rt::kUacceCmdPutQ) {
      put(ctx);
      return 0;
    }
    if (cmd == rt::kUacceCmdQmSetQpCtx) {
      if (!arg) return -EFAULT;
      rt::HisiQpCtx qctx;
      std::memcpy(&qctx, arg, sizeof qctx);  // copy_from_user
      if (qctx.qc_type > rt::kHisiQpQcTypeMax) return -EINVAL;
      qp_->alg_type = static_cast<uint8_t>(qctx.qc_type);
      qctx.id = qp_->id;
      std::memcpy(arg, &qctx, sizeof qctx);  // copy_to_user
      return 0;
    }
    if (cmd == rt::kUacceCmdQmSetQpInfo) {
      if (!arg) return -EFAULT;
      rt::HisiQpInfo info;
      std::memcpy(&info, arg, sizeof info);
      info.sqe_size = dev_.qm_.info().sqe_size;
      info.sq_depth = static_cast<uint16_t>(dev_.qm_.info().sq_depth);
      info.cq_depth = static_cast<uint16_t>(dev_.qm_.info().sq_depth);
      std::memcpy(arg, &info, sizeof info);
      return 0;
    }
    return -EINVAL;
  }

  uint64_t mmap(SyscallContext& ctx, uint64_t length, int prot, uint64_t offset,
                int* err) override {
    (void)prot;
    if (state_ == QueueState::kZombie) {
      *err = -ENXIO;
      return 0;
    }
    // Linux: the region is vma->vm_pgoff, the offset in the caller's PAGE_SIZE units (UADK
    // passes qfrt * getpagesize()); here each process has its own granule.
    const uint64_t region = offset / ctx.process.granule_size();
    if (region == rt::kUacceQfrtMmio) {
      if (mmio_mapped_) return (*err = -EEXIST), 0;
      if (length > dev_.qm_.qp_mmio_size()) return (*err = -EINVAL), 0;
      // The queue's doorbell region: the shared BAR pages, or its own isolated page.
      const uint64_t base = dev_.qm_.qp_mmio_pa(qp_->id);
      std::vector<uint64_t> pages;
      for (uint64_t off = 0; off < align_up(length, kPage); off += kPage) {
        pages.push_back(base + off);
      }
      mmio_mapped_ = true;
      return ctx.process.mmap_physical(pages, VmaKind::kDeviceMmio, ctx.fd, true);
    }
    if (region == rt::kUacceQfrtDus) {
      if (dus_mapped_) return (*err = -EEXIST), 0;
      if (length > dev_.qm_.ring_size(true)) return (*err = -EINVAL), 0;
      dev_.qm_.alloc_ring(ctx.cpu, *qp_, /*with_status_page=*/true);
      dus_mapped_ = true;
      return ctx.process.mmap_physical(qp_->ring.pages(), VmaKind::kDeviceDus, ctx.fd, true);
    }
    *err = -EINVAL;
    return 0;
  }

  int wait_event(SyscallContext& ctx, const sc_core::sc_time& timeout) override {
    if (state_ != QueueState::kStarted) return -EINVAL;
    if (!updated_) {
      ctx.cpu.busy(ns(ctx.costs.sleep_ns));
      // Interruptible: a put of the queue or a signal to the process wakes the sleeper too
      // (a signal to another process sharing the file does not end the wait). The core is free
      // meanwhile.
      const sc_core::sc_time deadline = sc_core::sc_time_stamp() + timeout;
      while (!updated_ && state_ == QueueState::kStarted && ctx.process.alive()) {
        const sc_core::sc_time now = sc_core::sc_time_stamp();
        if (now >= deadline) break;
        ctx.cpu.sleep(wake_, ctx.kernel.signal_event(), deadline - now);
      }
      if (!ctx.process.alive()) return -EINTR;
      if (state_ != QueueState::kStarted) return -ENXIO;
      if (!updated_) return 0;
      ctx.cpu.busy(ns(ctx.costs.wakeup_ns));
    }
    updated_ = false;
    return 1;
  }

  void release(SyscallContext& ctx) override {
    put(ctx);
    // The DUS ring outlived the queue (it stays mapped until munmap/close): free it now that
    // no mapping is left (sys_close unmapped them before the release).
    dev_.qm_.free_ring(ctx.cpu, ring_);
    dev_.smmu_.sva_unbind(ctx.cpu, dev_.info_.stream_id, pasid_);
    dev_.kernel_.env().trace_event("host.uacce", "release",
                                   {tf("dev", dev_.info_.name), tf("pid", pid_)});
  }

 private:
  // uacce_put_queue: stop_queue (hisi_qm_stop_qp, a drain) when started, then put_queue (the
  // queue pair goes back to the device: available_instances counts it again). The ring memory
  // stays with the file while the process may still map it.
  void put(SyscallContext& ctx) {
    if (state_ == QueueState::kZombie) return;
    // Zombie before the drain waits: a second PUT_Q (another thread) or a poller sees it.
    const bool started = state_ == QueueState::kStarted;
    state_ = QueueState::kZombie;
    HisiQmDriver::Qp* qp = std::exchange(qp_, nullptr);
    wake_.notify(sc_core::SC_ZERO_TIME);  // a poller of the queue returns
    if (started) dev_.qm_.stop_qp(ctx.cpu, *qp);
    ring_ = qp->ring;
    qp->ring = {};
    dev_.qm_.release_qp(ctx.cpu, qp);
  }

  UacceDevice& dev_;
  HisiQmDriver::Qp* qp_;  // nullptr once put
  uint32_t pasid_;
  int pid_;
  QueueState state_ = QueueState::kInit;
  bool mmio_mapped_ = false;
  bool dus_mapped_ = false;
  bool updated_ = false;
  DmaApi::Coherent ring_;  // the DUS ring after the put, until release
  sc_core::sc_event wake_;
};

UacceDevice::UacceDevice(Kernel& kernel, HisiQmDriver& qm, SmmuDriver& smmu, UacceDeviceInfo info)
    : kernel_(kernel),
      qm_(qm),
      smmu_(smmu),
      info_(std::move(info)),
      open_refused_isolated_(
          kernel.env().stats().counter("host.uacce.open_refused_isolated",
                                       "uacce opens refused because the device is isolated")) {
  dev_path_ = std::string(rt::kUacceDevDir) + "/" + info_.name;
  kernel_.register_device(dev_path_, this);
  const std::string dir = std::string(rt::kUacceSysfsClassDir) + "/" + info_.name + "/";
  kernel_.add_sysfs(dir + rt::kUacceAttrApi, [] { return std::string(rt::kHisiQmApiV2); });
  kernel_.add_sysfs(dir + rt::kUacceAttrFlags, [] { return std::to_string(rt::kUacceDevSva); });
  kernel_.add_sysfs(dir + rt::kUacceAttrAlgorithms, [this] { return info_.algorithms; });
  kernel_.add_sysfs(dir + rt::kUacceAttrAvailableInstances,
                    [this] { return std::to_string(qm_.available_qps()); });
  kernel_.add_sysfs(dir + rt::kUacceAttrRegionMmioSize,
                    [this] { return std::to_string(qm_.qp_mmio_size()); });
  kernel_.add_sysfs(dir + rt::kUacceAttrRegionDusSize,
                    [this] { return std::to_string(qm_.ring_size(true)); });
  // The attribute callbacks have no caller context: the register read runs on a context of
  // the device's own (it advances the reading thread's time but is not charged as its CPU).
  kernel_.add_sysfs(dir + rt::kUacceAttrIsolate,
                    [this] { return std::string(qm_.read_isolated(sysfs_cpu_) ? "1" : "0"); });
  kernel_.add_sysfs(dir + rt::kUacceAttrIsolateStrategy,
                    [this] { return std::to_string(qm_.info().isolate_threshold); });
}

std::unique_ptr<KernelFile> UacceDevice::open(SyscallContext& ctx, int* err) {
  if (qm_.read_isolated(ctx.cpu)) {
    open_refused_isolated_.inc();
    *err = -EPERM;
    return nullptr;
  }
  HisiQmDriver::Qp* qp = qm_.alloc_qp(0);
  if (!qp) {
    *err = -EBUSY;
    return nullptr;
  }
  // uacce_fops_open: iommu_sva_bind_device(parent, current->mm) -> PASID -> get_queue.
  const uint32_t pasid = smmu_.sva_bind(ctx.cpu, info_.stream_id, ctx.process);
  kernel_.env().trace_event(
      "host.uacce", "open",
      {tf("dev", info_.name), tf("pid", ctx.process.pid()), tf("qp", qp->id), tf("pasid", pasid)});
  return std::make_unique<UacceQueueFile>(*this, qp, pasid, ctx.process.pid());
}

}  // namespace wdsim
