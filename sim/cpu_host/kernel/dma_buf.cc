#include "sim/cpu_host/kernel/dma_buf.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "sim/base/bits.h"
#include "sim/base/timing.h"
#include "sim/cpu_host/kernel/dma_api.h"
#include "sim/cpu_host/kernel/kernel.h"

namespace wdsim {

namespace {
constexpr uint64_t kFrame = FrameAllocator::kFrameSize;

sc_core::sc_time per_page(double ns_per_page, size_t pages) {
  return ns(ns_per_page * static_cast<double>(pages));
}
}  // namespace

// The heap device's open file: the allocation ioctl only (dma_heap_fops: no mmap).
class DmaHeapFile : public KernelFile {
 public:
  explicit DmaHeapFile(DmaHeapDevice& heap) : heap_(heap) {}

  long ioctl(SyscallContext& ctx, unsigned long cmd, void* arg) override {
    // dma_heap_ioctl: the command is chosen by its number alone; 0 is the only one.
    if (rt::ioc_nr(cmd) != rt::kDmaHeapIocAllocNr) return -EINVAL;
    if (cmd != rt::kDmaHeapIoctlAlloc) return -EINVAL;  // see the header: size tolerance
    if (!arg) return -EFAULT;
    rt::DmaHeapAllocationData data;
    std::memcpy(&data, arg, sizeof data);  // copy_from_user
    const long r = heap_.allocate(ctx, data);
    if (r < 0) return r;
    std::memcpy(arg, &data, sizeof data);  // copy_to_user
    return 0;
  }

  uint64_t mmap(SyscallContext& ctx, uint64_t length, int prot, uint64_t offset,
                int* err) override {
    (void)ctx;
    (void)length;
    (void)prot;
    (void)offset;
    *err = -ENODEV;  // no f_op->mmap
    return 0;
  }

  void release(SyscallContext& ctx) override { (void)ctx; }

 private:
  DmaHeapDevice& heap_;
};

// A dma-buf's file (dma_buf_fops with the system heap's ops).
class DmaBufFile : public KernelFile {
 public:
  DmaBufFile(DmaBuf& buf, uint32_t fd_flags) : buf_(buf), fd_flags_(fd_flags) {}

  DmaBuf& buf() { return buf_; }

  long ioctl(SyscallContext& ctx, unsigned long cmd, void* arg) override {
    (void)ctx;
    (void)cmd;
    (void)arg;
    return -ENOTTY;  // DMA_BUF_IOCTL_SYNC and the others are not modelled
  }

  uint64_t mmap(SyscallContext& ctx, uint64_t length, int prot, uint64_t offset,
                int* err) override {
    // mmap(2) on a shared file mapping: read access always, write access for PROT_WRITE.
    const uint32_t access = fd_flags_ & rt::kOAccmode;
    const bool readable = access == rt::kORdonly || access == rt::kORdwr;
    const bool writable = (prot & PROT_WRITE) != 0;
    if (!readable || (writable && access != rt::kORdwr)) return (*err = -EACCES), 0;
    // dma_buf_mmap_internal: vm_pgoff + the mapping's pages must lie inside the buffer.
    const uint64_t g = ctx.process.granule_size();
    if (offset % g != 0 || length == 0) return (*err = -EINVAL), 0;
    const uint64_t mapped = align_up(length, g);
    if (offset > buf_.size() || mapped > buf_.size() - offset) return (*err = -EINVAL), 0;
    const auto first = buf_.pages().begin() + static_cast<std::ptrdiff_t>(offset / kFrame);
    const std::vector<uint64_t> pages(first, first + static_cast<std::ptrdiff_t>(mapped / kFrame));
    uint64_t va = 0;
    try {
      // system_heap_mmap: remap_pfn_range page by page.
      va = ctx.process.mmap_physical(pages, VmaKind::kDeviceDus, ctx.fd, writable);
    } catch (const std::invalid_argument&) {
      // Pages allocated for a smaller granule than the mapping process's (a fork child with
      // another granule cannot exist; kept for safety).
      return (*err = -EINVAL), 0;
    }
    ctx.cpu.busy(per_page(ctx.costs.dma_buf_mmap_page_ns, pages.size()));
    buf_.heap_.mmaps_.inc();
    return va;
  }

  void release(SyscallContext& ctx) override {
    buf_.file_open_ = false;
    buf_.put(ctx.cpu);
  }

 private:
  DmaBuf& buf_;
  uint32_t fd_flags_;
};

DmaBuf::DmaBuf(DmaHeapDevice& heap, uint64_t id, uint64_t size, std::vector<uint64_t> pages)
    : heap_(heap), id_(id), size_(size), pages_(std::move(pages)) {}

DmaBuf* DmaBuf::from_fd(Kernel& kernel, Process& p, int fd) {
  auto* file = dynamic_cast<DmaBufFile*>(kernel.file_at(p, fd));
  return file ? &file->buf() : nullptr;
}

DmaBuf::Attachment DmaBuf::attach(CpuContext& cpu, DmaApi& device_dma) {
  // The reference first: the file may be closed while this thread is charged its time.
  ++refs_;
  const HostCostParams& c = heap_.kernel_.costs();
  Attachment a;
  try {
    cpu.busy(ns(c.dma_buf_attach_ns));
    a.iova = device_dma.map_pages(cpu, pages_, /*device_writes=*/true);
  } catch (...) {
    put(cpu);
    throw;
  }
  a.size = size_;
  a.dma = &device_dma;
  attachments_.push_back(a);
  heap_.attachments_.inc();
  heap_.kernel_.env().trace_event("host.dma_buf", "attach",
                                  {tf("id", id_), tf("asid", device_dma.asid()),
                                   tf_hex("iova", a.iova), tf("pages", pages_.size())});
  return a;
}

void DmaBuf::detach(CpuContext& cpu, DmaApi& device_dma, const Attachment& a) {
  auto it = std::find_if(attachments_.begin(), attachments_.end(),
                         [&](const Attachment& x) { return x.iova == a.iova && x.dma == a.dma; });
  if (it == attachments_.end()) throw std::logic_error("dma-buf: detach of an unknown attachment");
  if (a.dma != &device_dma) throw std::logic_error("dma-buf: detach from another device's domain");
  attachments_.erase(it);
  device_dma.unmap(cpu, a.iova, a.size);
  cpu.busy(ns(heap_.kernel_.costs().dma_buf_detach_ns));
  heap_.detachments_.inc();
  heap_.kernel_.env().trace_event(
      "host.dma_buf", "detach",
      {tf("id", id_), tf("asid", device_dma.asid()), tf_hex("iova", a.iova)});
  put(cpu);  // may destroy this object: the last statement
}

void DmaBuf::put(CpuContext& cpu) {
  if (--refs_ > 0) return;
  heap_.free_buffer(cpu, *this);  // destroys this object
}

DmaHeapDevice::DmaHeapDevice(Kernel& kernel)
    : kernel_(kernel),
      allocations_(kernel.env().stats().counter("host.dma_buf.allocations",
                                                "dma-bufs allocated from the system heap")),
      allocated_bytes_(kernel.env().stats().counter(
          "host.dma_buf.allocated_bytes", "Bytes of dma-bufs allocated (after page rounding)")),
      frees_(kernel.env().stats().counter("host.dma_buf.frees",
                                          "dma-bufs freed (last close and last detach)")),
      freed_bytes_(kernel.env().stats().counter("host.dma_buf.freed_bytes",
                                                "Bytes of dma-bufs given back to the allocator")),
      mmaps_(kernel.env().stats().counter("host.dma_buf.mmaps", "mmaps of dma-buf files")),
      attachments_(kernel.env().stats().counter(
          "host.dma_buf.attachments", "dma-buf attachments to a device (an IOVA range each)")),
      detachments_(
          kernel.env().stats().counter("host.dma_buf.detachments", "dma-buf detachments")) {
  kernel_.register_device(rt::kDmaHeapSystemPath, this);
}

std::unique_ptr<KernelFile> DmaHeapDevice::open(SyscallContext& ctx, int* err) {
  (void)ctx;
  (void)err;
  return std::make_unique<DmaHeapFile>(*this);
}

uint64_t DmaHeapDevice::live_pages() const {
  uint64_t n = 0;
  for (const auto& [id, buf] : buffers_) n += buf->pages().size();
  return n;
}

const DmaBuf* DmaHeapDevice::find(uint64_t id) const {
  auto it = buffers_.find(id);
  return it == buffers_.end() ? nullptr : it->second.get();
}

long DmaHeapDevice::allocate(SyscallContext& ctx, rt::DmaHeapAllocationData& data) {
  // dma_heap_ioctl_allocate's checks, in its order.
  if (data.fd != 0) return -EINVAL;
  if (data.fd_flags & ~rt::kDmaHeapValidFdFlags) return -EINVAL;
  if (data.heap_flags & ~rt::kDmaHeapValidHeapFlags) return -EINVAL;
  // dma_heap_buffer_alloc: PAGE_ALIGN(len), 0 (also after wrapping) is -EINVAL.
  const uint64_t g = ctx.process.granule_size();
  if (data.len == 0 || data.len > ~uint64_t{0} - (g - 1)) return -EINVAL;
  const uint64_t len = align_up(data.len, g);
  const uint64_t frames = len / kFrame;
  FrameAllocator& fa = kernel_.frames();
  if (frames > fa.free_count()) return -ENOMEM;
  // system_heap_allocate: page by page (granule pages; see the header), zeroed.
  std::vector<uint64_t> pages;
  pages.reserve(frames);
  const size_t per_granule = static_cast<size_t>(g / kFrame);
  try {
    for (uint64_t off = 0; off < len; off += g) {
      const uint64_t pa = per_granule == 1 ? fa.alloc() : fa.alloc_aligned(per_granule, g);
      for (size_t i = 0; i < per_granule; ++i) pages.push_back(pa + i * kFrame);
    }
  } catch (const std::runtime_error&) {  // no aligned run left
    for (uint64_t pa : pages) fa.free(pa);
    return -ENOMEM;
  }
  const std::vector<uint8_t> zero(kFrame, 0);
  for (uint64_t pa : pages) kernel_.memory().write(pa, zero.data(), zero.size());
  ctx.cpu.busy(ns(ctx.costs.dma_heap_alloc_ns) + per_page(ctx.costs.dma_heap_page_ns, frames));
  const uint64_t id = next_id_++;
  auto owned = std::unique_ptr<DmaBuf>(new DmaBuf(*this, id, len, std::move(pages)));
  DmaBuf& buf = *owned;
  buffers_[id] = std::move(owned);
  // dma_buf_fd: a new fd of the caller for the buffer's file.
  const int fd =
      kernel_.install_file(ctx.process, std::make_unique<DmaBufFile>(buf, data.fd_flags));
  data.fd = static_cast<uint32_t>(fd);
  allocations_.inc();
  allocated_bytes_.inc(len);
  kernel_.env().trace_event("host.dma_buf", "alloc",
                            {tf("pid", ctx.process.pid()), tf("fd", fd), tf("id", id),
                             tf("bytes", len), tf("pages", frames)});
  return 0;
}

void DmaHeapDevice::free_buffer(CpuContext& cpu, DmaBuf& buf) {
  FrameAllocator& fa = kernel_.frames();
  for (uint64_t pa : buf.pages()) {
    // A mapping never outlives the file (see the header); one that did would be a kernel bug.
    if (fa.info(pa).lends > 0) kernel_.note_error("dma-buf: page freed while still mapped");
    fa.free(pa);
  }
  cpu.busy(per_page(kernel_.costs().dma_heap_free_page_ns, buf.pages().size()));
  frees_.inc();
  freed_bytes_.inc(buf.size());
  const uint64_t id = buf.id();
  kernel_.env().trace_event("host.dma_buf", "free", {tf("id", id), tf("bytes", buf.size())});
  buffers_.erase(id);  // destroys buf
}

}  // namespace wdsim
