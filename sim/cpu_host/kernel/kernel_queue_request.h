// What the kernel's syscall-path accelerator devices (/dev/zip_sync, /dev/sec_sync) share: a
// user buffer made visible to the device (copy mode: kernel bounce pages and copy_from_user /
// copy_to_user; pin mode: the user's own pages pinned, pin_user_pages faulting in untouched
// ones), DMA-mapped through the kernel's DMA API; and the waiters of requests on a kernel queue
// pair, one per SQ slot, woken by the queue's interrupt handler (wait_for_completion keyed by
// slot). A waiter terminated while it sleeps abandons its slot: the completion is dropped when
// it comes, and the slot is not reused before (the driver asks slot_busy).
// Costs are HostCostParams' (copy, pin and unpin per page, sleep and wake-up), charged on the
// calling thread's CPU.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "sim/cpu_host/kernel/hisi_qm_driver.h"
#include "sim/cpu_host/kernel/kernel_file.h"

namespace wdsim {

class DmaApi;

// A user buffer made visible to the device: the kernel pages behind it and its IOVA.
struct UserDmaBuffer {
  std::vector<uint64_t> pages;  // physical pages, in order
  bool bounce = false;          // pages are kernel bounce pages (copy mode)
  uint64_t offset = 0;          // offset of the first byte within pages[0]
  uint64_t iova = 0;            // device address of the first byte
};

// host.buffer_mode copy: bounce pages (filled from the user's buffer when copy_in); pin: the
// user's pages, faulted in and pinned. False when the user's range is not mapped.
bool prepare_user_buffer(SyscallContext& ctx, uint64_t va, uint32_t len, bool copy_in,
                         UserDmaBuffer* out);
// The result back to the user: copy mode copies `produced` bytes out and frees the bounce
// pages; pin mode unpins. False when the user's range is no longer mapped.
bool finish_user_buffer(SyscallContext& ctx, uint64_t va, UserDmaBuffer& buf, uint32_t produced);
// DMA-maps the buffer's pages (dma_map_page per page: the IOVA of its first byte).
void map_user_buffer(SyscallContext& ctx, DmaApi& dma, UserDmaBuffer& buf, bool writable);
// dma_unmap (the IOTLB invalidation included).
void unmap_user_buffer(SyscallContext& ctx, DmaApi& dma, const UserDmaBuffer& buf);
// A source buffer after its request: bounce pages freed, or pinned pages unpinned.
void release_user_source(SyscallContext& ctx, const UserDmaBuffer& buf);
// Frees a destination's bounce pages without copying (a failed request).
void drop_user_buffer(SyscallContext& ctx, const UserDmaBuffer& buf);

// The requests in flight on one kernel queue pair, each from submission until its waiter has
// read the result. Per request: kernel_send, then a Hold on the slot (the interrupt may have
// completed it already), wait, read the SQE, release the Hold.
class KernelQueueWaiters {
 public:
  KernelQueueWaiters(HisiQmDriver& qm, HisiQmDriver::Qp& qp);
  KernelQueueWaiters(const KernelQueueWaiters&) = delete;
  KernelQueueWaiters& operator=(const KernelQueueWaiters&) = delete;

  // A waiter's claim on its slot: released once the result is read; destroyed unreleased (the
  // request failed, or its thread unwinds) it frees a completed slot and abandons one still in
  // flight, whose completion is then dropped when it comes.
  class Hold {
   public:
    Hold(KernelQueueWaiters& w, uint16_t slot) : w_(w), slot_(slot) { w_.slots_[slot_]; }
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold();
    void release();

   private:
    KernelQueueWaiters& w_;
    uint16_t slot_;
    bool armed_ = true;
  };

  enum class Outcome { kDone, kFailed, kTerminated };
  // Sleeps (host.sleep_ns to go, host.wakeup_ns to come back) until slot `slot`'s completion
  // and stamps when the thread went to sleep and when it ran again (ps). kTerminated: the
  // thread is being terminated (the Hold abandons the slot as it unwinds).
  Outcome wait(CpuContext& cpu, const HostCostParams& costs, uint16_t slot, uint64_t* asleep_ps,
               uint64_t* woken_ps);

 private:
  struct Slot {
    bool done = false;
    bool failed = false;
    bool abandoned = false;  // its waiter is gone: drop the completion
    sc_core::sc_event completed;
  };
  void finish(uint16_t slot, bool failed);

  HisiQmDriver& qm_;
  HisiQmDriver::Qp& qp_;
  std::map<uint16_t, Slot> slots_;
};

}  // namespace wdsim
