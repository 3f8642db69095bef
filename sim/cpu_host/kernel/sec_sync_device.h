// The syscall path to the SEC function: a character device /dev/sec_sync through which a process
// asks the kernel for one AES-GCM encryption or decryption with one ioctl, the way an in-kernel
// user of the accelerator does it (the crypto API's aead behind AF_ALG, served by hisi_sec2's
// aead algorithms): syscall entry, the AAD and text copied into kernel pages (or the user's
// pinned), the key, IV and tag copied into the open's per-request resources (dma_alloc_coherent
// at open, as hisi_sec2's sec_alloc_resource), the buffers DMA-mapped, a type 2 BD with the GCM
// fields built on the open's kernel queue pair, the doorbell rung from the kernel, sleep, the
// MSI, wake-up, DMA-unmap (strict IOTLB invalidation), the result (and on encryption the tag)
// copied back, syscall exit. A tag that does not verify is -EBADMSG, as the crypto API returns.
// Costs are HostCostParams' (those of /dev/zip_sync: kernel_sqe_build_ns, copy, pin, sleep,
// wake-up); the stages come back in the request, in zip_sync's stage struct.
//
// The ABI (SecSyncRequest, kSecSyncIoctl) is this simulator's own, like zip_sync's: AF_ALG's
// sendmsg/recvmsg framing does not change the costs modelled. Not modelled: AF_ALG's socket
// calls (one ioctl stands for setsockopt/sendmsg/recvmsg), other algorithms than AES-GCM.
#pragma once

#include <cstdint>
#include <string>

#include "sim/cpu_host/kernel/hisi_qm_driver.h"
#include "sim/cpu_host/kernel/kernel_file.h"
#include "sim/cpu_host/kernel/zip_sync_device.h"

namespace wdsim {

struct SecSyncRequest {
  uint64_t src = 0;        // user VA: the AAD, then the text
  uint64_t dst = 0;        // user VA: room for the AAD and the text (the AAD is copied through)
  uint64_t iv = 0;         // user VA of the 12-byte IV
  uint64_t mac = 0;        // user VA of the tag: read on decryption, written on encryption
  uint64_t key = 0;        // user VA of the AES key
  uint32_t assoc_len = 0;  // AAD bytes
  uint32_t text_len = 0;   // plaintext / ciphertext bytes
  uint8_t op = 0;          // 0 encrypt, 1 decrypt
  uint8_t key_len = 0;     // 16, 24 or 32
  uint8_t tag_len = 0;     // 4 .. 16
  uint8_t status = 0;      // out: 0, or the BD's error type (kSecIcvError on a bad tag)
  uint32_t tag = 0;        // request id, written into the BD's tag for tracing
  ZipSyncStages stages;    // out: this request's stage times, queue and slot
};
static_assert(sizeof(SecSyncRequest) == 128);
// _IOWR('S', 1, struct sec_sync_req).
constexpr unsigned long kSecSyncIoctl =
    (3ul << 30) | (sizeof(SecSyncRequest) << 16) | (0x53ul << 8) | 1ul;
static_assert(kSecSyncIoctl == 0xC0805301ul);

class DmaApi;

class SecSyncDevice : public CharDevice {
 public:
  static constexpr const char* kPath = "/dev/sec_sync";
  // Requests an open may have in flight at once (its coherent key/IV/tag resources).
  static constexpr uint32_t kResources = 64;

  SecSyncDevice(Kernel& kernel, HisiQmDriver& qm, DmaApi& dma, const std::string& path = kPath);

  std::unique_ptr<KernelFile> open(SyscallContext& ctx, int* err) override;
  // The SQC priority (w13 priority[3:0]) of the queues opened from now on
  // (system.devices[].kernel_queue_priority; Linux writes 0).
  void set_queue_priority(uint8_t priority) { queue_priority_ = priority; }

 private:
  friend class SecSyncFile;
  Kernel& kernel_;
  HisiQmDriver& qm_;
  DmaApi& dma_;
  uint8_t queue_priority_ = 0;
  Counter& requests_;  // host.sec_sync.requests
};

}  // namespace wdsim
