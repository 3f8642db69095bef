#include "sim/cpu_host/kernel/sec_sync_device.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include "formats/sec/sec_bd.h"
#include "sim/cpu_host/kernel/dma_api.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/kernel_queue_request.h"

namespace wdsim {

namespace {
uint64_t now_ps() { return to_ps(sc_core::sc_time_stamp()); }

// One request's coherent resources: the key, the IV and the tag (hisi_sec2 keeps the key in the
// tfm's c_key and the IV and MAC per request in qp_ctx->res).
constexpr uint64_t kResKey = 0;   // up to 32 bytes
constexpr uint64_t kResIv = 32;   // 16 (GCM uses 12)
constexpr uint64_t kResMac = 48;  // 16
constexpr uint64_t kResBytes = 64;
constexpr uint32_t kGcmIvBytes = 12;
constexpr uint32_t kMinTagBytes = 4;  // GCM tags of 4..16 bytes (NIST SP 800-38D 5.2.1.2)
constexpr uint32_t kMaxTagBytes = 16;
}  // namespace

// One open of /dev/sec_sync: a kernel queue pair and kResources coherent resources of its own
// (as a tfm has). Threads sharing the open may have requests in flight at once.
class SecSyncFile : public KernelFile {
 public:
  SecSyncFile(SecSyncDevice& dev, HisiQmDriver::Qp* qp, DmaApi::Coherent res)
      : dev_(dev),
        qp_(qp),
        waiters_(dev.qm_, *qp),
        res_(res),
        res_busy_(SecSyncDevice::kResources) {}

  long ioctl(SyscallContext& ctx, unsigned long cmd, void* arg) override {
    if (cmd != kSecSyncIoctl || !arg) return -EINVAL;
    SecSyncRequest req;
    std::memcpy(&req, arg, sizeof req);
    const long r = run(ctx, req);
    std::memcpy(arg, &req, sizeof req);
    return r;
  }

  uint64_t mmap(SyscallContext&, uint64_t, int, uint64_t, int* err) override {
    *err = -ENODEV;
    return 0;
  }

  void release(SyscallContext& ctx) override {
    dev_.qm_.release_qp(ctx.cpu, qp_);
    dev_.dma_.free_coherent(ctx.cpu, res_);
  }

 private:
  // A free resource, held for one request.
  struct ResourceHold {
    std::vector<bool>& busy;
    int index;
    ~ResourceHold() {
      if (index >= 0) busy[index] = false;
    }
  };

  long run(SyscallContext& ctx, SecSyncRequest& req) {
    const HostCostParams& c = ctx.costs;
    Kernel& k = dev_.kernel_;
    const int key_code = sec_c_key_code(kSecCAlgAes, req.key_len);
    if (req.op > 1 || req.text_len == 0 || key_code < 0 || req.tag_len < kMinTagBytes ||
        req.tag_len > kMaxTagBytes || !req.iv || !req.mac || !req.key ||
        uint64_t{req.assoc_len} + req.text_len > kSecMaxDataLen) {
      return -EINVAL;
    }
    int free_res = -1;
    for (size_t i = 0; i < res_busy_.size() && free_res < 0; ++i) {
      if (!res_busy_[i]) free_res = static_cast<int>(i);
    }
    if (free_res < 0) return -EBUSY;
    res_busy_[free_res] = true;
    ResourceHold res_hold{res_busy_, free_res};
    const uint64_t res_pa = res_.pa + static_cast<uint64_t>(free_res) * kResBytes;
    const uint64_t res_iova = res_.iova + static_cast<uint64_t>(free_res) * kResBytes;
    const bool decrypt = req.op == 1;
    const uint32_t total = req.assoc_len + req.text_len;

    ZipSyncStages st;
    st.start_ps = now_ps();
    UserDmaBuffer src, dst;
    if (!prepare_user_buffer(ctx, req.src, total, /*copy_in=*/true, &src) ||
        !prepare_user_buffer(ctx, req.dst, total, /*copy_in=*/false, &dst) ||
        !k.copy_from_user(ctx.cpu, ctx.process, req.key, res_pa + kResKey, req.key_len) ||
        !k.copy_from_user(ctx.cpu, ctx.process, req.iv, res_pa + kResIv, kGcmIvBytes) ||
        (decrypt &&
         !k.copy_from_user(ctx.cpu, ctx.process, req.mac, res_pa + kResMac, req.tag_len))) {
      drop_user_buffer(ctx, src);
      drop_user_buffer(ctx, dst);
      return -EFAULT;
    }
    st.copied_in_ps = now_ps();
    map_user_buffer(ctx, dev_.dma_, src, false);
    map_user_buffer(ctx, dev_.dma_, dst, true);
    st.mapped_ps = now_ps();

    const SecBd bd = sec_bd_gcm(!decrypt, static_cast<uint8_t>(key_code), res_iova + kResKey,
                                res_iova + kResIv, src.iova, dst.iova, req.assoc_len, req.text_len,
                                res_iova + kResMac, req.tag_len, static_cast<uint16_t>(req.tag));
    ctx.cpu.busy(ns(c.kernel_sqe_build_ns));
    uint16_t slot = 0;
    if (!dev_.qm_.kernel_send(ctx.cpu, *qp_, &bd, &slot)) {
      unmap_and_release(ctx, src, dst);
      drop_user_buffer(ctx, dst);
      return -EBUSY;
    }
    st.submitted_ps = now_ps();
    st.qp = qp_->id;
    st.sqe_index = slot;
    KernelQueueWaiters::Hold hold(waiters_, slot);
    const auto outcome = waiters_.wait(ctx.cpu, c, slot, &st.asleep_ps, &st.woken_ps);
    if (outcome == KernelQueueWaiters::Outcome::kTerminated) {
      // The device may still write the buffers and the resource: both stay behind.
      res_hold.index = -1;
      return -EINTR;
    }
    if (outcome == KernelQueueWaiters::Outcome::kFailed) {
      req.stages = st;
      unmap_and_release(ctx, src, dst);
      drop_user_buffer(ctx, dst);
      return -EIO;
    }
    SecBd result;
    dev_.qm_.read_sqe(ctx.cpu, *qp_, slot, &result);
    hold.release();
    const bool ok = result.ok();
    req.status = ok ? 0 : (result.icv() == kSecIcvError ? kSecIcvError : result.error_type);
    unmap_and_release(ctx, src, dst);
    st.unmapped_ps = now_ps();
    if (!finish_user_buffer(ctx, req.dst, dst, ok ? total : 0)) return -EFAULT;
    if (ok && !decrypt &&
        !k.copy_to_user(ctx.cpu, ctx.process, res_pa + kResMac, req.mac, req.tag_len)) {
      return -EFAULT;
    }
    st.copied_out_ps = now_ps();
    req.stages = st;
    dev_.requests_.inc();
    if (ok) return 0;
    return result.icv() == kSecIcvError ? -EBADMSG : -EIO;
  }

  void unmap_and_release(SyscallContext& ctx, const UserDmaBuffer& src, const UserDmaBuffer& dst) {
    unmap_user_buffer(ctx, dev_.dma_, src);
    unmap_user_buffer(ctx, dev_.dma_, dst);
    release_user_source(ctx, src);
  }

  SecSyncDevice& dev_;
  HisiQmDriver::Qp* qp_;
  KernelQueueWaiters waiters_;
  DmaApi::Coherent res_;
  std::vector<bool> res_busy_;
};

SecSyncDevice::SecSyncDevice(Kernel& kernel, HisiQmDriver& qm, DmaApi& dma, const std::string& path)
    : kernel_(kernel),
      qm_(qm),
      dma_(dma),
      requests_(kernel.env().stats().counter("host.sec_sync.requests",
                                             "Requests through the syscall AEAD device")) {
  kernel_.register_device(path, this);
}

std::unique_ptr<KernelFile> SecSyncDevice::open(SyscallContext& ctx, int* err) {
  // hisi_sec2 gives every queue alg_type 0 (the SEC takes the algorithm from each BD).
  HisiQmDriver::Qp* qp = qm_.alloc_qp(0);
  if (!qp) {
    *err = -EBUSY;
    return nullptr;
  }
  qm_.alloc_ring(ctx.cpu, *qp, /*with_status_page=*/false);
  qm_.start_qp(ctx.cpu, *qp, 0, /*pasid_enabled=*/false, queue_priority_);
  const DmaApi::Coherent res = dma_.alloc_coherent(ctx.cpu, kResources * kResBytes);
  return std::make_unique<SecSyncFile>(*this, qp, res);
}

}  // namespace wdsim
