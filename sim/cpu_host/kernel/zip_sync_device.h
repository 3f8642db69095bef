// The syscall path: a character device /dev/zip_sync through which a process asks the
// kernel to compress or decompress a buffer with one ioctl, the way an in-kernel user of the
// accelerator (a crypto-API acomp driver behind a syscall) does it: syscall entry, copy the
// user buffer into kernel pages (or pin it), DMA-map it, build the SQE on a kernel queue
// pair, ring the doorbell from the kernel, sleep, take the MSI, wake up, DMA-unmap (strict
// IOTLB invalidation), copy the result back, syscall exit. Each step is a named cost from
// HostCostParams, and the time of each stage is recorded for the latency breakdown.
//
// Many threads and processes may issue ioctls at once: each open has its own queue pairs
// (one per direction, as a tfm would), threads sharing an open send on its queues under the
// queue's spinlock, and each request waits on a completion of its own, keyed by its SQ slot;
// the interrupt handler completes the slots it reaps. A request's stages come back in the
// ioctl's request struct. A thread terminated while it sleeps unwinds at once; its DMA
// mappings and bounce pages stay behind (the device may still write them) and its
// completion is dropped when the interrupt comes.
//
// The ABI (ZipSyncRequest, kZipSyncIoctl) is this simulator's own: Linux exposes the
// hardware to syscalls through the crypto API (e.g. AF_ALG), whose wire format does not
// matter to the costs modelled here.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/cpu_host/kernel/hisi_qm_driver.h"
#include "sim/cpu_host/kernel/kernel_file.h"

namespace wdsim {

// Where one syscall-path request spent its time (ps of simulated time), and which kernel
// queue slot carried it (to match the QM's per-SQE record).
struct ZipSyncStages {
  uint64_t start_ps = 0;
  uint64_t copied_in_ps = 0;   // after copy_from_user / pinning
  uint64_t mapped_ps = 0;      // after dma_map
  uint64_t submitted_ps = 0;   // SQE built and doorbell issued
  uint64_t asleep_ps = 0;      // switched away
  uint64_t woken_ps = 0;       // running again after the interrupt
  uint64_t unmapped_ps = 0;    // after dma_unmap + IOTLB invalidation
  uint64_t copied_out_ps = 0;  // after copy_to_user / unpin
  uint16_t qp = 0;             // the kernel queue pair (QM queue id)
  uint16_t sqe_index = 0;      // its SQ slot
  uint32_t reserved = 0;
};
static_assert(sizeof(ZipSyncStages) == 72);

struct ZipSyncRequest {
  uint64_t src = 0;  // user VA
  uint64_t dst = 0;  // user VA
  uint32_t src_len = 0;
  uint32_t dst_len = 0;  // in: capacity; out: bytes produced
  uint8_t req_type = 0;  // ZIP SQE req_type (deflate 1, zlib 2, gzip 3)
  uint8_t op = 0;        // 0 compress, 1 decompress
  uint8_t status = 0;    // out: the SQE status
  uint8_t reserved = 0;
  uint32_t tag = 0;      // request id, written into the SQE tag for tracing
  ZipSyncStages stages;  // out: this request's stage times, queue and slot
};
static_assert(sizeof(ZipSyncRequest) == 104);
// _IOWR('Z', 1, struct zip_sync_req): dir 3 << 30 | size << 16 | 'Z' << 8 | nr.
constexpr unsigned long kZipSyncIoctl =
    (3ul << 30) | (sizeof(ZipSyncRequest) << 16) | (0x5Aul << 8) | 1ul;
static_assert(kZipSyncIoctl == 0xC0685A01ul);

class ZipSyncDevice : public CharDevice {
 public:
  static constexpr const char* kPath = "/dev/zip_sync";

  ZipSyncDevice(Kernel& kernel, HisiQmDriver& qm, DmaApi& dma, const std::string& path = kPath);

  std::unique_ptr<KernelFile> open(SyscallContext& ctx, int* err) override;
  // The SQC priority (w13 priority[3:0]) of the kernel's own queues opened from now on
  // (system.devices[].kernel_queue_priority; Linux writes 0). They are never evicted.
  void set_queue_priority(uint8_t priority) { queue_priority_ = priority; }
  // The stages of the request that finished last on this device (any open, any thread), and
  // of process `pid` (zeros before its first request); with concurrent requests use
  // ZipSyncRequest::stages instead.
  const ZipSyncStages& last_stages() const { return last_stages_; }
  const ZipSyncStages& last_stages(int pid) const {
    static const ZipSyncStages kNone{};
    auto it = last_stages_by_pid_.find(pid);
    return it == last_stages_by_pid_.end() ? kNone : it->second;
  }

 private:
  friend class ZipSyncFile;
  Kernel& kernel_;
  HisiQmDriver& qm_;
  DmaApi& dma_;
  ZipSyncStages last_stages_;
  uint8_t queue_priority_ = 0;
  std::map<int, ZipSyncStages> last_stages_by_pid_;
  Counter& requests_;  // host.zip_sync.requests, registered when the device is built
};

}  // namespace wdsim
