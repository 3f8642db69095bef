// The syscall path: a character device /dev/zip_sync through which a process asks the
// kernel to compress or decompress a buffer with one ioctl, the way an in-kernel user of the
// accelerator (a crypto-API acomp driver behind a syscall) does it: syscall entry, copy the
// user buffer into kernel pages (or pin it), DMA-map it, build the SQE on a kernel queue
// pair, ring the doorbell from the kernel, sleep, take the MSI, wake up, DMA-unmap (strict
// IOTLB invalidation), copy the result back, syscall exit. Each step is a named cost from
// HostCostParams, and the time of each stage is recorded for the latency breakdown.
//
// The ABI (ZipSyncRequest, kZipSyncIoctl) is this simulator's own: Linux exposes the
// hardware to syscalls through the crypto API (e.g. AF_ALG), whose wire format does not
// matter to the costs modelled here.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/cpu_host/hisi_qm_driver.h"
#include "sim/cpu_host/kernel_file.h"

namespace wdsim {

struct ZipSyncRequest {
  uint64_t src = 0;        // user VA
  uint64_t dst = 0;        // user VA
  uint32_t src_len = 0;
  uint32_t dst_len = 0;    // in: capacity; out: bytes produced
  uint8_t req_type = 0;    // ZIP SQE req_type (deflate 1, zlib 2, gzip 3)
  uint8_t op = 0;          // 0 compress, 1 decompress
  uint8_t status = 0;      // out: the SQE status
  uint8_t reserved = 0;
  uint32_t tag = 0;        // request id, written into the SQE tag for tracing
};
constexpr unsigned long kZipSyncIoctl = 0xC0205A01ul;  // _IOWR('Z', 1, 32 bytes)
static_assert(sizeof(ZipSyncRequest) == 32);

// Where one syscall-path request spent its time (ps from the syscall's start).
struct ZipSyncStages {
  uint64_t start_ps = 0;
  uint64_t copied_in_ps = 0;   // after copy_from_user / pinning
  uint64_t mapped_ps = 0;      // after dma_map
  uint64_t submitted_ps = 0;   // SQE built and doorbell issued
  uint64_t asleep_ps = 0;      // switched away
  uint64_t woken_ps = 0;       // running again after the interrupt
  uint64_t unmapped_ps = 0;    // after dma_unmap + IOTLB invalidation
  uint64_t copied_out_ps = 0;  // after copy_to_user / unpin
};

class ZipSyncDevice : public CharDevice {
 public:
  static constexpr const char* kPath = "/dev/zip_sync";

  ZipSyncDevice(Kernel& kernel, HisiQmDriver& qm, DmaApi& dma);

  std::unique_ptr<KernelFile> open(SyscallContext& ctx, int* err) override;
  // The stages of the last request of any process, and of process `pid` (several processes
  // share the device; zeros before its first request).
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
  std::map<int, ZipSyncStages> last_stages_by_pid_;
};

}  // namespace wdsim
