// The kernel DMA API for one device behind the SMMU (Linux dma-iommu): an IOVA allocator and
// the device's kernel DMA domain (an AArch64 stage-1 table the SMMU uses for traffic without
// a PASID, CD 0 via S1DSS), with map/unmap per page and strict IOTLB invalidation on unmap
// (TLBI_NH_VA over the range, then CMD_SYNC, through the SMMU driver) or deferred (Linux's
// flush queue: unmapped IOVAs wait in a queue, not reusable, until one domain-wide
// TLBI_NH_ASID + SYNC flushes them all, when the queue is full or its timer has expired —
// the timer is checked at each unmap). Each step charges its named cost.
#pragma once

#include <cstdint>
#include <map>
#include <systemc>
#include <vector>

#include "sim/base/stats.h"
#include "sim/cpu_host/cpu_context.h"
#include "sim/cpu_host/kernel/page_table.h"

namespace wdsim {

class Kernel;
class SmmuDriver;

class DmaApi {
 public:
  // The domain's IOVA space is [iova_base, iova_base + iova_size).
  static constexpr uint64_t kIovaBase = 0x1'0000'0000ull;
  static constexpr uint64_t kIovaSize = 0x10'0000'0000ull;

  DmaApi(Kernel& kernel, SmmuDriver& smmu, uint16_t asid);

  PageTable& domain() { return domain_; }
  uint16_t asid() const { return asid_; }

  // Maps physical pages (4 KiB each) at a fresh IOVA range; returns the IOVA of pages[0].
  uint64_t map_pages(CpuContext& cpu, const std::vector<uint64_t>& pages, bool device_writes);
  // Unmaps an IOVA range from map_pages and invalidates the SMMU's TLB for it (strict), or
  // queues the invalidation (deferred).
  void unmap(CpuContext& cpu, uint64_t iova, uint64_t size);
  // Flushes the deferred queue now (IOTLB invalidation, then the IOVAs become free).
  void flush_queue(CpuContext& cpu);
  size_t queued_unmaps() const { return flush_queue_.size(); }

  struct Coherent {
    uint64_t pa = 0;    // physically contiguous kernel memory
    uint64_t iova = 0;  // the device's address for it
    uint64_t size = 0;
    std::vector<uint64_t> pages() const;
  };
  // dma_alloc_coherent: zeroed, contiguous, mapped for the device.
  Coherent alloc_coherent(CpuContext& cpu, uint64_t size);
  void free_coherent(CpuContext& cpu, const Coherent& c);

 private:
  uint64_t alloc_iova(uint64_t pages);
  void free_iova(uint64_t iova);

  Kernel& kernel_;
  SmmuDriver& smmu_;
  uint16_t asid_;
  PageTable domain_;
  std::map<uint64_t, uint64_t> allocated_;  // iova -> pages
  struct Deferred {
    uint64_t iova;
    sc_core::sc_time queued_at;
  };
  std::vector<Deferred> flush_queue_;
  Counter& maps_;
  Counter& unmaps_;
  Counter& deferred_flushes_;
};

}  // namespace wdsim
