// FrameAllocator: the kernel's physical page allocator, reduced to what the model needs. Hands
// out 4 KiB frames from [base, base + size), lowest address first, so two runs of a scenario
// place every page table and buffer at the same physical address (deterministic traces).
//
// Models: a free list of frames kept as coalesced extents; single and contiguous allocation
// (first fit, lowest address), also aligned to a power of two (huge pages). Does not model: zones,
// NUMA nodes, the buddy allocator's power-of-two orders and fragmentation behaviour, per-CPU page
// lists, reclaim or the cost of allocating (the kernel model charges that as software cost). Frames
// are not zeroed here: the owner zeroes what it needs (PageTable zeroes its tables).
//
// Ownership (for the DMA ownership oracle, dma_oracle.h): each frame is free, the kernel's, or a
// process's (its pid), set at allocation (the kernel by default; Process asks for its pid for
// anonymous memory) and reset to free by free(). Kernel memory mapped into a process (a uacce
// queue's DUS ring) is additionally "lent" to that pid while mapped (lend/unlend, counted, so two
// mappings need two unlends). Kept in a flat vector indexed by frame number that grows with the
// highest frame ever allocated (allocation is lowest-first, so it stays as small as the memory in
// use); frames beyond it are free. Addresses outside [base, base + size) are not the allocator's
// (the kernel's reserved memory) and report kFrameKernel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace wdsim {

// Who a frame belongs to: kFrameFree, kFrameKernel, or a process's pid (>= 0).
using FrameOwner = int32_t;
inline constexpr FrameOwner kFrameFree = -1;
inline constexpr FrameOwner kFrameKernel = -2;
inline constexpr int32_t kNotLent = -1;  // FrameInfo::lent_to of a frame lent to nobody

struct FrameInfo {
  FrameOwner owner = kFrameFree;
  int32_t lent_to = kNotLent;  // pid the (kernel) frame is mapped into, e.g. a DUS ring
  uint32_t lends = 0;          // mappings that lent it (lend minus unlend)
};

class FrameAllocator {
 public:
  static constexpr uint64_t kFrameSize = 4096;

  // base and size must be multiples of kFrameSize (std::invalid_argument otherwise).
  FrameAllocator(uint64_t base, uint64_t size);

  // Lowest free frame, owned by `owner` (kFrameKernel or a pid). Throws
  // std::runtime_error("out of physical memory") when none is free.
  uint64_t alloc(FrameOwner owner = kFrameKernel);
  // Lowest run of n free contiguous frames (n >= 1); returns the first frame's address.
  // Throws std::runtime_error("out of physical memory") when no run is long enough.
  uint64_t alloc_contiguous(size_t n, FrameOwner owner = kFrameKernel);
  // Lowest run of n free contiguous frames whose first address is a multiple of `align` (a
  // power of two, at least kFrameSize: std::invalid_argument otherwise). Exact: it finds an
  // aligned window anywhere in a free extent, and only the n frames are taken (the rest of the
  // extent stays free). Throws std::runtime_error("out of physical memory") when no free extent
  // holds such a window. For huge pages and granule-sized page tables.
  uint64_t alloc_aligned(size_t n, uint64_t align, FrameOwner owner = kFrameKernel);
  // Returns one frame. A frame outside the range, unaligned, or already free is a simulator
  // bug: std::invalid_argument.
  void free(uint64_t pa);
  // Returns n frames starting at pa (each as free(pa)).
  void free_contiguous(uint64_t pa, size_t n);

  size_t free_count() const { return free_frames_; }
  size_t total_count() const { return static_cast<size_t>(size_ / kFrameSize); }
  bool is_free(uint64_t pa) const;
  uint64_t base() const { return base_; }
  uint64_t size() const { return size_; }

  // Ownership of the frame holding `pa` (see the header comment); O(1).
  FrameInfo info(uint64_t pa) const {
    if (pa < base_ || pa - base_ >= size_) return FrameInfo{kFrameKernel, kNotLent, 0};
    const uint64_t i = (pa - base_) / kFrameSize;
    return i < info_.size() ? info_[i] : FrameInfo{};
  }
  FrameOwner owner(uint64_t pa) const { return info(pa).owner; }
  // Marks the frame holding `pa` as mapped into process `pid` (>= 0, std::invalid_argument
  // otherwise); a no-op outside the allocator's range. A frame is lent to one process at a time
  // (a lend to another pid replaces it). unlend undoes one lend by that pid (a no-op for another
  // pid). free() ends every lend of the frame.
  void lend(uint64_t pa, int32_t pid);
  void unlend(uint64_t pa, int32_t pid);

 private:
  void set_owner(uint64_t pa, size_t n, FrameOwner owner);
  uint64_t base_;
  uint64_t size_;
  size_t free_frames_;
  // Free extents: start address -> end address (exclusive), non-overlapping, non-adjacent.
  std::map<uint64_t, uint64_t> free_;
  std::vector<FrameInfo> info_;  // by frame index from base_; grown on allocation
};

}  // namespace wdsim
