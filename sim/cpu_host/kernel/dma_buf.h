// dma-buf: the Linux system heap (drivers/dma-buf/dma-heap.c, heaps/system_heap.c) as the one
// exporter, and the importer API drivers use to reach a buffer from their device
// (drivers/dma-buf/dma-buf.c: dma_buf_get, dma_buf_attach, dma_buf_map_attachment,
// dma_buf_unmap_attachment, dma_buf_detach). docs/dma_buf.md tells the story.
//
// Models:
// - DmaHeapDevice: the character device /dev/dma_heap/system, built by every Kernel. Its one
//   ioctl, DMA_HEAP_IOCTL_ALLOC (formats/linux/dma_heap.h, bit for bit), checks as dma-heap.c
//   does, in its order: a command number other than 0 is -EINVAL; fd not 0 on input, fd_flags
//   outside O_CLOEXEC | O_ACCMODE, heap_flags not 0 are -EINVAL; len is rounded up to the
//   caller's page size (its granule, Linux's PAGE_ALIGN) and 0 after rounding is -EINVAL; more
//   pages than the frame allocator has free (or no frame run left) is -ENOMEM. The system heap
//   allocates the buffer page by page (one granule page at a time, each a granule-aligned run
//   of 4 KiB frames from the kernel's FrameAllocator, owned by the kernel, so not contiguous),
//   zeroes it (__GFP_ZERO), makes a dma-buf file and installs it in the caller's fd table
//   (dma_buf_fd: Kernel::install_file); the fd goes back in data.fd.
// - The dma-buf file: mmap(len, prot, offset) maps pages of the buffer into the process
//   (remap_pfn_range: VmaKind::kDeviceDus, the kernel pages lent to the process while mapped,
//   as a uacce DUS ring), so the CPU reads and writes them as ordinary memory. offset must be
//   a multiple of the granule and [offset, offset + len) inside the buffer (-EINVAL); PROT_WRITE
//   needs the file opened O_RDWR and any mapping needs read access (-EACCES, as mmap(2) checks
//   f_mode on a shared mapping). Its ioctls (DMA_BUF_IOCTL_SYNC...) are -ENOTTY.
// - Lifetime (Linux: the file's refcount plus dma_buf_get's and each attachment's): a DmaBuf is
//   held by its file (every fd of it, shared by fork, counts as one) and by each attachment;
//   its pages are freed when the last of them goes, so a buffer closed by user space stays
//   alive while a device is attached. Mappings hold it through the file: the kernel model
//   unmaps a file's mappings when the fd is closed (Kernel::sys_close), so no mapping outlives
//   the last close.
// - Importers: DmaBuf::from_fd (dma_buf_get: the buffer behind an fd of the caller, nullptr if
//   it is no dma-buf), attach (dma_buf_attach + dma_buf_map_attachment with DMA_BIDIRECTIONAL:
//   every page mapped into the device's kernel DMA domain at a fresh IOVA range, one range per
//   attachment) and detach (dma_buf_unmap_attachment + dma_buf_detach: DmaApi::unmap, strict or
//   deferred as host.dma_flush says). One buffer may be attached to several devices at once,
//   each at its own IOVA; attaching twice to one device gives two ranges.
// Costs (HostCostParams): dma_heap_alloc_ns per allocation and dma_heap_page_ns per 4 KiB page;
// dma_heap_free_page_ns per page at the release; dma_buf_mmap_page_ns per page mapped;
// dma_buf_attach_ns / dma_buf_detach_ns per attachment, besides what DmaApi charges for the
// IOMMU mapping (iova_alloc_ns, dma_map_page_ns; dma_unmap_page_ns, the invalidation).
// Stats: host.dma_buf.{allocations, allocated_bytes, frees, freed_bytes, mmaps, attachments,
// detachments}.
// Not modelled: heaps other than system (CMA, secure heaps), the system heap's high-order
// chunks (orders 8 and 4: 1 MiB and 64 KiB pages, to reduce IOTLB pressure; the model takes
// granule pages only), exporters other than the heap (a driver exporting its own buffers),
// DMA_BUF_IOCTL_SYNC and the begin/end_cpu_access cache maintenance (the model's memory is
// coherent), dma_buf_vmap, dma-fence / dma_resv implicit sync, move_notify and dynamic
// importers, O_CLOEXEC (no exec), a mapping outliving its fd (see Lifetime), the
// ioctl's struct-size tolerance (Linux zero-extends a shorter or longer user struct; the model
// takes DMA_HEAP_IOCTL_ALLOC exactly and answers any other command numbered 0 with -EINVAL).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "formats/linux/dma_heap.h"
#include "sim/base/stats.h"
#include "sim/cpu_host/cpu_context.h"
#include "sim/cpu_host/kernel/kernel_file.h"

namespace wdsim {

class DmaApi;
class DmaHeapDevice;
class Kernel;

// One dma-buf of the system heap (Linux struct dma_buf with its system_heap_buffer).
class DmaBuf {
 public:
  // A mapping of the whole buffer into one device's DMA domain.
  struct Attachment {
    uint64_t iova = 0;      // the device's address of the buffer's first byte
    uint64_t size = 0;      // bytes mapped: the buffer's size
    DmaApi* dma = nullptr;  // the domain it is mapped in
  };

  // dma_buf_get: the buffer behind fd of process p; nullptr when fd is not open or not a
  // dma-buf (the importer then fails with -EBADF or -EINVAL). The pointer stays valid while the
  // fd is open or an attachment holds the buffer: attach before letting time pass.
  static DmaBuf* from_fd(Kernel& kernel, Process& p, int fd);

  // dma_buf_attach + dma_buf_map_attachment: takes a reference, charges dma_buf_attach_ns, and
  // maps every page at a fresh IOVA range of device_dma (DmaApi::map_pages, device writes
  // allowed). Throws std::runtime_error when the domain's IOVA space is exhausted (the
  // reference is dropped again).
  Attachment attach(CpuContext& cpu, DmaApi& device_dma);
  // dma_buf_unmap_attachment + dma_buf_detach: unmaps the range (DmaApi::unmap), charges
  // dma_buf_detach_ns and drops the attachment's reference; the last reference frees the
  // buffer (this object too). An attachment that is not this buffer's, or device_dma that is
  // not its domain, is a simulator bug: std::logic_error.
  void detach(CpuContext& cpu, DmaApi& device_dma, const Attachment& a);

  uint64_t id() const { return id_; }      // unique per heap, from 1 (the inode number)
  uint64_t size() const { return size_; }  // bytes, a multiple of the allocator's page size
  // The buffer's 4 KiB physical pages in buffer order.
  const std::vector<uint64_t>& pages() const { return pages_; }
  size_t attachments() const { return attachments_.size(); }
  bool file_open() const { return file_open_; }

 private:
  friend class DmaHeapDevice;
  friend class DmaBufFile;
  DmaBuf(DmaHeapDevice& heap, uint64_t id, uint64_t size, std::vector<uint64_t> pages);
  // Drops one reference; the last frees the pages and destroys this object.
  void put(CpuContext& cpu);

  DmaHeapDevice& heap_;
  uint64_t id_;
  uint64_t size_;
  std::vector<uint64_t> pages_;
  uint32_t refs_ = 1;  // the file
  bool file_open_ = true;
  std::vector<Attachment> attachments_;
};

class DmaBufFile;

// /dev/dma_heap/system (see the header comment). Every Kernel builds one.
class DmaHeapDevice : public CharDevice {
 public:
  explicit DmaHeapDevice(Kernel& kernel);

  std::unique_ptr<KernelFile> open(SyscallContext& ctx, int* err) override;

  // Buffers allocated and not yet freed, and their 4 KiB pages.
  size_t live_buffers() const { return buffers_.size(); }
  uint64_t live_pages() const;
  // The live buffer with this id; nullptr once freed.
  const DmaBuf* find(uint64_t id) const;

 private:
  friend class DmaBuf;
  friend class DmaBufFile;
  friend class DmaHeapFile;
  // DMA_HEAP_IOCTL_ALLOC on the kernel's copy of the argument: 0 and data.fd set, or -errno.
  long allocate(SyscallContext& ctx, rt::DmaHeapAllocationData& data);
  // The last reference went: pages back to the frame allocator, the buffer destroyed.
  void free_buffer(CpuContext& cpu, DmaBuf& buf);

  Kernel& kernel_;
  std::map<uint64_t, std::unique_ptr<DmaBuf>> buffers_;  // by id
  uint64_t next_id_ = 1;
  Counter& allocations_;
  Counter& allocated_bytes_;
  Counter& frees_;
  Counter& freed_bytes_;
  Counter& mmaps_;
  Counter& attachments_;
  Counter& detachments_;
};

}  // namespace wdsim
