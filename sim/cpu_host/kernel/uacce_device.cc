#define SC_INCLUDE_DYNAMIC_PROCESSES  // sc_spawn for the re-bind worker
#include "sim/cpu_host/kernel/uacce_device.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include "formats/uacce/hisi_qm.h"
#include "formats/uacce/uacce.h"
#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"
#include "sim/cpu_host/kernel/dma_buf.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/smmu_driver.h"

namespace wdsim {

namespace {
constexpr uint64_t kPage = aarch64::kPageSize4K;
enum class QueueState { kInit, kStarted, kZombie };
// SQC w13 priority[3:0]: a queue of the highest priority can never be evicted for another.
constexpr uint8_t kMaxPriority = 15;
}  // namespace

class UacceQueueFile : public KernelFile {
 public:
  // pasid: the process's PASID on an SVA device; unused (0) without SVA.
  UacceQueueFile(UacceDevice& dev, HisiQmDriver::Qp* qp, uint32_t pasid, Process& process)
      : dev_(dev),
        registry_(dev.files_),
        qp_(qp),
        pasid_(pasid),
        pid_(process.pid()),
        process_(process) {
    install_wakeup();
    registry_->push_back(this);
  }
  ~UacceQueueFile() override {
    auto& f = *registry_;
    f.erase(std::remove(f.begin(), f.end(), this), f.end());
  }

  int pid() const { return pid_; }
  uint8_t priority() const { return priority_; }
  bool started() const { return state_ == QueueState::kStarted && !evicted_ && !moving_; }
  bool evicted() const { return evicted_; }
  bool rebind_pending() const { return evicted_ && rebind_pending_; }
  uint16_t qp_id() const { return qp_ ? qp_->id : saved_qp_.id; }

  // Evicts the started queue (see uacce_device.h): the doorbell mapping to the dummy page,
  // STOP_QP (drain), SQC/CQC read back, the queue pair freed. `rebind_when_free`: re-bind
  // once the queue pair is freed (the policy's evictions).
  bool evict(CpuContext& cpu, bool rebind_when_free) {
    if (!started()) return false;
    CpuContext::Uninterruptible whole(cpu);
    moving_ = true;
    const HostCostParams& costs = dev_.kernel_.costs();
    cpu.busy(ns(costs.queue_evict_ns));
    // First the doorbells, so that nothing the process rings from now on reaches the QM.
    last_sq_db_.reset();
    last_cq_db_.reset();
    absorbed_ = 0;
    if (mmio_mapped_) {
      trap_ = dev_.kernel_.add_mmio_trap(
          [this](uint64_t, const void* src, size_t len) { absorb(src, len); });
      std::vector<uint64_t> dummy(mmio_windows_.size());
      for (size_t w = 0; w < dummy.size(); ++w) dummy[w] = trap_ + w * process_.granule_size();
      process_.remap_device(mmio_va_, dummy);
      cpu.busy(ns(costs.doorbell_remap_ns));
    }
    const bool stopped = dev_.qm_.stop_qp(cpu, *qp_);
    dev_.qm_.read_qp_ctx(cpu, qm::kMbCmdSqc, qp_->id, &saved_sqc_, sizeof saved_sqc_);
    dev_.qm_.read_qp_ctx(cpu, qm::kMbCmdCqc, qp_->id, &saved_cqc_, sizeof saved_cqc_);
    saved_qp_ = *qp_;
    saved_qp_.on_event = nullptr;
    qp_->ring = {};  // the ring stays the process's (its DUS mapping)
    if (stopped) {
      dev_.qm_.release_qp(cpu, std::exchange(qp_, nullptr));
    } else {
      qp_ = nullptr;  // a queue that did not stop stays allocated (release_qp's rule)
    }
    evicted_ = true;
    rebind_pending_ = rebind_when_free;
    evicted_at_ = sc_core::sc_time_stamp();
    moving_ = false;
    moved_.notify(sc_core::SC_ZERO_TIME);
    dev_.evictions_.inc();
    dev_.kernel_.env().trace_event(
        "host.uacce", "evict",
        {tf("dev", dev_.info_.name), tf("pid", pid_), tf("qp", saved_qp_.id),
         tf("sq_head", saved_sqc_.head), tf("sq_tail", saved_sqc_.tail),
         tf("cq_head", saved_cqc_.head), tf("cq_tail", saved_cqc_.tail)});
    return true;
  }

  // Re-binds an evicted queue on its queue pair; false (and pending) while the pair is taken.
  bool rebind(CpuContext& cpu) {
    if (!evicted_ || moving_) return false;
    HisiQmDriver::Qp* qp = dev_.qm_.alloc_qp_id(saved_qp_.id, saved_qp_.alg_type);
    if (!qp) {
      if (std::exchange(rebind_pending_, true)) return false;  // waits already
      dev_.kernel_.env().trace_event(
          "host.uacce", "rebind_waits",
          {tf("dev", dev_.info_.name), tf("pid", pid_), tf("qp", saved_qp_.id)});
      return false;
    }
    CpuContext::Uninterruptible whole(cpu);
    moving_ = true;
    const HostCostParams& costs = dev_.kernel_.costs();
    cpu.busy(ns(costs.queue_evict_ns));
    *qp = saved_qp_;
    qp->started = false;
    qp_ = qp;
    install_wakeup();
    dev_.qm_.restore_qp(cpu, *qp_, saved_sqc_, saved_cqc_);
    if (trap_) {
      process_.remap_device(mmio_va_, mmio_windows_);
      cpu.busy(ns(costs.doorbell_remap_ns));
      dev_.kernel_.remove_mmio_trap(trap_);
      trap_ = 0;
    }
    // The doorbells the dummy page absorbed, CQ first (the CQ head the process reached, with
    // its interrupt re-arm), then SQ; without one, the tail the device had when it stopped.
    if (last_cq_db_) {
      dev_.kernel_.mmio_write64(cpu, dev_.qm_.doorbell_pa(qp_->id, qm::kDbCmdCq), *last_cq_db_);
    }
    if (last_sq_db_) {
      dev_.kernel_.mmio_write64(cpu, dev_.qm_.doorbell_pa(qp_->id, qm::kDbCmdSq), *last_sq_db_);
    } else if (saved_sqc_.tail != saved_sqc_.head) {
      dev_.qm_.ring_sq_doorbell(cpu, *qp_, saved_sqc_.tail);
    }
    evicted_ = false;
    rebind_pending_ = false;
    moving_ = false;
    moved_.notify(sc_core::SC_ZERO_TIME);
    dev_.rebinds_.inc();
    const sc_core::sc_time away = sc_core::sc_time_stamp() - evicted_at_;
    dev_.evicted_us_.add(away.to_seconds() * 1e6);
    dev_.kernel_.env().trace_event("host.uacce", "rebind",
                                   {tf("dev", dev_.info_.name), tf("pid", pid_), tf("qp", qp_->id),
                                    tf("absorbed", absorbed_)});
    absorbed_ = 0;
    return true;
  }

  long ioctl(SyscallContext& ctx, unsigned long cmd, void* arg) override {
    if (state_ == QueueState::kZombie) return -ENXIO;
    if (cmd == rt::kUacceCmdStartQ) {
      if (state_ != QueueState::kInit) return -EINVAL;
      if (!qp_->ring.size) return -EINVAL;  // the DUS region must be mapped first
      priority_ = ctx.process.queue_priority();
      dev_.qm_.start_qp(ctx.cpu, *qp_, pasid_, /*pasid_enabled=*/dev_.info_.sva, priority_);
      state_ = QueueState::kStarted;
      return 0;
    }
    if (cmd == rt::kUacceCmdPutQ) {
      put(ctx);
      return 0;
    }
    if (cmd == rt::kUacceCmdGetSsDma) return get_ss_dma(arg);
    if (cmd == rt::kWdsimUacceCmdAttachDmaBuf) return attach_dma_buf(ctx, arg);
    if (cmd == rt::kUacceCmdQmSetQpCtx) {
      if (!arg) return -EFAULT;
      if (!qp_) return -EBUSY;  // evicted
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
    if (!qp_) {
      *err = -EBUSY;  // evicted: its regions are mapped already
      return 0;
    }
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
      mmio_va_ = ctx.process.mmap_physical(pages, VmaKind::kDeviceMmio, ctx.fd, true);
      mmio_windows_ = ctx.process.find_vma(mmio_va_)->frames;
      return mmio_va_;
    }
    if (region == rt::kUacceQfrtDus) {
      if (dus_mapped_) return (*err = -EEXIST), 0;
      if (length > dev_.qm_.ring_size(true)) return (*err = -EINVAL), 0;
      dev_.qm_.alloc_ring(ctx.cpu, *qp_, /*with_status_page=*/true);
      dus_mapped_ = true;
      return ctx.process.mmap_physical(qp_->ring.pages(), VmaKind::kDeviceDus, ctx.fd, true);
    }
    if (region == rt::kUacceQfrtSs) return mmap_ss(ctx, length, err);
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
    // The static share region likewise (its mapping is gone too): dma_free_coherent.
    if (ss_.size) dev_.qm_.dma().free_coherent(ctx.cpu, std::exchange(ss_, {}));
    for (const auto& [buf, a] : std::exchange(dma_bufs_, {}))
      buf->detach(ctx.cpu, dev_.qm_.dma(), a);
    if (dev_.info_.sva) dev_.smmu_.sva_unbind(ctx.cpu, dev_.info_.stream_id, pasid_);
    dev_.kernel_.env().trace_event("host.uacce", "release",
                                   {tf("dev", dev_.info_.name), tf("pid", pid_)});
  }

 private:
  // The static share region (no SVA): pinned DMA memory of the device's kernel DMA domain
  // (dma_alloc_coherent), mapped into the process. With the device behind the SMMU it is one
  // slice, contiguous in IOVA (openEuler uacce_alloc_dma_buffers with UACCE_DEV_IOMMU: the slice
  // size is the whole mapping). Allowed once per queue, before or after START_Q.
  uint64_t mmap_ss(SyscallContext& ctx, uint64_t length, int* err) {
    if (dev_.info_.sva) return (*err = -EINVAL), 0;  // an SVA device has no static share
    if (ss_.size) return (*err = -EEXIST), 0;
    // The slice's size goes to user space in 12 bits of 64 KiB granules (GET_SS_DMA).
    if (length == 0 || length > (rt::kUacceGranNumMask << rt::kUacceGranShift)) {
      return (*err = -EINVAL), 0;
    }
    ss_ = dev_.qm_.dma().alloc_coherent(ctx.cpu, align_up(length, kPage));
    const uint64_t va =
        ctx.process.mmap_physical(ss_.pages(), VmaKind::kDeviceDus, ctx.fd, /*writable=*/true);
    dev_.kernel_.env().trace_event(
        "host.uacce", "mmap_ss",
        {tf("dev", dev_.info_.name), tf("pid", pid_), tf("bytes", ss_.size), tf("dma", ss_.iova)});
    return va;
  }

  // UACCE_CMD_GET_SS_DMA (openEuler uacce_get_ss_dma): *arg is a slice index in, the slice's
  // DMA address | its size in granules out; returns the number of slices after it.
  long get_ss_dma(void* arg) {
    if (dev_.info_.sva || !ss_.size) return -EINVAL;
    if (!arg) return -EFAULT;
    unsigned long index = 0;
    std::memcpy(&index, arg, sizeof index);  // copy_from_user
    constexpr unsigned long kSlices = 1;     // one IOVA-contiguous slice behind the SMMU
    if (index >= kSlices) return -EINVAL;
    const unsigned long info = ss_.iova | (ss_.size >> rt::kUacceGranShift);
    std::memcpy(arg, &info, sizeof info);  // copy_to_user
    return static_cast<long>(kSlices - 1 - index);
  }

  // wdsim's dma-buf importer (kWdsimUacceCmdAttachDmaBuf, formats/uacce/uacce.h): the buffer
  // mapped into the device's kernel DMA domain until the file's release.
  long attach_dma_buf(SyscallContext& ctx, void* arg) {
    if (dev_.info_.sva) return -EINVAL;  // its queue's DMA carries the process's PASID
    if (!arg) return -EFAULT;
    rt::WdsimDmaBufAttach a;
    std::memcpy(&a, arg, sizeof a);  // copy_from_user
    if (a.reserved != 0) return -EINVAL;
    if (!dev_.kernel_.file_at(ctx.process, a.fd)) return -EBADF;
    DmaBuf* buf = DmaBuf::from_fd(dev_.kernel_, ctx.process, a.fd);
    if (!buf) return -EINVAL;
    const DmaBuf::Attachment at = buf->attach(ctx.cpu, dev_.qm_.dma());
    dma_bufs_.emplace_back(buf, at);
    a.iova = at.iova;
    a.size = at.size;
    std::memcpy(arg, &a, sizeof a);  // copy_to_user
    dev_.kernel_.env().trace_event(
        "host.uacce", "attach_dma_buf",
        {tf("dev", dev_.info_.name), tf("pid", pid_), tf("buf", buf->id()), tf("iova", at.iova),
         tf("bytes", at.size)});
    return 0;
  }

  // uacce_put_queue: stop_queue (hisi_qm_stop_qp, a drain) when started, then put_queue (the
  // queue pair goes back to the device: available_instances counts it again). The ring memory
  // stays with the file while the process may still map it.
  void put(SyscallContext& ctx) {
    if (state_ == QueueState::kZombie) return;
    {
      // An eviction or re-bind under way finishes first.
      CpuContext::Uninterruptible wait(ctx.cpu);
      while (moving_) ctx.cpu.sleep(moved_);
    }
    if (state_ == QueueState::kZombie) return;
    // Zombie before the drain waits: a second PUT_Q (another thread) or a poller sees it.
    const bool started = state_ == QueueState::kStarted;
    state_ = QueueState::kZombie;
    wake_.notify(sc_core::SC_ZERO_TIME);  // a poller of the queue returns
    if (evicted_) {
      // Its queue pair is gone already; the ring and the dummy page are left.
      evicted_ = false;
      rebind_pending_ = false;
      ring_ = saved_qp_.ring;
      if (trap_) dev_.kernel_.remove_mmio_trap(std::exchange(trap_, 0));
      return;
    }
    HisiQmDriver::Qp* qp = std::exchange(qp_, nullptr);
    if (started) dev_.qm_.stop_qp(ctx.cpu, *qp);
    ring_ = qp->ring;
    qp->ring = {};
    dev_.qm_.release_qp(ctx.cpu, qp);
    dev_.queue_pair_freed();
  }

  void install_wakeup() {
    qp_->on_event = [this](CpuContext&) {
      // uacce_wake_up: wake pollers of this queue.
      updated_ = true;
      wake_.notify(sc_core::SC_ZERO_TIME);
    };
  }

  // A store the process made to the dummy page: a V2 doorbell (qm_formats.h) kept by command.
  void absorb(const void* src, size_t len) {
    if (len != sizeof(uint64_t)) return;
    uint64_t value = 0;
    std::memcpy(&value, src, sizeof value);
    const qm::Doorbell db = qm::decode_doorbell_v2(value);
    if (db.cmd == qm::kDbCmdSq) last_sq_db_ = value;
    if (db.cmd == qm::kDbCmdCq) last_cq_db_ = value;
    ++absorbed_;
    dev_.doorbells_absorbed_.inc();
  }

  UacceDevice& dev_;
  std::shared_ptr<std::vector<UacceQueueFile*>> registry_;  // the device's files_
  HisiQmDriver::Qp* qp_;                                    // nullptr once put, or while evicted
  uint32_t pasid_;
  int pid_;
  Process& process_;
  uint8_t priority_ = 0;  // the process's queue priority at START_Q
  // The doorbell mapping (VA, and the windows it maps when not evicted).
  uint64_t mmio_va_ = 0;
  std::vector<uint64_t> mmio_windows_;
  // Eviction: what was saved, the dummy page, the doorbells it absorbed.
  bool evicted_ = false;
  bool rebind_pending_ = false;
  bool moving_ = false;  // an eviction or re-bind is under way
  sc_core::sc_event moved_;
  HisiQmDriver::Qp saved_qp_;
  qm::Sqc saved_sqc_{};
  qm::Cqc saved_cqc_{};
  uint64_t trap_ = 0;
  std::optional<uint64_t> last_sq_db_;
  std::optional<uint64_t> last_cq_db_;
  uint64_t absorbed_ = 0;
  sc_core::sc_time evicted_at_ = sc_core::SC_ZERO_TIME;
  QueueState state_ = QueueState::kInit;
  bool mmio_mapped_ = false;
  bool dus_mapped_ = false;
  bool updated_ = false;
  DmaApi::Coherent ring_;  // the DUS ring after the put, until release
  DmaApi::Coherent ss_;    // the static share region (no SVA), until release
  std::vector<std::pair<DmaBuf*, DmaBuf::Attachment>> dma_bufs_;  // attached, until release
  sc_core::sc_event wake_;
};

UacceDevice::UacceDevice(Kernel& kernel, HisiQmDriver& qm, SmmuDriver& smmu, UacceDeviceInfo info)
    : kernel_(kernel),
      qm_(qm),
      smmu_(smmu),
      info_(std::move(info)),
      open_refused_isolated_(
          kernel.env().stats().counter("host.uacce.open_refused_isolated",
                                       "uacce opens refused because the device is isolated")),
      evictions_(kernel.env().stats().counter(
          "host.uacce.evictions", "Queues evicted (doorbells to a dummy page, STOP_QP, saved)")),
      rebinds_(kernel.env().stats().counter(
          "host.uacce.rebinds", "Evicted queues re-bound (contexts restored, doorbells replayed)")),
      priority_evictions_(kernel.env().stats().counter(
          "host.uacce.priority_evictions",
          "Evictions by evict_policy priority (an open found no free queue pair)")),
      doorbells_absorbed_(kernel.env().stats().counter(
          "host.uacce.doorbells_absorbed", "Doorbells evicted processes wrote to a dummy page")),
      evicted_us_(kernel.env().stats().histogram("host.uacce.evicted_us", "us",
                                                 "Time each eviction lasted, until re-bind")) {
  dev_path_ = std::string(rt::kUacceDevDir) + "/" + info_.name;
  kernel_.register_device(dev_path_, this);
  const std::string dir = std::string(rt::kUacceSysfsClassDir) + "/" + info_.name + "/";
  kernel_.add_sysfs(dir + rt::kUacceAttrApi, [] { return std::string(rt::kHisiQmApiV2); });
  kernel_.add_sysfs(dir + rt::kUacceAttrFlags, [this] {
    return std::to_string(info_.sva ? rt::kUacceDevSva : rt::kUacceDevIommu);
  });
  kernel_.add_sysfs(dir + rt::kUacceAttrAlgorithms, [this] { return info_.algorithms; });
  // With evict_policy priority a queue that could be evicted for an opener counts too (an
  // opener of too low a priority then gets -EBUSY from open).
  kernel_.add_sysfs(dir + rt::kUacceAttrAvailableInstances, [this] {
    uint32_t n = qm_.available_qps();
    if (info_.evict_by_priority) {
      for (const UacceQueueFile* f : *files_) n += f->started() && f->priority() < kMaxPriority;
    }
    return std::to_string(n);
  });
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
  if (!qp && info_.evict_by_priority) {
    // evict_policy priority: the lowest-priority started queue below the opener's priority
    // (ties: the highest queue number) makes room, and re-binds when its queue pair is freed.
    UacceQueueFile* victim = nullptr;
    for (UacceQueueFile* f : *files_) {
      if (!f->started() || f->priority() >= ctx.process.queue_priority()) continue;
      if (!victim || f->priority() < victim->priority() ||
          (f->priority() == victim->priority() && f->qp_id() > victim->qp_id())) {
        victim = f;
      }
    }
    if (victim && victim->evict(ctx.cpu, /*rebind_when_free=*/true)) {
      priority_evictions_.inc();
      qp = qm_.alloc_qp(0);
    }
  }
  if (!qp) {
    *err = -EBUSY;
    return nullptr;
  }
  // uacce_fops_open: iommu_sva_bind_device(parent, current->mm) -> PASID -> get_queue. Without
  // SVA no bond: the queue's DMA carries no PASID (the device's kernel DMA domain).
  const uint32_t pasid = info_.sva ? smmu_.sva_bind(ctx.cpu, info_.stream_id, ctx.process) : 0;
  kernel_.env().trace_event(
      "host.uacce", "open",
      {tf("dev", info_.name), tf("pid", ctx.process.pid()), tf("qp", qp->id), tf("pasid", pasid)});
  return std::make_unique<UacceQueueFile>(*this, qp, pasid, ctx.process);
}

uint32_t UacceDevice::evict_process(CpuContext& cpu, int pid) {
  uint32_t n = 0;
  const std::vector<UacceQueueFile*> files = *files_;  // an eviction waits: files may come
  for (UacceQueueFile* f : files) {
    if (f->pid() == pid && f->evict(cpu, /*rebind_when_free=*/false)) ++n;
  }
  return n;
}

uint32_t UacceDevice::rebind_process(CpuContext& cpu, int pid) {
  uint32_t n = 0;
  const std::vector<UacceQueueFile*> files = *files_;
  for (UacceQueueFile* f : files) {
    if (f->pid() == pid && f->evicted() && f->rebind(cpu)) ++n;
  }
  return n;
}

uint32_t UacceDevice::evicted_queues() const {
  uint32_t n = 0;
  for (const UacceQueueFile* f : *files_) n += f->evicted() ? 1 : 0;
  return n;
}

void UacceDevice::queue_pair_freed() {
  if (worker_running_) return;  // it looks again before it stops
  bool waiting = false;
  for (const UacceQueueFile* f : *files_) waiting = waiting || f->rebind_pending();
  if (!waiting) return;
  worker_running_ = true;
  sc_core::sc_spawn([this] { rebind_worker(); });
}

void UacceDevice::rebind_worker() {
  // Deferred work (a workqueue item): re-bind every waiting queue whose pair is free, in open
  // order, until none can.
  bool progress = true;
  while (progress) {
    progress = false;
    const std::vector<UacceQueueFile*> files = *files_;
    for (UacceQueueFile* f : files) {
      if (std::find(files_->begin(), files_->end(), f) == files_->end()) continue;  // closed
      if (f->rebind_pending() && f->rebind(worker_cpu_)) progress = true;
    }
  }
  worker_running_ = false;
}

}  // namespace wdsim
