#include "sim/cpu_host/kernel/dma_api.h"

#include <stdexcept>

#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"
#include "sim/base/timing.h"
#include "sim/cpu_host/kernel/kernel.h"
#include "sim/cpu_host/kernel/smmu_driver.h"

namespace wdsim {

namespace {
constexpr uint64_t kPage = aarch64::kPageSize4K;
}

std::vector<uint64_t> DmaApi::Coherent::pages() const {
  std::vector<uint64_t> out;
  for (uint64_t off = 0; off < size; off += kPage) out.push_back(pa + off);
  return out;
}

DmaApi::DmaApi(Kernel& kernel, SmmuDriver& smmu, uint16_t asid)
    : kernel_(kernel),
      smmu_(smmu),
      asid_(asid),
      domain_(kernel.memory(), kernel.frames()),
      maps_(kernel.env().stats().counter("host.dma.maps", "DMA API mappings (dma_map_*)")),
      unmaps_(kernel.env().stats().counter("host.dma.unmaps", "DMA API unmappings")),
      deferred_flushes_(kernel.env().stats().counter(
          "host.dma.deferred_flushes", "Flush-queue drains (one IOTLB invalidation each)")) {}

uint64_t DmaApi::alloc_iova(uint64_t pages) {
  // First fit over the gaps between allocations, lowest address first (deterministic).
  uint64_t candidate = kIovaBase;
  for (const auto& [iova, n] : allocated_) {
    if (candidate + pages * kPage <= iova) break;
    candidate = std::max(candidate, iova + n * kPage);
  }
  if (candidate + pages * kPage > kIovaBase + kIovaSize) {
    throw std::runtime_error("DMA API: IOVA space exhausted");
  }
  allocated_[candidate] = pages;
  return candidate;
}

void DmaApi::free_iova(uint64_t iova) { allocated_.erase(iova); }

uint64_t DmaApi::map_pages(CpuContext& cpu, const std::vector<uint64_t>& pages,
                           bool device_writes) {
  const auto& c = kernel_.costs();
  cpu.busy(ns(c.iova_alloc_ns));
  const uint64_t iova = alloc_iova(pages.size());
  PtePerms perms;
  perms.write = device_writes;
  // io-pgtable-arm sets AP[1] (unprivileged) on every stage-1 IO mapping, so unprivileged
  // device transactions may use it.
  perms.user = true;
  for (size_t i = 0; i < pages.size(); ++i) domain_.map(iova + i * kPage, pages[i], kPage, perms);
  cpu.busy(ns(c.dma_map_page_ns * static_cast<double>(pages.size())));
  maps_.inc();
  return iova;
}

void DmaApi::unmap(CpuContext& cpu, uint64_t iova, uint64_t size) {
  const auto& c = kernel_.costs();
  auto it = allocated_.find(iova);
  if (it == allocated_.end()) throw std::logic_error("DMA API: unmap of an unknown IOVA");
  const uint64_t pages = it->second;
  (void)size;
  domain_.unmap(iova, pages * kPage);
  cpu.busy(ns(c.dma_unmap_page_ns * static_cast<double>(pages)));
  unmaps_.inc();
  if (c.dma_flush == "strict") {
    // The IOTLB must forget the range before the IOVA can be reused.
    smmu_.invalidate_range(cpu, asid_, iova, pages * kPage);
    cpu.busy(ns(c.iova_free_ns));
    free_iova(iova);
    return;
  }
  flush_queue_.push_back({iova, sc_core::sc_time_stamp()});
  const bool full = flush_queue_.size() >= c.dma_flush_batch;
  const bool expired =
      sc_core::sc_time_stamp() - flush_queue_.front().queued_at >= ns(c.dma_flush_timeout_us * 1e3);
  if (full || expired) flush_queue(cpu);
}

void DmaApi::flush_queue(CpuContext& cpu) {
  if (flush_queue_.empty()) return;
  smmu_.invalidate_asid(cpu, asid_);
  for (const auto& d : flush_queue_) {
    cpu.busy(ns(kernel_.costs().iova_free_ns));
    free_iova(d.iova);
  }
  deferred_flushes_.inc();
  kernel_.env().trace_event("host.dma", "flush_queue", {tf("entries", flush_queue_.size())});
  flush_queue_.clear();
}

DmaApi::Coherent DmaApi::alloc_coherent(CpuContext& cpu, uint64_t size) {
  Coherent c;
  c.size = align_up(size, kPage);
  c.pa = kernel_.frames().alloc_contiguous(c.size / kPage);
  std::vector<uint8_t> zero(c.size, 0);
  kernel_.memory().write(c.pa, zero.data(), zero.size());
  c.iova = map_pages(cpu, c.pages(), /*device_writes=*/true);
  return c;
}

void DmaApi::free_coherent(CpuContext& cpu, const Coherent& c) {
  unmap(cpu, c.iova, c.size);
  for (uint64_t off = 0; off < c.size; off += kPage) kernel_.frames().free(c.pa + off);
}

}  // namespace wdsim
