#include "sim/cpu_host/kernel/frame_allocator.h"

#include <iterator>
#include <stdexcept>
#include <string>

namespace wdsim {

FrameAllocator::FrameAllocator(uint64_t base, uint64_t size)
    : base_(base), size_(size), free_frames_(static_cast<size_t>(size / kFrameSize)) {
  if (base % kFrameSize != 0 || size % kFrameSize != 0) {
    throw std::invalid_argument("FrameAllocator: base and size must be 4 KiB aligned");
  }
  if (base + size < base) throw std::invalid_argument("FrameAllocator: range wraps");
  if (size > 0) free_.emplace(base, base + size);
}

uint64_t FrameAllocator::alloc(FrameOwner owner) { return alloc_contiguous(1, owner); }

uint64_t FrameAllocator::alloc_contiguous(size_t n, FrameOwner owner) {
  if (n == 0) throw std::invalid_argument("FrameAllocator::alloc_contiguous: n must be >= 1");
  return alloc_aligned(n, kFrameSize, owner);
}

uint64_t FrameAllocator::alloc_aligned(size_t n, uint64_t align, FrameOwner owner) {
  if (owner == kFrameFree || owner < kFrameKernel) {
    throw std::invalid_argument("FrameAllocator: frames go to the kernel or a pid");
  }
  if (n == 0) throw std::invalid_argument("FrameAllocator::alloc_aligned: n must be >= 1");
  if (align < kFrameSize || (align & (align - 1)) != 0) {
    throw std::invalid_argument(
        "FrameAllocator::alloc_aligned: align must be a power of two >= 4 KiB");
  }
  const uint64_t bytes = static_cast<uint64_t>(n) * kFrameSize;
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    const uint64_t extent_start = it->first;
    const uint64_t end = it->second;
    const uint64_t start = (extent_start + align - 1) & ~(align - 1);
    if (start < extent_start || start >= end || end - start < bytes) continue;
    free_.erase(it);
    if (extent_start < start) free_.emplace(extent_start, start);
    if (start + bytes < end) free_.emplace(start + bytes, end);
    free_frames_ -= n;
    set_owner(start, n, owner);
    return start;
  }
  throw std::runtime_error("out of physical memory");
}

bool FrameAllocator::is_free(uint64_t pa) const {
  auto it = free_.upper_bound(pa);
  if (it == free_.begin()) return false;
  --it;
  return pa >= it->first && pa < it->second;
}

void FrameAllocator::free(uint64_t pa) {
  if (pa % kFrameSize != 0 || pa < base_ || pa - base_ >= size_) {
    throw std::invalid_argument("FrameAllocator::free: bad frame address " + std::to_string(pa));
  }
  if (is_free(pa)) {
    throw std::invalid_argument("FrameAllocator::free: double free of " + std::to_string(pa));
  }
  uint64_t start = pa;
  uint64_t end = pa + kFrameSize;
  auto next = free_.lower_bound(pa);
  if (next != free_.end() && next->first == end) {
    end = next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->second == start) {
      start = prev->first;
      free_.erase(prev);
    }
  }
  free_.emplace(start, end);
  ++free_frames_;
  info_[(pa - base_) / kFrameSize] = FrameInfo{};
}

void FrameAllocator::set_owner(uint64_t pa, size_t n, FrameOwner owner) {
  const size_t first = static_cast<size_t>((pa - base_) / kFrameSize);
  if (info_.size() < first + n) info_.resize(first + n);
  for (size_t i = first; i < first + n; ++i) info_[i] = FrameInfo{owner, kNotLent, 0};
}

void FrameAllocator::lend(uint64_t pa, int32_t pid) {
  if (pid < 0) throw std::invalid_argument("FrameAllocator::lend: not a pid");
  if (pa < base_ || pa - base_ >= size_) return;  // not the allocator's memory: not tracked
  const size_t i = static_cast<size_t>((pa - base_) / kFrameSize);
  if (info_.size() <= i) info_.resize(i + 1);
  FrameInfo& f = info_[i];
  if (f.lent_to != pid) f.lends = 0;  // lent to one process at a time: the latest mapping
  f.lent_to = pid;
  ++f.lends;
}

void FrameAllocator::unlend(uint64_t pa, int32_t pid) {
  if (pa < base_ || pa - base_ >= size_) return;
  const uint64_t i = (pa - base_) / kFrameSize;
  if (i >= info_.size()) return;
  FrameInfo& f = info_[i];
  if (f.lent_to != pid || f.lends == 0) return;
  if (--f.lends == 0) f.lent_to = kNotLent;
}

void FrameAllocator::free_contiguous(uint64_t pa, size_t n) {
  for (size_t i = 0; i < n; ++i) free(pa + i * kFrameSize);
}

}  // namespace wdsim
