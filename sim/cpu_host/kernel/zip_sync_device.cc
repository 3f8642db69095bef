#include "sim/cpu_host/kernel/zip_sync_device.h"

#include <cerrno>
#include <cstring>

#include "formats/zip/zip_sqe.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/kernel_queue_request.h"

namespace wdsim {

namespace {
uint64_t now_ps() { return to_ps(sc_core::sc_time_stamp()); }

uint32_t header_size(uint8_t req_type) {
  if (req_type == kZipReqZlib) return sizeof(kZlibHeader);
  if (req_type == kZipReqGzip) return sizeof(kGzipHeader);
  return 0;
}
const uint8_t* header_of(uint8_t req_type) {
  return req_type == kZipReqGzip ? kGzipHeader : kZlibHeader;
}

}  // namespace

// One open of /dev/zip_sync: a kernel queue pair of its own per direction (as a tfm would
// have). Threads sharing the open may have requests outstanding on one queue at once: each
// waits on its SQ slot's completion.
class ZipSyncFile : public KernelFile {
 public:
  ZipSyncFile(ZipSyncDevice& dev, HisiQmDriver::Qp* comp, HisiQmDriver::Qp* decomp)
      : dev_(dev), qps_{comp, decomp}, waiters_{{dev.qm_, *comp}, {dev.qm_, *decomp}} {}

  long ioctl(SyscallContext& ctx, unsigned long cmd, void* arg) override {
    if (cmd != kZipSyncIoctl || !arg) return -EINVAL;
    ZipSyncRequest req;
    std::memcpy(&req, arg, sizeof req);
    long r = run(ctx, req);
    std::memcpy(arg, &req, sizeof req);
    return r;
  }

  uint64_t mmap(SyscallContext&, uint64_t, int, uint64_t, int* err) override {
    *err = -ENODEV;
    return 0;
  }

  void release(SyscallContext& ctx) override {
    for (auto* qp : qps_) dev_.qm_.release_qp(ctx.cpu, qp);
  }

 private:
  long run(SyscallContext& ctx, ZipSyncRequest& req) {
    const HostCostParams& c = ctx.costs;
    Kernel& k = dev_.kernel_;
    if (req.op > 1 || req.src_len == 0 || req.dst_len == 0) return -EINVAL;
    ZipSyncStages st;
    st.start_ps = now_ps();
    UserDmaBuffer src, dst;
    if (!prepare_user_buffer(ctx, req.src, req.src_len, /*copy_in=*/true, &src) ||
        !prepare_user_buffer(ctx, req.dst, req.dst_len, /*copy_in=*/false, &dst)) {
      return -EFAULT;
    }
    st.copied_in_ps = now_ps();
    map_user_buffer(ctx, dev_.dma_, src, false);
    map_user_buffer(ctx, dev_.dma_, dst, true);
    st.mapped_ps = now_ps();

    HisiQmDriver::Qp& qp = *qps_[req.op];
    // The hardware neither writes nor parses zlib/gzip headers: for compression the driver
    // writes the header itself and points the device just past it (as hisi_zip's acomp does).
    const uint32_t head = req.op == 0 ? header_size(req.req_type) : 0;
    // For decompression the driver skips the stream's header (hisi_zip's get_comp_head_size).
    const uint32_t in_head = req.op == 1 ? header_size(req.req_type) : 0;
    if (head >= req.dst_len || in_head >= req.src_len) {
      unmap_and_release(ctx, src, dst);
      return -EINVAL;
    }
    if (head) {
      k.kernel_write(ctx.cpu, dst.pages[0] + dst.offset, header_of(req.req_type), head);
    }
    ZipSqe sqe{};
    sqe.input_data_length = req.src_len - in_head;
    sqe.dest_avail_out = req.dst_len - head;
    sqe.set_src(src.iova + in_head);
    sqe.set_dst(dst.iova + head);
    sqe.set_req_type(req.req_type);
    sqe.set_sqe_type(kZipSqeTypeV1);
    sqe.set_tag(req.tag);
    ctx.cpu.busy(ns(c.kernel_sqe_build_ns));
    uint16_t slot = 0;
    if (!dev_.qm_.kernel_send(ctx.cpu, qp, &sqe, &slot)) {
      unmap_and_release(ctx, src, dst);
      return -EBUSY;
    }
    st.submitted_ps = now_ps();
    st.qp = qp.id;
    st.sqe_index = slot;
    // The request's completion: may already be there if the interrupt came first. If the
    // thread is terminated from here on, the slot's completion is dropped when it comes.
    KernelQueueWaiters& waiters = waiters_[req.op];
    KernelQueueWaiters::Hold hold(waiters, slot);
    const auto outcome = waiters.wait(ctx.cpu, c, slot, &st.asleep_ps, &st.woken_ps);
    if (outcome == KernelQueueWaiters::Outcome::kTerminated) return -EINTR;
    if (outcome == KernelQueueWaiters::Outcome::kFailed) {
      req.stages = st;
      unmap_and_release(ctx, src, dst);
      drop_user_buffer(ctx, dst);
      return -EIO;
    }
    ZipSqe result;
    dev_.qm_.read_sqe(ctx.cpu, qp, slot, &result);
    hold.release();  // the slot is free for reuse
    req.status = result.status();
    const bool ok = req.status == kZipStatusOk || req.status == kZipStatusNegativeCompression ||
                    req.status == kZipStatusDecompEnd;
    const uint32_t produced = ok ? std::min(result.produced + head, req.dst_len) : 0;
    unmap_and_release(ctx, src, dst);
    st.unmapped_ps = now_ps();
    if (!finish_user_buffer(ctx, req.dst, dst, produced)) return -EFAULT;
    st.copied_out_ps = now_ps();
    req.dst_len = produced;
    req.stages = st;
    dev_.last_stages_ = st;
    dev_.last_stages_by_pid_[ctx.process.pid()] = st;
    dev_.requests_.inc();
    return ok ? 0 : -EIO;
  }

  void unmap_and_release(SyscallContext& ctx, const UserDmaBuffer& src, const UserDmaBuffer& dst) {
    unmap_user_buffer(ctx, dev_.dma_, src);
    unmap_user_buffer(ctx, dev_.dma_, dst);
    release_user_source(ctx, src);
  }

  ZipSyncDevice& dev_;
  HisiQmDriver::Qp* qps_[2];
  KernelQueueWaiters waiters_[2];  // per direction
};

ZipSyncDevice::ZipSyncDevice(Kernel& kernel, HisiQmDriver& qm, DmaApi& dma, const std::string& path)
    : kernel_(kernel),
      qm_(qm),
      dma_(dma),
      requests_(kernel.env().stats().counter("host.zip_sync.requests",
                                             "Requests through the syscall compression device")) {
  kernel_.register_device(path, this);
}

std::unique_ptr<KernelFile> ZipSyncDevice::open(SyscallContext& ctx, int* err) {
  HisiQmDriver::Qp* comp = qm_.alloc_qp(static_cast<uint8_t>(ZipOp::kCompress));
  HisiQmDriver::Qp* decomp =
      comp ? qm_.alloc_qp(static_cast<uint8_t>(ZipOp::kDecompress)) : nullptr;
  if (!decomp) {
    if (comp) qm_.release_qp(ctx.cpu, comp);
    *err = -EBUSY;
    return nullptr;
  }
  for (auto* qp : {comp, decomp}) {
    qm_.alloc_ring(ctx.cpu, *qp, /*with_status_page=*/false);
    qm_.start_qp(ctx.cpu, *qp, 0, /*pasid_enabled=*/false, queue_priority_);
  }
  return std::make_unique<ZipSyncFile>(*this, comp, decomp);
}

}  // namespace wdsim
