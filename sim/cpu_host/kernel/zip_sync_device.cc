#include "sim/cpu_host/kernel/zip_sync_device.h"

#include <cerrno>
#include <cstring>
#include <map>

#include "formats/zip/zip_sqe.h"
#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"
#include "sim/cpu_host/kernel/kernel.h"

namespace wdsim {

namespace {
constexpr uint64_t kPage = aarch64::kPageSize4K;

uint64_t now_ps() { return to_ps(sc_core::sc_time_stamp()); }

uint32_t header_size(uint8_t req_type) {
  if (req_type == kZipReqZlib) return sizeof(kZlibHeader);
  if (req_type == kZipReqGzip) return sizeof(kGzipHeader);
  return 0;
}
const uint8_t* header_of(uint8_t req_type) {
  return req_type == kZipReqGzip ? kGzipHeader : kZlibHeader;
}

// A user buffer made visible to the device: the kernel pages behind it and its IOVA.
struct DmaBuffer {
  std::vector<uint64_t> pages;  // physical pages, in order
  bool bounce = false;          // pages are kernel bounce pages (copy mode)
  uint64_t offset = 0;          // offset of the first byte within pages[0]
  uint64_t iova = 0;            // device address of the first byte
};
}  // namespace

// One open of /dev/zip_sync: a kernel queue pair of its own per direction (as a tfm would
// have). Threads sharing the open may have requests outstanding on one queue at once: each
// waits on its SQ slot's completion.
class ZipSyncFile : public KernelFile {
 public:
  ZipSyncFile(ZipSyncDevice& dev, HisiQmDriver::Qp* comp, HisiQmDriver::Qp* decomp)
      : dev_(dev), qps_{comp, decomp} {
    for (int op = 0; op < 2; ++op) {
      HisiQmDriver::Qp* qp = qps_[op];
      qp->on_event = [this, op](CpuContext& cpu) { complete(cpu, op); };
      // The driver disabled the queue (an AEQ error): the outstanding request fails.
      qp->on_fail = [this, op](CpuContext&, uint16_t slot) { finish(op, slot, /*failed=*/true); };
      // A slot whose result its waiter has not read back yet is not reused.
      qp->slot_busy = [this, op](uint16_t slot) { return slots_[op].count(slot) > 0; };
    }
  }

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
    DmaBuffer src, dst;
    if (!prepare(ctx, req.src, req.src_len, /*copy_in=*/true, &src) ||
        !prepare(ctx, req.dst, req.dst_len, /*copy_in=*/false, &dst)) {
      return -EFAULT;
    }
    st.copied_in_ps = now_ps();
    src.iova = dev_.dma_.map_pages(ctx.cpu, src.pages, false) + src.offset;
    dst.iova = dev_.dma_.map_pages(ctx.cpu, dst.pages, true) + dst.offset;
    st.mapped_ps = now_ps();

    HisiQmDriver::Qp& qp = *qps_[req.op];
    // The hardware neither writes nor parses zlib/gzip headers: for compression the driver
    // writes the header itself and points the device just past it (as hisi_zip's acomp does).
    const uint32_t head = req.op == 0 ? header_size(req.req_type) : 0;
    // For decompression the driver skips the stream's header (hisi_zip's get_comp_head_size).
    const uint32_t in_head = req.op == 1 ? header_size(req.req_type) : 0;
    if (head >= req.dst_len || in_head >= req.src_len) {
      unmap_and_release(ctx, src, req.src_len, dst, 0);
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
      unmap_and_release(ctx, src, req.src_len, dst, 0);
      return -EBUSY;
    }
    st.submitted_ps = now_ps();
    st.qp = qp.id;
    st.sqe_index = slot;
    // The request's completion: may already be there if the interrupt came first.
    Slot& done = slots_[req.op][slot];
    // If the thread is terminated from here on, the slot's completion is dropped when it comes.
    SlotGuard guard{this, req.op, slot};
    // Sleep until the completion interrupt (wait_for_completion).
    ctx.cpu.busy(ns(c.sleep_ns));
    st.asleep_ps = now_ps();
    while (!done.done && !ctx.cpu.terminated()) ctx.cpu.sleep(done.completed);
    if (!done.done) return -EINTR;  // terminated earlier and unwinding: nothing to wait for
    ctx.cpu.busy(ns(c.wakeup_ns));
    st.woken_ps = now_ps();

    if (done.failed) {
      req.stages = st;
      unmap_and_release(ctx, src, req.src_len, dst, 0);
      if (dst.bounce) {
        for (uint64_t page : dst.pages) k.frames().free(page);
      }
      return -EIO;
    }
    ZipSqe result;
    dev_.qm_.read_sqe(ctx.cpu, qp, slot, &result);
    guard.release();  // the slot is free for reuse
    req.status = result.status();
    const bool ok = req.status == kZipStatusOk || req.status == kZipStatusNegativeCompression ||
                    req.status == kZipStatusDecompEnd;
    const uint32_t produced = ok ? std::min(result.produced + head, req.dst_len) : 0;
    unmap_and_release(ctx, src, req.src_len, dst, 0);
    st.unmapped_ps = now_ps();
    if (!finish_dst(ctx, req.dst, dst, produced)) return -EFAULT;
    st.copied_out_ps = now_ps();
    req.dst_len = produced;
    req.stages = st;
    dev_.last_stages_ = st;
    dev_.last_stages_by_pid_[ctx.process.pid()] = st;
    dev_.requests_.inc();
    return ok ? 0 : -EIO;
  }

  // Copy mode: kernel bounce pages (copy_from_user for the source). Pin mode: the user's own
  // pages, pinned.
  bool prepare(SyscallContext& ctx, uint64_t va, uint32_t len, bool copy_in, DmaBuffer* out) {
    Kernel& k = dev_.kernel_;
    const HostCostParams& c = ctx.costs;
    if (c.buffer_mode == "copy") {
      out->bounce = true;
      out->offset = 0;
      const uint64_t n = align_up(len, kPage) / kPage;
      for (uint64_t i = 0; i < n; ++i) out->pages.push_back(k.frames().alloc());
      if (copy_in) {
        uint64_t done = 0;
        for (uint64_t page : out->pages) {
          const uint64_t chunk = std::min<uint64_t>(kPage, len - done);
          if (!k.copy_from_user(ctx.cpu, ctx.process, va + done, page, chunk)) return false;
          done += chunk;
        }
      }
      return true;
    }
    out->offset = va & (kPage - 1);
    const uint64_t first = align_down(va, kPage);
    const uint64_t last = align_up(va + len, kPage);
    // pin_user_pages faults in pages that were never touched.
    if (!k.handle_cpu_fault(ctx.process, ctx.cpu, first, last - first)) return false;
    for (uint64_t p = first; p < last; p += kPage) {
      auto pa = ctx.process.translate(p);
      if (!pa) return false;
      out->pages.push_back(*pa);
      ctx.cpu.busy(ns(c.pin_page_ns));
    }
    return true;
  }

  bool finish_dst(SyscallContext& ctx, uint64_t va, DmaBuffer& dst, uint32_t produced) {
    Kernel& k = dev_.kernel_;
    if (dst.bounce) {
      uint64_t done = 0;
      bool ok = true;
      for (uint64_t page : dst.pages) {
        if (done >= produced) break;
        const uint64_t chunk = std::min<uint64_t>(kPage, produced - done);
        ok = ok && k.copy_to_user(ctx.cpu, ctx.process, page, va + done, chunk);
        done += chunk;
      }
      for (uint64_t page : dst.pages) k.frames().free(page);
      return ok;
    }
    ctx.cpu.busy(ns(ctx.costs.unpin_page_ns * static_cast<double>(dst.pages.size())));
    return true;
  }

  void unmap_and_release(SyscallContext& ctx, DmaBuffer& src, uint32_t src_len, DmaBuffer& dst,
                         uint32_t) {
    (void)src_len;
    dev_.dma_.unmap(ctx.cpu, src.iova - src.offset, src.pages.size() * kPage);
    dev_.dma_.unmap(ctx.cpu, dst.iova - dst.offset, dst.pages.size() * kPage);
    if (src.bounce) {
      for (uint64_t page : src.pages) dev_.kernel_.frames().free(page);
    } else {
      ctx.cpu.busy(ns(ctx.costs.unpin_page_ns * static_cast<double>(src.pages.size())));
    }
  }

  // A request in flight on one SQ slot, from submission until its waiter has read the result.
  struct Slot {
    bool done = false;
    bool failed = false;
    bool abandoned = false;  // its waiter is gone: drop the completion
    sc_core::sc_event completed;
  };
  // Ends a slot's life when the waiter is done with it, or abandons it when the waiter unwinds.
  struct SlotGuard {
    ZipSyncFile* file;
    int op;
    uint16_t slot;
    bool armed = true;
    void release() {
      if (armed) file->slots_[op].erase(slot);
      armed = false;
    }
    ~SlotGuard() {
      if (!armed) return;
      auto it = file->slots_[op].find(slot);
      if (it == file->slots_[op].end()) return;
      if (it->second.done) {
        file->slots_[op].erase(it);
      } else {
        it->second.abandoned = true;
      }
    }
  };

  // Interrupt context (the irq core): reap CQEs, then wake each completed slot's waiter.
  void complete(CpuContext& cpu, int op) {
    for (uint16_t slot : dev_.qm_.kernel_poll_cq(cpu, *qps_[op])) finish(op, slot, false);
  }

  void finish(int op, uint16_t slot, bool failed) {
    Slot& s = slots_[op][slot];
    if (s.abandoned) {
      slots_[op].erase(slot);
      return;
    }
    s.done = true;
    s.failed = failed;
    s.completed.notify(sc_core::SC_ZERO_TIME);
  }

  ZipSyncDevice& dev_;
  HisiQmDriver::Qp* qps_[2];
  std::map<uint16_t, Slot> slots_[2];  // per direction, by SQ slot
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
