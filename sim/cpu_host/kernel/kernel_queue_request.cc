#include "sim/cpu_host/kernel/kernel_queue_request.h"

#include <algorithm>

#include "sim/base/aarch64_pte.h"
#include "sim/base/bits.h"
#include "sim/cpu_host/kernel/dma_api.h"
#include "sim/cpu_host/kernel/kernel.h"

namespace wdsim {

namespace {
constexpr uint64_t kPage = aarch64::kPageSize4K;
}  // namespace

bool prepare_user_buffer(SyscallContext& ctx, uint64_t va, uint32_t len, bool copy_in,
                         UserDmaBuffer* out) {
  Kernel& k = ctx.kernel;
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

bool finish_user_buffer(SyscallContext& ctx, uint64_t va, UserDmaBuffer& buf, uint32_t produced) {
  Kernel& k = ctx.kernel;
  if (buf.bounce) {
    uint64_t done = 0;
    bool ok = true;
    for (uint64_t page : buf.pages) {
      if (done >= produced) break;
      const uint64_t chunk = std::min<uint64_t>(kPage, produced - done);
      ok = ok && k.copy_to_user(ctx.cpu, ctx.process, page, va + done, chunk);
      done += chunk;
    }
    for (uint64_t page : buf.pages) k.frames().free(page);
    return ok;
  }
  ctx.cpu.busy(ns(ctx.costs.unpin_page_ns * static_cast<double>(buf.pages.size())));
  return true;
}

void map_user_buffer(SyscallContext& ctx, DmaApi& dma, UserDmaBuffer& buf, bool writable) {
  buf.iova = dma.map_pages(ctx.cpu, buf.pages, writable) + buf.offset;
}

void unmap_user_buffer(SyscallContext& ctx, DmaApi& dma, const UserDmaBuffer& buf) {
  dma.unmap(ctx.cpu, buf.iova - buf.offset, buf.pages.size() * kPage);
}

void release_user_source(SyscallContext& ctx, const UserDmaBuffer& buf) {
  if (buf.bounce) {
    for (uint64_t page : buf.pages) ctx.kernel.frames().free(page);
  } else {
    ctx.cpu.busy(ns(ctx.costs.unpin_page_ns * static_cast<double>(buf.pages.size())));
  }
}

void drop_user_buffer(SyscallContext& ctx, const UserDmaBuffer& buf) {
  if (!buf.bounce) return;
  for (uint64_t page : buf.pages) ctx.kernel.frames().free(page);
}

KernelQueueWaiters::KernelQueueWaiters(HisiQmDriver& qm, HisiQmDriver::Qp& qp) : qm_(qm), qp_(qp) {
  // Interrupt context (the irq core): reap CQEs, then wake each completed slot's waiter.
  qp_.on_event = [this](CpuContext& cpu) {
    for (uint16_t slot : qm_.kernel_poll_cq(cpu, qp_)) finish(slot, false);
  };
  // The driver disabled the queue (an AEQ error): the outstanding request fails.
  qp_.on_fail = [this](CpuContext&, uint16_t slot) { finish(slot, /*failed=*/true); };
  // A slot whose result its waiter has not read back yet is not reused.
  qp_.slot_busy = [this](uint16_t slot) { return slots_.count(slot) > 0; };
}

KernelQueueWaiters::Outcome KernelQueueWaiters::wait(CpuContext& cpu, const HostCostParams& costs,
                                                     uint16_t slot, uint64_t* asleep_ps,
                                                     uint64_t* woken_ps) {
  Slot& s = slots_[slot];
  // Sleep until the completion interrupt (wait_for_completion).
  cpu.busy(ns(costs.sleep_ns));
  *asleep_ps = to_ps(sc_core::sc_time_stamp());
  while (!s.done && !cpu.terminated()) cpu.sleep(s.completed);
  if (!s.done) return Outcome::kTerminated;  // unwinding: nothing to wait for
  cpu.busy(ns(costs.wakeup_ns));
  *woken_ps = to_ps(sc_core::sc_time_stamp());
  return s.failed ? Outcome::kFailed : Outcome::kDone;
}

void KernelQueueWaiters::finish(uint16_t slot, bool failed) {
  Slot& s = slots_[slot];
  if (s.abandoned) {
    slots_.erase(slot);
    return;
  }
  s.done = true;
  s.failed = failed;
  s.completed.notify(sc_core::SC_ZERO_TIME);
}

KernelQueueWaiters::Hold::~Hold() {
  if (!armed_) return;
  auto it = w_.slots_.find(slot_);
  if (it == w_.slots_.end()) return;
  if (it->second.done) {
    w_.slots_.erase(it);
  } else {
    it->second.abandoned = true;
  }
}

void KernelQueueWaiters::Hold::release() {
  if (armed_) w_.slots_.erase(slot_);
  armed_ = false;
}

}  // namespace wdsim
