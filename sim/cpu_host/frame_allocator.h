// FrameAllocator: the kernel's physical page allocator, reduced to what the model needs. Hands
// out 4 KiB frames from [base, base + size), lowest address first, so two runs of a scenario
// place every page table and buffer at the same physical address (deterministic traces).
//
// Models: a free list of frames kept as coalesced extents; single and contiguous allocation
// (first fit, lowest address), also aligned to a power of two (huge pages). Does not model: zones, NUMA nodes, the buddy allocator's
// power-of-two orders and fragmentation behaviour, per-CPU page lists, reclaim or the cost of
// allocating (the kernel model charges that as software cost). Frames are not zeroed here: the
// owner zeroes what it needs (PageTable zeroes its tables).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace wdsim {

class FrameAllocator {
 public:
  static constexpr uint64_t kFrameSize = 4096;

  // base and size must be multiples of kFrameSize (std::invalid_argument otherwise).
  FrameAllocator(uint64_t base, uint64_t size);

  // Lowest free frame. Throws std::runtime_error("out of physical memory") when none is free.
  uint64_t alloc();
  // Lowest run of n free contiguous frames (n >= 1); returns the first frame's address.
  // Throws std::runtime_error("out of physical memory") when no run is long enough.
  uint64_t alloc_contiguous(size_t n);
  // Lowest run of n free contiguous frames whose first address is a multiple of `align` (a
  // power of two, at least kFrameSize: std::invalid_argument otherwise). Exact: it finds an
  // aligned window anywhere in a free extent, and only the n frames are taken (the rest of the
  // extent stays free). Throws std::runtime_error("out of physical memory") when no free extent
  // holds such a window. For huge pages and granule-sized page tables.
  uint64_t alloc_aligned(size_t n, uint64_t align);
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

 private:
  uint64_t base_;
  uint64_t size_;
  size_t free_frames_;
  // Free extents: start address -> end address (exclusive), non-overlapping, non-adjacent.
  std::map<uint64_t, uint64_t> free_;
};

}  // namespace wdsim
